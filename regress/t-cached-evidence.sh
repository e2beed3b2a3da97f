#!/bin/bash
# Cached evidence end to end (issue 15): ssh with AcceptCachedEvidence yes
# asks for it and accepts evidence bound to this connection's host key,
# after and before authentication, without a provider call once warm; ssh
# without it asks for and gets fresh evidence; cached evidence is refused
# when too old, when the policy does not accept it (a server sending it
# unasked) and when it was made for another host key (a relay); a stolen
# host key with stolen evidence works only until MaxEvidenceAge (the
# documented limit).  sshd renews the record in the background, and 64
# concurrent connections with a cold cache cause one provider call.
#
# Provider calls are counted in the sim's DIR/collect.log (one "end" line
# per production; the sim writes it when it has a delay) and in sshd's
# "AttestationCache: evidence made at" lines.
. "$(dirname "$0")/lib.sh"
require_paramiko
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the cache lives in /run/ra-ssh: run as root" >&2; exit 1; }

rm_caches() {
	local s
	for s in "$T/sim;delay=300" "$T/renew;delay=3000" "$T/cold;delay=1000" \
	    "$T/corrupt"; do
		rm -f "$(cache_name "sim:$s")" "$(cache_name "sim:$s").lock"
	done
}
# plant_record PATH KIND: a record of the right owner, mode and age whose
# item list is broken (KIND truncated: an item cut short; count: more
# items than any answer has), as a crash or a bad disk would leave it.
plant_record() {
	"$PY" - "$1" "$2" <<'EOP'
import os, struct, sys, time
path, kind = sys.argv[1], sys.argv[2]
s = lambda b: struct.pack(">I", len(b)) + b
items = {"truncated": struct.pack(">I", 1) + s(b"tdx-quote") + struct.pack(">I", 5000) + b"cut",
         "count": struct.pack(">I", 200)}[kind]
tmp = path + ".plant"
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, struct.pack(">Q", int(time.time())) + s(os.urandom(32)) + items)
os.close(fd)
os.rename(tmp, path)
EOP
}
trap 'rm_caches; cleanup' EXIT

many="MaxStartups 200"
nopen="PerSourcePenalties no"
make_sim sim
start_sshd cache "$SSHD" "AttestationProvider sim:$T/sim;delay=300" \
    "AttestationCache 3600" "AttestationPreauth yes"
make_sim renew
start_sshd renew "$SSHD" "AttestationProvider sim:$T/renew;delay=3000" \
    "AttestationCache 20" "AttestationProviderTimeout 20"
make_sim cold
start_sshd cold "$SSHD" "AttestationProvider sim:$T/cold;delay=1000" \
    "AttestationCache 3600" "$many" "$nopen"
make_sim corrupt
start_sshd corrupt "$SSHD" "AttestationProvider sim:$T/corrupt" \
    "AttestationCache 3600" "AttestationPreauth yes"
write_ssh_config cache renew cold corrupt
"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/other_host_key" -C other
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
printf 'TrustAnchor tdx %s\nAcceptCachedEvidence yes\nMaxEvidenceAge 600\n' \
    "$T/sim/root.pem" > "$T/policy_cached"
printf 'TrustAnchor tdx %s\nAcceptCachedEvidence yes\nMaxEvidenceAge 1\n' \
    "$T/sim/root.pem" > "$T/policy_young"
for s in renew cold corrupt; do
	printf 'TrustAnchor tdx %s\nAcceptCachedEvidence yes\nMaxEvidenceAge 600\n' \
	    "$T/$s/root.pem" > "$T/policy_$s"
done

calls() { cat "$T/$1/collect.log" 2>/dev/null | grep -c '^end'; }
made() { grep -c "AttestationCache: evidence made at" "$T/sshd_$1.log"; }
# attest NAME POLICY HOST [ssh options]: attested ssh, -v lines kept.
attest() {
	local name=$1 pol=$2 host=$3; shift 3
	run_ssh "$name" -o LogLevel=VERBOSE -o AttestationRequired=yes \
	    -o AttestationPolicy="$pol" "$@" "$host" echo ok
}
ok_cached() { # NAME: ran, verified from cached evidence
	expect_eq "$1: exit 0, output" "$(rc_of "$1"):$(cat "$T/$1.out")" "0:ok"
	expect_grep "$1: verified from cached evidence" \
	    "verified from cached evidence made [0-9]* s ago for this host key" "$T/$1.err"
}
ok_fresh() { # NAME: ran, verified from fresh evidence
	expect_eq "$1: exit 0, output" "$(rc_of "$1"):$(cat "$T/$1.out")" "0:ok"
	expect_grep "$1: verified" "Attestation of .* verified: " "$T/$1.err"
	grep -q "cached evidence" "$T/$1.err" && fail "$1: cached evidence used" ||
	    ok "$1: not cached"
}
refused_ssh() { # NAME PATTERN
	expect_eq "$1: exit 255" "$(rc_of "$1")" 255
	expect_grep "$1: reason" "$2" "$T/$1.err"
	expect_eq "$1: stdout empty" "$(wc -c < "$T/$1.out")" 0
}

echo "cached evidence accepted, one provider call"
attest c1 "$T/policy_cached" cache
ok_cached c1
attest c2 "$T/policy_cached" cache
ok_cached c2
expect_eq "two connections, one provider call" "$(calls sim)" 1
expect_eq "sshd made it once" "$(made cache)" 1

echo "cached evidence before authentication"
attest p1 "$T/policy_cached" cache -o AttestationStage=preauth
ok_cached p1
expect_eq "no provider call for it" "$(calls sim)" 1

echo "a fresh request gets fresh evidence"
attest f1 "$T/policy" cache
ok_fresh f1
attest f2 "$T/policy" cache -o AttestationStage=preauth
ok_fresh f2
expect_eq "a provider call each" "$(calls sim)" 3

echo "too old for the policy"
sleep 2
attest old "$T/policy_young" cache
refused_ssh old "failed: cached evidence age: made [0-9]* s ago, older than MaxEvidenceAge 1"

# A hostile server (paramiko) relaying the real sshd's cached evidence.
hostile() { # NAME HOSTKEY [MODE]
	rm -f "$T/h_$1.port"
	"$PY" "$HOSTILE/ra_hostile_server.py" --mode "${3:-relay-cached}" --hostkey "$2" \
	    --authorized "$T/id.pub" --user "$ME" --portfile "$T/h_$1.port" \
	    --log "$T/h_$1.log" --upstream-port "$PORT_cache" --user-key "$T/id" \
	    > "$T/h_$1.stdout" 2>&1 &
	HPID=$!
	wait_file "$T/h_$1.port" 20 || { fail "$1: hostile server did not start: $(cat "$T/h_$1.stdout")"; return 1; }
	HPORT=$(cat "$T/h_$1.port")
}
relayed() { # NAME HOSTKEY POLICY [MODE]
	hostile "$1" "$2" "${4:-}" || return
	run_ssh "$1" -o AttestationRequired=yes -o AttestationPolicy="$3" \
	    -o AttestationTimeout=20 -o Port="$HPORT" -o UserKnownHostsFile="$T/kh_$1" \
	    cache echo ok
	wait_pid "$HPID" 25 || fail "$1: hostile server did not finish"
	expect_grep "$1: upstream really answered" "^UPSTREAM 249" "$T/h_$1.log"
}

echo "sent unasked: refused when the policy does not accept cached evidence"
relayed unasked "$T/host_key" "$T/policy"
refused_ssh unasked "failed: cached evidence: .*(AcceptCachedEvidence no)"
grep -q "TOKEN_REQUEST.*ra-ssh-cached-binding" "$T/h_unasked.log" &&
    fail "unasked: ssh asked for cached evidence" || ok "unasked: ssh asked for fresh evidence"

echo "made for another host key: refused"
relayed otherkey "$T/other_host_key" "$T/policy_cached"
refused_ssh otherkey "failed: cached evidence is not bound to this connection's host key SHA256:.*report data binding"
expect_grep "otherkey: ssh asked for cached evidence" "TOKEN_REQUEST.*ra-ssh-cached-binding" "$T/h_otherkey.log"

echo "the limit: a stolen host key with stolen evidence, until MaxEvidenceAge"
relayed stolen "$T/host_key" "$T/policy_cached"
expect_eq "stolen: accepted within MaxEvidenceAge" "$(rc_of stolen):$(cat "$T/stolen.out")" "0:hostile-ok"
relayed stolen-old "$T/host_key" "$T/policy_young"
refused_ssh stolen-old "failed: cached evidence age: made [0-9]* s ago, older than MaxEvidenceAge 1"

echo "a stolen host key does not make old evidence younger, or pass a bent item"
relayed redated "$T/host_key" "$T/policy_cached" relay-cached-redated
refused_ssh redated "failed: cached evidence is not bound to this connection's host key SHA256:.*report data binding"
expect_grep "redated: made_at was changed" "^ALTERED relay-cached-redated" "$T/h_redated.log"
relayed dup "$T/host_key" "$T/policy_cached" relay-cached-dup
refused_ssh dup "failed: 2 ra-ssh-cached-binding items in the answer"
relayed short "$T/host_key" "$T/policy_cached" relay-cached-short
refused_ssh short "failed: malformed ra-ssh-cached-binding item (39 bytes, want 40)"
relayed bare "$T/host_key" "$T/policy_cached" relay-cached-bare
refused_ssh bare "failed: cached evidence: evidence: none of an accepted type (.*received ra-ssh-cached-binding)"
grep -q "not bound to this connection" "$T/bare.err" &&
    fail "bare: no evidence reported as a binding failure" || ok "bare: not called a binding failure"

echo "renewed in the background before it expires"
attest r1 "$T/policy_renew" renew
ok_cached r1
expect_eq "r1: the cold cache made it" "$(calls renew)" 1
# Past half of AttestationCache 20 (10 s): renewal due, the record (made
# before its 3 s production) still served until 15 s.
t_made=$(sed -n 's/.*AttestationCache: evidence made at \([0-9]*\).*/\1/p' "$T/sshd_renew.log" | head -1)
while [ "$(date +%s)" -lt $((t_made + 11)) ]; do sleep 0.2; done
t0=$(date +%s%N)
attest r2 "$T/policy_renew" renew
t1=$(date +%s%N)
ok_cached r2
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 2500 ] && ok "r2: did not wait for the 3 s production (${ms} ms)" ||
    fail "r2: took ${ms} ms"
for i in $(seq 1 100); do [ "$(calls renew)" -ge 2 ] && break; sleep 0.1; done
expect_eq "renewed once, in the background" "$(calls renew)" 2
attest r3 "$T/policy_renew" renew
ok_cached r3
expect_eq "r3: no provider call" "$(calls renew)" 2
age=$(sed -n 's/.*cached evidence made \([0-9]*\) s ago.*/\1/p' "$T/r3.err")
[ -n "$age" ] && [ "$age" -lt 9 ] && ok "r3: the renewed record ($age s old)" ||
    fail "r3: record age '$age'"

echo "a truncated or corrupt record is made again, not sent"
rec=$(cache_name "sim:$T/corrupt")
plant_record "$rec" truncated
attest k1 "$T/policy_corrupt" corrupt
ok_cached k1
expect_eq "k1: made anew" "$(made corrupt)" 1
plant_record "$rec" count
attest k2 "$T/policy_corrupt" corrupt -o AttestationStage=preauth
ok_cached k2
expect_eq "k2: made anew, before authentication" "$(made corrupt)" 2
attest k3 "$T/policy_corrupt" corrupt
ok_cached k3
expect_eq "k3: the new record is used" "$(made corrupt)" 2

echo "64 concurrent connections, cold cache: one provider call"
kids=""
for i in $(seq 1 64); do
	run_ssh "x$i" -o AttestationRequired=yes -o AttestationPolicy="$T/policy_cold" \
	    -o AttestationTimeout=90 -o ConnectTimeout=60 cold echo ok &
	kids="$kids $!"
done
wait $kids	# these only: the sshd's are children too
good=0
for i in $(seq 1 64); do
	[ "$(rc_of "x$i"):$(cat "$T/x$i.out")" = "0:ok" ] && good=$((good + 1))
done
expect_eq "all 64 attested" "$good" 64
[ "$good" -eq 64 ] || head -3 "$T"/x*.err
expect_eq "one provider call" "$(calls cold)" 1
expect_eq "sshd made it once" "$(made cold)" 1

n=0
for s in "$T/sim;delay=300" "$T/renew;delay=3000" "$T/cold;delay=1000"; do
	f=$(cache_name "sim:$s")
	[ -f "$f" ] && [ -f "$f.lock" ] && n=$((n + 1))
	[ "$(stat -c %a "$f" 2>/dev/null)" = 600 ] || fail "$f: mode $(stat -c %a "$f" 2>&1)"
done
expect_eq "a record and its lock per server, named by spec and host key" "$n" 3
finish
