#!/bin/bash
# AttestationStage preauth: ssh attests the server right after key
# exchange and sends no authentication request until the verdict.  A
# refused server sees no authentication attempt of any kind; a good one
# works as in postauth (commands, scp, sftp, AttestationInterval); a
# server without AttestationPreauth (ours or stock) is refused at once.
. "$(dirname "$0")/lib.sh"

make_sim sim
start_sshd pre "$SSHD" "AttestationProvider sim:$T/sim" "AttestationPreauth yes"
SSHD_LOGLEVEL=DEBUG1 start_sshd refusing "$SSHD" "AttestationProvider sim:$T/sim" \
    "AttestationPreauth yes"
start_sshd post "$SSHD" "AttestationProvider sim:$T/sim"
start_sshd stock "$STOCK_SSHD"
write_ssh_config pre refusing post stock
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
{ echo "TrustAnchor tdx $T/sim/root.pem"; printf 'MRTD %096d\n' 0; } > "$T/policy-wrong-mrtd"
A="-o AttestationRequired=yes -o AttestationStage=preauth"

echo "options"
expect_grep "ssh -G default" "^attestationstage postauth$" <("$SSH" -G -F /dev/null h 2>/dev/null)
expect_grep "ssh -G preauth" "^attestationstage preauth$" <("$SSH" -G -F /dev/null -o AttestationStage=preauth h 2>/dev/null)
"$SSH" -G -F /dev/null -o AttestationStage=early h > /dev/null 2>&1
expect_eq "ssh: bad value refused" "$?" 255
expect_grep "sshd -T" "^attestationpreauth yes$" <("$SSHD" -T -f "$T/sshd_pre.config" 2>&1)
expect_grep "sshd -T default" "^attestationpreauth no$" <("$SSHD" -T -f "$T/sshd_post.config" 2>&1)

echo "good server: attested before authentication"
run_ssh cmd $A -o AttestationPolicy="$T/policy" -o LogLevel=DEBUG1 pre echo hi
expect_eq "exit status" "$(rc_of cmd)" 0
expect_eq "output" "$(cat "$T/cmd.out")" "hi"
v=$(grep -n "Attestation of 127.0.0.1 verified" "$T/cmd.err" | cut -d: -f1 | head -1)
s=$(grep -n "SSH2_MSG_SERVICE_ACCEPT received" "$T/cmd.err" | cut -d: -f1 | head -1)
[ -n "$v" ] && [ -n "$s" ] && [ "$v" -lt "$s" ] &&
    ok "verdict (line $v) before the ssh-userauth service (line $s)" ||
    fail "order: verified at '$v', userauth service at '$s'"
expect_grep "sshd served it before authentication" \
    "attestation before authentication for 127.0.0.1: sent tdx-quote" "$T/sshd_pre.log"

echo "scp and sftp"
head -c 300000 /dev/urandom > "$T/src.bin"
mkdir -p "$T/remote"
"$P/bin/scp" -S "$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy" -q \
    "$T/src.bin" pre:"$T/remote/scp.bin" 2> "$T/scp.err"
expect_eq "scp upload" "$?" 0
cmp -s "$T/src.bin" "$T/remote/scp.bin" && ok "scp byte-exact" || fail "scp data differs"
printf 'get %s %s\n' "$T/remote/scp.bin" "$T/sftp.back" > "$T/batch"
"$P/bin/sftp" -S "$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy" -q \
    -b "$T/batch" pre > /dev/null 2> "$T/sftp.err"
expect_eq "sftp batch" "$?" 0
cmp -s "$T/src.bin" "$T/sftp.back" && ok "sftp byte-exact" || fail "sftp data differs"

echo "AttestationInterval after a pre-auth attestation"
run_ssh int $A -o AttestationPolicy="$T/policy" -o AttestationInterval=2 \
    -o LogLevel=VERBOSE pre sleep 5
expect_eq "exit status" "$(rc_of int)" 0
n=$(grep -c "Attestation of 127.0.0.1 verified" "$T/int.err")
[ "$n" -ge 3 ] && ok "$n verifications" || fail "only $n verifications"

echo "refused server: no authentication attempt of any kind"
expect_refused refused "^Attestation of 127.0.0.1 failed: .*MRTD" refusing \
    $A -o AttestationPolicy="$T/policy-wrong-mrtd"
sleep 0.5
expect_grep "sshd served the evidence" "attestation before authentication" "$T/sshd_refusing.log"
auth='userauth\|Accepted \|Failed \|Postponed \|password\|keyboard-interactive\|publickey'
expect_eq "sshd log: no authentication attempt" \
    "$(grep -c "$auth" "$T/sshd_refusing.log")" 0
# The same pattern does see an authentication (a check that can fail):
run_ssh control -o AttestationRequired=no refusing true
sleep 0.5
[ "$(grep -c "$auth" "$T/sshd_refusing.log")" -gt 0 ] &&
    ok "the pattern sees an authentication when there is one" ||
    fail "the pattern misses authentication lines"

echo "servers without AttestationPreauth are refused promptly"
for s in post stock; do
	start=$(date +%s)
	rm -f "$T/ran"
	run_ssh no-$s $A -o AttestationPolicy="$T/policy" $s touch "$T/ran"
	expect_eq "$s: exit 255" "$(rc_of no-$s)" 255
	expect_grep "$s: reason" "^Attestation of 127.0.0.1 failed: server does not offer attestation before authentication" "$T/no-$s.err"
	expect_eq "$s: one line" "$(wc -l < "$T/no-$s.err")" 1
	[ $(( $(date +%s) - start )) -lt 5 ] && ok "$s: promptly" || fail "$s: took $(( $(date +%s) - start )) s"
	[ -e "$T/ran" ] && fail "$s: remote command ran" || ok "$s: remote command did not run"
done
finish
