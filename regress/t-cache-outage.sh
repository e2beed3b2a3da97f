#!/bin/bash
# AttestationCache during an outage of the attestation service (issue 15):
# the record then made has no maa-token, only the service's error.  It is
# sent (a client that verifies the quote itself proceeds), but renewed at
# once, not after half the period: once the service is back, clients that
# need the token get it on the next connections, not half an hour later.
# And a record is its service's: another AttestationService, another one.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the cache lives in /run/ra-ssh: run as root" >&2; exit 1; }

make_sim sim
start_maa_emu maa --status 500
maa_pid=${PIDS##* }
maa_port=$(cat "$T/maa.port")
CA="$T/emu/ca.pem"
spec="sim-azure:$T/sim;service=$URL_maa;ca=$CA"
start_sshd outage "$SSHD" "AttestationProvider $spec" "AttestationCache 3600"
write_ssh_config outage

recs=""
trap 'for r in $recs; do rm -f "$r" "$r.lock"; done; cleanup' EXIT
recs=$(cache_name "$spec")

printf 'AcceptEvidence azure-tdx-quote\nTrustAnchor tdx %s\nAcceptCachedEvidence yes\nMaxEvidenceAge 3600\n' \
    "$T/sim/root.pem" > "$T/policy_raw"
printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\nAcceptCachedEvidence yes\nMaxEvidenceAge 3600\n' \
    "$URL_maa" "$CA" "$T/keys" > "$T/policy_token"
made() { grep -c "AttestationCache: evidence made at" "$T/sshd_outage.log"; }
attest() { # NAME POLICY
	run_ssh "$1" -o LogLevel=VERBOSE -o AttestationRequired=yes \
	    -o AttestationPolicy="$2" outage echo ok
}

echo "made during the outage: sent without a token"
attest raw1 "$T/policy_raw"
expect_eq "raw1: exit 0, output" "$(rc_of raw1):$(cat "$T/raw1.out")" "0:ok"
expect_grep "raw1: from cached evidence" "verified from cached evidence" "$T/raw1.err"
for i in $(seq 1 100); do [ "$(made)" -ge 1 ] && break; sleep 0.1; done
expect_eq "one record made" "$(made)" 1

echo "the service is back"
kill "$maa_pid"
wait "$maa_pid" 2>/dev/null
for i in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$maa_port") 2>/dev/null || break
	sleep 0.1
done
start_server maa2 https "$top/build/lib/maa-emulator" --dir "$T/emu" \
    --trust-anchor "$T/sim/root.pem" --port "$maa_port"
# The first connection after it may still get the old record; the record
# is renewed at once in the background, so the token follows promptly.
attest tok1 "$T/policy_token"
for i in $(seq 1 100); do [ "$(made)" -ge 2 ] && break; sleep 0.1; done
expect_eq "renewed at once, not after half the period" "$(made)" 2
attest tok2 "$T/policy_token"
expect_eq "tok2: exit 0, output" "$(rc_of tok2):$(cat "$T/tok2.out")" "0:ok"
expect_grep "tok2: the token, from cached evidence" \
    "verified from cached evidence made .*maa-token verified" "$T/tok2.err"
attest tok3 "$T/policy_token"
expect_eq "tok3: exit 0" "$(rc_of tok3)" 0
expect_eq "a healthy record is kept" "$(made)" 2

# Two sshd's with one host key and one AttestationProvider but different
# AttestationService keywords: each answers with its own service's token.
echo "the record is the service's: another AttestationService, another record"
start_maa_emu maa3
start_maa_emu maa4
for n in 3 4; do
	eval "url=\$URL_maa$n"
	start_sshd "svc$n" "$SSHD" "AttestationProvider sim-azure:$T/sim" \
	    "AttestationService $url" "AttestationServiceCA $CA" "AttestationCache 3600"
	recs="$recs $(cache_name "sim-azure:$T/sim;service=$url;ca=$CA")"
	printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\nAcceptCachedEvidence yes\nMaxEvidenceAge 3600\n' \
	    "$url" "$CA" "$T/keys$n" > "$T/policy_svc$n"
done
write_ssh_config outage svc3 svc4
for n in 3 4; do
	run_ssh "svc$n" -o LogLevel=VERBOSE -o AttestationRequired=yes \
	    -o AttestationPolicy="$T/policy_svc$n" "svc$n" echo ok
	expect_eq "svc$n: exit 0, output" "$(rc_of "svc$n"):$(cat "$T/svc$n.out")" "0:ok"
	expect_grep "svc$n: its own service's token, cached" \
	    "verified from cached evidence made .*maa-token verified" "$T/svc$n.err"
	expect_eq "svc$n: made its own record" \
	    "$(grep -c "AttestationCache: evidence made at" "$T/sshd_svc$n.log")" 1
done
finish
