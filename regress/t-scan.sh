#!/bin/bash
# Reference values from a running server (issue 12): `ssh-attest scan`
# connects with the patched ssh and prints policy lines that, appended to
# the policy naming the server's trust anchor, accept it; once the
# server's measurements change (sim-init again: same keys) the pinned
# policy refuses it, and a new scan prints the new values.  `ssh-attest
# policy BUNDLE` prints the same from a saved bundle.  stdout carries the
# policy text only.  (The collateral deadline is tested in the library,
# PcsFetchTest.CapiVerifyWithinEndsAtTheTimeout: a sim server's PCK chain
# is not Intel's, so Intel's collateral never applies to it.)
. "$(dirname "$0")/lib.sh"

setup_attested a plain
start_sshd pre "$SSHD" "AttestationProvider sim:$T/sim" "AttestationPreauth yes"
write_ssh_config a plain pre
A="-o AttestationRequired=yes"
mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")

echo "scan prints a policy"
"$SSH_ATTEST" scan --ssh "$SSH" --policy "$T/policy" -F "$T/ssh_config" a \
    > "$T/scan.out" 2> "$T/scan.err"
expect_eq "exit 0" "$?" 0
expect_grep "MRTD pinned" "^MRTD $mrtd$" "$T/scan.out"
expect_grep "RTMR0 pinned" "^RTMR0 [0-9a-f]\{96\}$" "$T/scan.out"
expect_grep "TD attributes pinned" "^TdAttributes [0-9a-f]\{16\}:[0-9a-f]\{16\}$" "$T/scan.out"
expect_grep "names the server" "^# Reference values of \[127.0.0.1\]:$PORT_a" "$T/scan.out"
bad=$(grep -v '^#' "$T/scan.out" | grep -cv '^[A-Za-z0-9]* [0-9a-f:]*$')
expect_eq "stdout: comments and KEYWORD VALUE lines only" "$bad" 0
[ -e "$T/known_attestations" ] && fail "scan recorded known attestations" ||
    ok "known attestations untouched"

echo "the printed policy accepts the server"
cat "$T/policy" "$T/scan.out" > "$T/pinned"
run_ssh pinned $A -o AttestationPolicy="$T/pinned" a echo hi
expect_ran pinned hi

echo "scan with ssh_config's AttestationPolicy (ssh -G), despite a RemoteCommand"
"$SSH_ATTEST" scan --ssh "$SSH" -F "$T/ssh_config" -o AttestationPolicy="$T/policy" \
    -o "RemoteCommand=echo not-the-policy" a \
    > "$T/scan2.out" 2> "$T/scan2.err"
expect_eq "exit 0" "$?" 0
expect_eq "same pins" "$(grep -v '^#' "$T/scan2.out")" "$(grep -v '^#' "$T/scan.out")"

echo "no agent, X11 or tunnel forwarding to the unpinned server, whatever ssh_config says"
# The connection's options as ssh -G sees them (its last argument is scan's command)
cat > "$T/ssh-wrap" <<EOF
#!/bin/bash
[ "\${@: -1}" = true ] && "$SSH" -G "\${@:1:\$#-1}" > "$T/scan-G.out" 2>/dev/null
exec "$SSH" "\$@"
EOF
chmod +x "$T/ssh-wrap"
rm -f "$T/scan-G.out"
"$SSH_ATTEST" scan --ssh "$T/ssh-wrap" --policy "$T/policy" -F "$T/ssh_config" \
    -o ForwardAgent=yes -o ForwardX11=yes -o Tunnel=yes a > "$T/fwd.out" 2> "$T/fwd.err"
expect_eq "exit 0" "$?" 0
expect_grep "no agent forwarding" "^forwardagent no$" "$T/scan-G.out"
expect_grep "no X11 forwarding" "^forwardx11 no$" "$T/scan-G.out"
expect_grep "no tunnel" "^tunnel false$" "$T/scan-G.out"

echo "without --ssh: the ssh installed next to ssh-attest"
PATH=/nonexistent "$SSH_ATTEST" scan --policy "$T/policy" -F "$T/ssh_config" a \
    > "$T/scan3.out" 2> "$T/scan3.err"
expect_eq "exit 0" "$?" 0
expect_eq "same pins" "$(grep -v '^#' "$T/scan3.out")" "$(grep -v '^#' "$T/scan.out")"

echo "policy BUNDLE: the same from a saved bundle"
run_ssh saved $A -o AttestationPolicy="$T/policy" -o AttestationEvidenceFile="$T/saved.json" a true
expect_eq "saved" "$(rc_of saved)" 0
"$SSH_ATTEST" policy "$T/saved.json" --policy "$T/policy" > "$T/bundle.out" 2> "$T/bundle.err"
expect_eq "exit 0" "$?" 0
expect_eq "same pins as scan" "$(grep -v '^#' "$T/bundle.out")" "$(grep -v '^#' "$T/scan.out")"
expect_grep "says the binding was not checked" "binding to a session is not checked" \
    "$T/bundle.out"
"$SSH_ATTEST" policy "$T/saved.json" > "$T/bundle-default.out" 2> "$T/bundle-default.err"
expect_eq "default policy: sim root unknown" "$?" 1
expect_eq "nothing on stdout" "$(wc -c < "$T/bundle-default.out")" 0
expect_grep "names the check" "ssh-attest: pck chain" "$T/bundle-default.err"

echo "changed measurements: refused, scanned again"
make_sim sim --mrowner "$(printf '5%.0s' $(seq 96))"
run_ssh changed $A -o AttestationPolicy="$T/pinned" a true
expect_eq "refused" "$(rc_of changed)" 255
expect_grep "by the pins" "tdx policy: .* not in policy" "$T/changed.err"
"$SSH_ATTEST" scan --ssh "$SSH" --policy "$T/pinned" -F "$T/ssh_config" a \
    > "$T/rescan.out" 2> "$T/rescan.err"
expect_eq "rescan exit 0" "$?" 0
expect_grep "new owner printed" "^MrOwner 5\{96\}$" "$T/rescan.out"
expect_grep "says the old policy refused it" "ssh's policy refused the server" "$T/rescan.err"
cat "$T/policy" "$T/rescan.out" > "$T/repinned"
run_ssh repinned $A -o AttestationPolicy="$T/repinned" a echo again
expect_ran repinned again

echo "AttestationStage preauth: no login needed (as ssh-keyscan)"
"$SSH_ATTEST" scan --ssh "$SSH" --policy "$T/policy" -F "$T/ssh_config" \
    -o AttestationStage=preauth -o BatchMode=yes -o PubkeyAuthentication=no pre \
    > "$T/pre.out" 2> "$T/pre.err"
expect_eq "exit 0 though the login failed" "$?" 0
expect_grep "login failed" "Permission denied" "$T/pre.err"
expect_grep "MrOwner printed" "^MrOwner 5\{96\}$" "$T/pre.out"

echo "a server without attestation: nothing printed"
"$SSH_ATTEST" scan --ssh "$SSH" --policy "$T/policy" -F "$T/ssh_config" plain \
    > "$T/plain.out" 2> "$T/plain.err"
expect_eq "exit 1" "$?" 1
expect_eq "nothing on stdout" "$(wc -c < "$T/plain.out")" 0
expect_grep "says why" "ssh-attest: ssh" "$T/plain.err"

finish
