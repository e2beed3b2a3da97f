#!/bin/bash
# What was measured, shown and kept (issue 17): ssh -v prints every claim
# in full on success and, for genuine evidence the policy refuses, on
# failure; AttestationEvidenceFile (%h, %p, %r tokens) writes the evidence
# and the verdict, mode 0600, after an accepted and after a refused
# verdict, never to stdout; refusals carry their hint.
. "$(dirname "$0")/lib.sh"

make_sim sim
make_sim simdebug --debug
start_sshd good "$SSHD" "AttestationProvider sim:$T/sim"
start_sshd debug "$SSHD" "AttestationProvider sim:$T/simdebug"
write_ssh_config good debug
eval "port=\$PORT_good"

mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
{ echo "TrustAnchor tdx $T/sim/root.pem"; printf 'MRTD %096d\n' 0; } > "$T/policy-wrong-mrtd"
echo "TrustAnchor tdx $T/simdebug/root.pem" > "$T/policy-debug"
A="-o AttestationRequired=yes"
mkdir -m 700 "$T/ev"

echo "ssh -v: every claim in full, one line per field"
run_ssh v $A -o AttestationPolicy="$T/policy" -v good true
expect_eq "exit" "$(rc_of v)" 0
expect_grep "full MRTD" "ra-ssh: verified tdx-quote: mrtd=$mrtd" "$T/v.err"
expect_grep "RTMR0 line" "ra-ssh: verified tdx-quote: rtmr0=[0-9a-f]\{96\}.\{0,1\}$" "$T/v.err"
expect_grep "debug line" "ra-ssh: verified tdx-quote: debug=no" "$T/v.err"
run_ssh quiet $A -o AttestationPolicy="$T/policy" good true
expect_eq "not without -v" "$(grep -c 'ra-ssh: verified' "$T/quiet.err")" 0

echo "AttestationEvidenceFile after an accepted verdict"
run_ssh saved $A -o AttestationPolicy="$T/policy" \
    -o AttestationEvidenceFile="$T/ev/%h_%p_%r.json" good echo out
expect_eq "exit" "$(rc_of saved)" 0
expect_eq "stdout is the command's" "$(cat "$T/saved.out")" "out"
f="$T/ev/127.0.0.1_${port}_$ME.json"
[ -f "$f" ] && ok "tokens expanded" || fail "no $f ($(ls "$T/ev"))"
expect_eq "mode 0600" "$(stat -c %a "$f" 2>/dev/null)" 600
expect_grep "verdict accepted" '"result": "accepted"' "$f"
expect_grep "claims kept" "\"mrtd\": \"$mrtd\"" "$f"
"$SSH_ATTEST" verify "$f" --policy "$T/policy" > "$T/reverify.out" 2>&1
expect_eq "ssh-attest verify reads it" "$?" 0

echo "tilde expansion"
run_ssh tilde $A -o AttestationPolicy="$T/policy" \
    -o AttestationEvidenceFile="~/.ra-ev-test-$$.json" good true
expect_eq "exit" "$(rc_of tilde)" 0
[ -f "$HOME/.ra-ev-test-$$.json" ] && ok "~ expanded" || fail "no ~/.ra-ev-test-$$.json"
rm -f "$HOME/.ra-ev-test-$$.json"

echo "refused: what was measured, and the file"
umask 022
run_ssh wrong $A -o AttestationPolicy="$T/policy-wrong-mrtd" -v \
    -o AttestationEvidenceFile="$T/ev/refused.json" good touch "$T/ran"
expect_eq "exit 255" "$(rc_of wrong)" 255
[ -e "$T/ran" ] && fail "remote command ran" || ok "remote command did not run"
expect_grep "refused claims at -v" "ra-ssh: refused tdx-quote: mrtd=$mrtd" "$T/wrong.err"
expect_grep "one-line reason" "Attestation of 127.0.0.1 failed: tdx policy: MRTD" "$T/wrong.err"
expect_eq "mode 0600 whatever the umask" "$(stat -c %a "$T/ev/refused.json" 2>/dev/null)" 600
expect_grep "verdict refused" '"result": "refused"' "$T/ev/refused.json"
expect_grep "reason kept" '"error": "tdx policy: MRTD' "$T/ev/refused.json"
expect_grep "measured kept" "\"mrtd\": \"$mrtd\"" "$T/ev/refused.json"

echo "never to stdout"
run_ssh dash $A -o AttestationPolicy="$T/policy" -o AttestationEvidenceFile=- good echo out
expect_eq "exit" "$(rc_of dash)" 0
expect_eq "stdout only the command's" "$(cat "$T/dash.out")" "out"
[ -e "-" ] && fail "a file named - was written" || ok "no file named -"
expect_grep "said why" "AttestationEvidenceFile: not written" "$T/dash.err"

echo "ssh -G shows the option"
"$SSH" -F "$T/ssh_config" -G -o AttestationEvidenceFile="~/x_%h" good > "$T/G.out" 2>&1
expect_grep "-G" "^attestationevidencefile ~/x_%h" "$T/G.out"

echo "hints"
run_ssh noanchor $A good true
expect_eq "exit 255" "$(rc_of noanchor)" 255
expect_grep "trust anchor hint" "pck chain: .*needs \`TrustAnchor tdx FILE\` in the policy" "$T/noanchor.err"
expect_eq "one line" "$(wc -l < "$T/noanchor.err")" 1
run_ssh dbg $A -o AttestationPolicy="$T/policy-debug" debug true
expect_eq "exit 255" "$(rc_of dbg)" 255
expect_grep "debug hint" "(rebuild the TD without debug, or set AllowDebug yes for testing)" "$T/dbg.err"
expect_eq "one line" "$(wc -l < "$T/dbg.err")" 1

finish
