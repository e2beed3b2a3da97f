#!/bin/bash
# contrib/ stays valid: each sshd_config snippet passes sshd -t, each
# ssh_config snippet parses, the systemd unit passes systemd-analyze
# verify, and the policy skeleton printed for this machine (no TEE: the
# sim skeleton) is a policy that verifies a sim quote.  The example
# policies are loaded by the unit tests (ExamplePolicies.*).
. "$(dirname "$0")/lib.sh"
C="$top/contrib"

echo "sshd_config snippets"
n=0
for f in "$C"/sshd_config.d/*.conf; do
	n=$((n + 1))
	{
		echo "Include $f"
		echo "HostKey $T/host_key"
		echo "PidFile $T/sshd.pid"
	} > "$T/sshd.t"
	"$SSHD" -t -f "$T/sshd.t" > "$T/t.out" 2>&1
	expect_eq "sshd -t with $(basename "$f")" "$?" 0
	[ -s "$T/t.out" ] && cat "$T/t.out"
done
[ "$n" -ge 4 ] && ok "$n sshd snippets" || fail "sshd snippets: $n"
# The check can fail: a misspelt keyword in a snippet is refused.
sed 's/^AttestationProvider/AttestationProvidr/' "$C/sshd_config.d/baremetal-tdx.conf" > "$T/bad.conf"
printf 'Include %s\nHostKey %s\n' "$T/bad.conf" "$T/host_key" > "$T/sshd.bad"
"$SSHD" -t -f "$T/sshd.bad" > /dev/null 2>&1
expect_eq "sshd -t refuses a misspelt snippet" "$?" 255

echo "ssh_config snippets"
# ssh -G loads the policy a snippet names: point the installed paths at
# the examples here, and their collateral at the test vectors.
mkdir -p "$T/policies" "$T/ssh_config.d"
for p in "$C"/policies/*.policy; do
	sed "s#/var/lib/ra-ssh/intel-collateral#$top/tests/vectors/tdx/collateral#" \
	    "$p" > "$T/policies/$(basename "$p")"
done
n=0
for f in "$C"/ssh_config.d/*.conf; do
	n=$((n + 1))
	g="$T/ssh_config.d/$(basename "$f")"
	sed "s#/etc/ra-ssh/policies/#$T/policies/#" "$f" > "$g"
	"$SSH" -G -T -F "$g" cvm-1.westeurope.cloudapp.azure.com > "$T/G.out" 2> "$T/G.err"
	expect_eq "ssh -G -F $(basename "$f")" "$? $(cat "$T/G.err")" "0 "
done
# ... and a snippet whose policy is missing says so, on stderr
"$SSH" -G -T -F "$C/ssh_config.d/azure-tdx.conf" cvm-1.westeurope.cloudapp.azure.com \
    > /dev/null 2> "$T/G.err"
expect_grep "a missing policy is reported by ssh -G" \
    "AttestationPolicy: /etc/ra-ssh/policies/azure-tdx-quote.policy" "$T/G.err"
[ "$n" -ge 4 ] && ok "$n ssh snippets" || fail "ssh snippets: $n"
"$SSH" -G -T -F "$C/ssh_config.d/azure-tdx.conf" cvm-1.westeurope.cloudapp.azure.com > "$T/G.out"
expect_grep "Azure hosts require attestation" "^attestationrequired yes" "$T/G.out"
sed 's/AttestationRequired/AttestationRequird/' "$C/ssh_config.d/azure-tdx.conf" > "$T/bad_ssh.conf"
"$SSH" -G -T -F "$T/bad_ssh.conf" cvm-1.westeurope.cloudapp.azure.com > /dev/null 2>&1
expect_eq "ssh -G refuses a misspelt snippet" "$?" 255

echo "systemd unit"
if ! command -v systemd-analyze > /dev/null; then
	fail "systemd-analyze missing (apt-get install systemd)"
else
	# the unit names /opt/ra-ssh; check it against the staged build
	sed -e "s|/opt/ra-ssh|$P|g" -e "s|/etc/ra-ssh|$T|g" \
	    "$C/systemd/ra-ssh-sshd.service" > "$T/ra-ssh-sshd.service"
	systemd-analyze verify --man=no "$T/ra-ssh-sshd.service" > "$T/sa.out" 2>&1
	expect_eq "systemd-analyze verify" "$? $(cat "$T/sa.out")" "0 "
	sed 's|^ExecStart=.*|ExecStart=/nonexistent/sshd -D|' "$T/ra-ssh-sshd.service" \
	    > "$T/ra-ssh-bad.service"
	systemd-analyze verify --man=no "$T/ra-ssh-bad.service" > /dev/null 2>&1
	[ $? -ne 0 ] && ok "systemd-analyze refuses a broken unit" ||
	    fail "systemd-analyze accepted a missing ExecStart binary"
fi

echo "policy skeleton"
"$C/ra-ssh-policy-skeleton" --no-quote > "$T/skel" 2> "$T/skel.err"
expect_eq "skeleton exit" "$?" 0
expect_grep "says it found no TEE" "no TEE found" "$T/skel.err"
expect_grep "sim skeleton" "^TrustAnchor tdx /etc/ra-ssh/sim/root.pem" "$T/skel"
make_sim sim
sed "s|/etc/ra-ssh/sim|$T/sim|" "$T/skel" > "$T/skel.policy"
rd=$(printf '%0128x' 7)
"$SSH_ATTEST" quote --provider "sim:$T/sim" --report-data "$rd" -o "$T/ev" 2> "$T/q.err"
expect_eq "sim quote" "$?" 0
"$SSH_ATTEST" verify "$T/ev" --report-data "$rd" --policy "$T/skel.policy" > "$T/v.out" 2>&1
expect_eq "skeleton policy verifies a sim quote" "$?" 0
"$SSH_ATTEST" verify "$T/ev" --report-data "$rd" > /dev/null 2>&1
expect_eq "the default policy does not (so the skeleton's anchor counted)" "$?" 1
finish
