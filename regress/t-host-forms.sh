#!/bin/bash
# Host patterns match the name as typed: DB1.CVM.EXAMPLE and
# db1.cvm.example. must get the Attestation options written for
# *.cvm.example all the same (refused here: the policy pins an MRTD the
# server does not have), while other options keep upstream's matching.
. "$(dirname "$0")/lib.sh"

make_sim sim
start_sshd good "$SSHD" "AttestationProvider sim:$T/sim"
{ echo "TrustAnchor tdx $T/sim/root.pem"; printf 'MRTD %096d\n' 0; } > "$T/policy-wrong"
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy-ok"

cat > "$T/ssh_config" <<EOC
Host db2.cvm.example
	AttestationRequired no
Host *.cvm.example
	AttestationRequired yes
	AttestationPolicy $T/policy-wrong
Host *.ok.example
	AttestationRequired yes
	AttestationPolicy $T/policy-ok
Host web1.plain.example
	Port 1
EOC
ssh_host '*' "$PORT_good" >> "$T/ssh_config"

echo "every form of a name in an attested block is attested (and refused)"
for h in db1.cvm.example DB1.CVM.EXAMPLE db1.cvm.example. Db1.Cvm.Example.. ; do
	rm -f "$T/ran"
	run_ssh form "$h" touch "$T/ran"
	expect_eq "$h: exit 255" "$(rc_of form)" 255
	expect_grep "$h: refused for the MRTD" "Attestation of 127.0.0.1 failed: .*MRTD" "$T/form.err"
	[ -e "$T/ran" ] && fail "$h: remote command ran" || ok "$h: remote command did not run"
	"$SSH" -F "$T/ssh_config" -G "$h" > "$T/g" 2> /dev/null
	expect_grep "$h: ssh -G shows it required" "^attestationrequired yes" "$T/g"
	expect_grep "$h: ssh -G shows the policy" "^attestationpolicy $T/policy-wrong" "$T/g"
done

echo "and attested when the policy matches"
run_ssh okform -o LogLevel=VERBOSE DB7.OK.EXAMPLE. echo hi
expect_eq "DB7.OK.EXAMPLE.: exit 0" "$(rc_of okform)" 0
expect_eq "DB7.OK.EXAMPLE.: output" "$(cat "$T/okform.out")" "hi"
expect_grep "DB7.OK.EXAMPLE.: verified" "Attestation of 127.0.0.1 verified" "$T/okform.err"

echo "an explicit exception covers every form of its name too"
for h in db2.cvm.example DB2.CVM.EXAMPLE db2.cvm.example.; do
	"$SSH" -F "$T/ssh_config" -G "$h" > "$T/g2" 2> /dev/null
	expect_grep "$h: not required" "^attestationrequired no" "$T/g2"
done
run_ssh other other.example true
expect_eq "a name outside the block: unattested, exit 0" "$(rc_of other)" 0

echo "without Attestation options the name is matched as upstream does"
"$SSH" -F "$T/ssh_config" -G WEB1.PLAIN.EXAMPLE > "$T/g4" 2> /dev/null
expect_grep "Host web1.plain.example does not apply to WEB1.PLAIN.EXAMPLE" "^port $PORT_good\$" "$T/g4"
expect_grep "nor AttestationRequired" "^attestationrequired no" "$T/g4"
finish
