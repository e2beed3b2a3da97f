#!/bin/bash
# AttestationInterval: a long session re-attests over the open connection
# (fresh nonce each time, same policy), a server whose evidence stops
# passing the policy mid-session has the session killed (exit 255, one
# line), a mux master re-attests too, and sshd's per-connection limit is a
# rate that a too-eager client runs into.
. "$(dirname "$0")/lib.sh"

make_sim sim
make_sim simswap
make_sim other
start_sshd good "$SSHD" "AttestationProvider sim:$T/sim"
start_sshd swap "$SSHD" "AttestationProvider sim:$T/simswap"
write_ssh_config good swap
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
# The policy's anchor must not move with the swapped directory.
cp "$T/simswap/root.pem" "$T/swap-root.pem"
echo "TrustAnchor tdx $T/swap-root.pem" > "$T/policy-swap"
A="-o AttestationRequired=yes"

echo "ssh -G shows the option"
expect_grep "default 0" "^attestationinterval 0$" <("$SSH" -G -F /dev/null h 2>/dev/null)
expect_grep "set" "^attestationinterval 90$" <("$SSH" -G -F /dev/null -o AttestationInterval=1m30s h 2>/dev/null)
"$SSH" -G -F /dev/null -o AttestationInterval=soon h > /dev/null 2>&1
expect_eq "bad value refused" "$?" 255

echo "AttestationInterval 2 over sleep 7"
before=$(grep -c "ra-ssh: attestation for user" "$T/sshd_good.log")
run_ssh periodic $A -o AttestationPolicy="$T/policy" -o AttestationInterval=2 \
    -o LogLevel=DEBUG3 good sleep 7
expect_eq "exit status" "$(rc_of periodic)" 0
n=$(grep -c "Attestation of 127.0.0.1 verified" "$T/periodic.err")
[ "$n" -ge 3 ] && ok "$n verifications in the -v log" || fail "only $n verifications"
nonces=$(sed -n 's/.*ra-ssh: nonce \([0-9a-f]*\).*/\1/p' "$T/periodic.err")
expect_eq "one fresh nonce per exchange" "$(echo "$nonces" | sort -u | wc -l)" "$n"
after=$(grep -c "ra-ssh: attestation for user" "$T/sshd_good.log")
[ "$((after - before))" -ge "$n" ] && ok "server served each ($((after - before)))" ||
    fail "server served $((after - before)), client verified $n"

echo "AttestationInterval 0 (default): once"
run_ssh once $A -o AttestationPolicy="$T/policy" -o LogLevel=VERBOSE good sleep 3
expect_eq "exit status" "$(rc_of once)" 0
expect_eq "one verification" "$(grep -c "Attestation of 127.0.0.1 verified" "$T/once.err")" 1

echo "evidence that stops passing the policy kills the session"
rm -f "$T/started" "$T/finished"
start=$(date +%s)
"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy-swap" \
    -o AttestationInterval=2 swap "echo x > $T/started; sleep 20; touch $T/finished" \
    > "$T/swap.out" 2> "$T/swap.err" < /dev/null &
pid=$!
wait_file "$T/started" 15 && ok "session started" || fail "session did not start"
mv "$T/simswap" "$T/simswap.old" && mv "$T/other" "$T/simswap"
wait_pid "$pid" 15
rc=$?
wait "$pid" 2>/dev/null; rc2=$?
expect_eq "ssh ended before the command" "$rc" 0
expect_eq "exit 255" "$rc2" 255
expect_grep "the one line" "^Attestation of 127.0.0.1 failed: " "$T/swap.err"
expect_eq "one line on stderr" "$(wc -l < "$T/swap.err")" 1
[ $(( $(date +%s) - start )) -lt 18 ] && ok "promptly" || fail "took $(( $(date +%s) - start )) s"
sleep 1
[ -e "$T/finished" ] && fail "remote command finished" || ok "remote command did not finish"
mv "$T/simswap" "$T/other" && mv "$T/simswap.old" "$T/simswap"

echo "a ControlMaster re-attests"
CP="-o ControlPath=$T/mux-%n"
"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy" -o AttestationInterval=2 \
    $CP -o ControlMaster=yes -o ControlPersist=30 -o LogLevel=VERBOSE \
    -E "$T/master.log" -fN good
expect_eq "master started" "$?" 0
sleep 5
n=$(grep -c "Attestation of 127.0.0.1 verified" "$T/master.log")
[ "$n" -ge 3 ] && ok "master: $n verifications" || fail "master: only $n verifications"
"$SSH" -F "$T/ssh_config" $CP -O exit good > /dev/null 2>&1

echo "sshd's limit is a rate: one request a second runs out"
run_ssh eager $A -o AttestationPolicy="$T/policy" -o AttestationInterval=1 good sleep 30
expect_eq "exit 255" "$(rc_of eager)" 255
expect_grep "server says why" "too many attestation requests" "$T/eager.err"
expect_grep "sshd logs it" "too many attestation requests" "$T/sshd_good.log"
finish
