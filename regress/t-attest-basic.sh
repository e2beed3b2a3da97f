#!/bin/bash
# An attested connection runs a command with byte-exact output; refusals
# (wrong MRTD, debug TD, untrusted root, no provider) exit 255 with the
# reason on stderr and the remote command never runs.  The session child
# never holds the sim's key; a provider broken after start-up fails only
# connections that ask.
. "$(dirname "$0")/lib.sh"

make_sim sim
make_sim simdebug --debug
start_sshd good "$SSHD" "AttestationProvider sim:$T/sim"
start_sshd debug "$SSHD" "AttestationProvider sim:$T/simdebug"
start_sshd none "$SSHD"
write_ssh_config good debug none

echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")
{ echo "TrustAnchor tdx $T/sim/root.pem"; echo "MRTD $mrtd"; } > "$T/policy-mrtd"
{ echo "TrustAnchor tdx $T/sim/root.pem"; printf 'MRTD %096d\n' 0; } > "$T/policy-wrong-mrtd"
{ echo "TrustAnchor tdx $T/simdebug/root.pem"; } > "$T/policy-debug"
{ echo "TrustAnchor tdx $T/simdebug/root.pem"; echo "AllowDebug yes"; } > "$T/policy-debug-ok"

A="-o AttestationRequired=yes"

echo "attested connection"
head -c 200000 /dev/urandom > "$T/blob"
"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy-mrtd" good \
    cat < "$T/blob" > "$T/blob.out" 2> "$T/blob.err"
expect_eq "exit status" "$?" 0
cmp -s "$T/blob" "$T/blob.out" && ok "200 kB through cat byte-exact" || fail "output differs"
expect_eq "nothing on stderr" "$(cat "$T/blob.err")" ""

run_ssh verbose $A -o AttestationPolicy="$T/policy" -o LogLevel=VERBOSE good printf 'x\\0y'
expect_eq "verbose exit" "$(rc_of verbose)" 0
expect_eq "stdout is the command's only" "$(od -An -c "$T/verbose.out" | tr -s ' ')" " x \\0 y"
expect_grep "claims reported at -v" "Attestation of 127.0.0.1 verified: tdx-quote" "$T/verbose.err"

echo "refusals"
refused wrong-mrtd good "$T/policy-wrong-mrtd" "failed: .*MRTD"
refused untrusted-root good "" "failed: pck chain"
refused debug-td debug "$T/policy-debug" "failed: .*[Dd]ebug"
refused no-provider none "$T/policy" "server does not offer attestation"
refused bad-policy good "$T/nonexistent" "^AttestationPolicy: $T/nonexistent: No such file"

echo "debug TD accepted only when the policy allows it"
run_ssh debugok $A -o AttestationPolicy="$T/policy-debug-ok" debug true
expect_eq "AllowDebug yes accepts" "$(rc_of debugok)" 0

echo "AttestationRequired no does not ask"
before=$(grep -c "refusing service request" "$T/sshd_none.log")
run_ssh notreq none true
expect_eq "unattested server, not required" "$(rc_of notreq)" 0
expect_eq "no service request sent" "$(grep -c "refusing service request" "$T/sshd_none.log")" "$before"

echo "fresh nonce per connection"
for i in 1 2; do
	run_ssh nonce$i $A -o AttestationPolicy="$T/policy" -o LogLevel=DEBUG3 good true
	expect_eq "connection $i" "$(rc_of nonce$i)" 0
done
n1=$(sed -n 's/.*ra-ssh: nonce \([0-9a-f]*\).*/\1/p' "$T/nonce1.err")
n2=$(sed -n 's/.*ra-ssh: nonce \([0-9a-f]*\).*/\1/p' "$T/nonce2.err")
expect_eq "nonce is 32 bytes" "${#n1}" 64
[ -n "$n1" ] && [ "$n1" != "$n2" ] && ok "nonces differ" || fail "nonce reused ('$n1' '$n2')"

make_sim simearly
# delay: the production process lives long enough to be looked at.
start_sshd early "$SSHD" "AttestationProvider sim:$T/simearly;delay=1500"
write_ssh_config good debug none early
{ echo "TrustAnchor tdx $T/simearly/root.pem"; } > "$T/policy-early"

echo "the sim's private key is in the production process, never in the session child"
# The monitor opens the provider for each request in a child of its own,
# forked after the unprivileged session child: what the monitor loaded
# before that fork (the key, and the key decoder's freed buffers) would
# be copied into the session child.  The monitor itself never loads it.
keyhex=$(openssl pkey -in "$T/simearly/attestation.key" -noout -text 2> /dev/null |
    sed -n '/^priv:/,/^pub:/p' | sed '1d;$d' | tr -d ' :\n')
keyrev=$(echo "$keyhex" | fold -w2 | tac | tr -d '\n')  # a BIGNUM's limbs, x86
expect_eq "private key read" "${#keyhex}" 64
: > "$T/sshd_early.log"
"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy-early" early \
    sleep 8 > /dev/null 2> "$T/early-mem.err" < /dev/null &
sshpid=$!
# While the sim sleeps in Collect (it logged "begin" with its pid) the
# production process holds the key: the scan can see it there.
prodpid=""
for i in $(seq 1 200); do
	prodpid=$(awk '$1 == "begin" {print $3}' "$T/simearly/collect.log" 2>/dev/null)
	[ -n "$prodpid" ] && break
	sleep 0.05
done
if [ -n "$prodpid" ]; then
	n=$(python3 "$top/regress/proc_mem_grep.py" "$prodpid" "$keyhex" "$keyrev")
	[ "${n:-0}" -ge 1 ] && ok "production process holds the key (the scan can see it)" ||
	    fail "production process holds the key: found '$n' of 2 forms"
else
	fail "no production process logged by the sim"
fi
# Once the session exists, the evidence was produced and the production
# process and the pre-auth child are gone: the monitor's one child is the
# session child.
monpid="" childpid=""
for i in $(seq 1 120); do
	grep -q "session_new" "$T/sshd_early.log" && break
	sleep 0.05
done
monpid=$(pgrep -P "$PID_early" | head -1)
[ -n "$monpid" ] && childpid=$(pgrep -P "$monpid" | head -1)
if [ -n "$monpid" ] && [ -n "$childpid" ]; then
	expect_eq "monitor holds no copy of it" \
	    "$(python3 "$top/regress/proc_mem_grep.py" "$monpid" "$keyhex" "$keyrev")" 0
	expect_eq "session child holds no copy of it" \
	    "$(python3 "$top/regress/proc_mem_grep.py" "$childpid" "$keyhex" "$keyrev")" 0
else
	fail "no monitor/session child found (monitor '$monpid')"
fi
wait "$sshpid"
expect_eq "that connection attested" "$?" 0

echo "a provider broken after start-up: silent until a client asks"
mv "$T/simearly/attestation.key" "$T/simearly/attestation.key.gone"
: > "$T/sshd_early.log"
run_ssh early-notreq early true
expect_eq "unattested connection unaffected" "$(rc_of early-notreq)" 0
grep -q "^ra-ssh: AttestationProvider" "$T/sshd_early.log" &&
    fail "error logged without a request" || ok "no error without a request"
refused early-broken early "$T/policy-early" "server could not produce evidence"
expect_grep "reported on request" "^ra-ssh: AttestationProvider sim:$T/simearly;delay=1500: .*attestation.key" "$T/sshd_early.log"
mv "$T/simearly/attestation.key.gone" "$T/simearly/attestation.key"

grep -q "fatal\|segfault\|Segmentation" "$T"/sshd_*.log && fail "sshd logged a fatal error" || ok "sshd healthy"
finish
