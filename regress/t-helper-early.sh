#!/bin/bash
# The attestation helper started as the connection starts (issue 14, the
# connect cost; docs/design.md "Privilege and library model"): sshd-session
# starts libexec/ssh-attest-helper for a provider that needs it, the
# production takes it, and it never reaches the user's session nor
# outlives the connection.  A server whose provider does not need it
# starts none.  The helper is a private copy, so that only this test's
# helpers are counted (others may run beside it).
. "$(dirname "$0")/lib.sh"
make_sim sim
start_maa_emu good
CA="$T/emu/ca.pem"
mkdir "$T/helper"
cp "$P/libexec/ssh-attest-helper" "$T/helper/"
export SSH_ATTEST_HELPER="$T/helper/ssh-attest-helper"
start_sshd maa "$SSHD" "AttestationProvider sim-azure:$T/sim;service=$URL_good;ca=$CA"
start_sshd sim "$SSHD" "AttestationProvider sim:$T/sim"
write_ssh_config maa sim
printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' \
    "$URL_good" "$CA" "$T/keys" > "$T/policy_maa"
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy_sim"

# Our helper copies still running (any parent).
helpers() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$SSH_ATTEST_HELPER" ] &&
		    echo "${p#/proc/}"
	done
}
# None left within 3 s of the connection's end?
expect_no_helper() {
	local i
	for i in $(seq 1 30); do
		[ -z "$(helpers)" ] && break
		sleep 0.1
	done
	expect_eq "$1: no helper left after the connection" "$(helpers | wc -l)" 0
}
# The remote command: the helpers, children of the session's monitor
# (the shell's parent is the post-auth child, whose parent is the
# monitor), then the descriptors the session holds.
REMOTE='mon=$(ps -o ppid= -p $PPID | tr -d " "); echo helpers $(ps -o comm= --ppid $mon | grep -c ssh-attest); ls -l /proc/self/fd'

echo "attested over the service: the production takes the early helper"
run_ssh maa -o AttestationRequired=yes -o AttestationPolicy="$T/policy_maa" maa "$REMOTE"
expect_eq "maa: exit 0" "$(rc_of maa)" 0
expect_grep "maa: started ahead" "attestation helper started ahead" "$T/sshd_maa.log"
expect_grep "maa: taken by the production" "production takes the helper started ahead" "$T/sshd_maa.log"
expect_grep "maa: token issued" "token issued" "$T/good.log"
expect_grep "maa: the session's descriptors were listed" "^l.* 0 -> " "$T/maa.out"
expect_eq "maa: no helper during the session (killed after the production)" \
    "$(grep '^helpers' "$T/maa.out")" "helpers 0"
expect_eq "maa: the session holds no socket" "$(grep -c 'socket:' "$T/maa.out")" 0
expect_no_helper maa

echo "not attested: the unused helper is alive, and still not the session's"
: > "$T/sshd_maa.log"
run_ssh idle maa "$REMOTE"
expect_eq "idle: exit 0" "$(rc_of idle)" 0
expect_grep "idle: started ahead" "attestation helper started ahead" "$T/sshd_maa.log"
# The control: the helper is there while the command runs, so a leaked
# socket would show in the listing below.
expect_eq "idle: the helper waits beside the session" "$(grep '^helpers' "$T/idle.out")" "helpers 1"
expect_eq "idle: the session holds no socket" "$(grep -c 'socket:' "$T/idle.out")" 0
expect_no_helper idle

echo "a provider that needs no helper starts none"
run_ssh sim -o AttestationRequired=yes -o AttestationPolicy="$T/policy_sim" sim "$REMOTE"
expect_eq "sim: exit 0" "$(rc_of sim)" 0
expect_eq "sim: no helper during the session" "$(grep '^helpers' "$T/sim.out")" "helpers 0"
if grep -q "attestation helper started ahead" "$T/sshd_sim.log"; then
	fail "sim: a helper was started"
else
	ok "sim: no helper started"
fi
expect_no_helper sim

echo "re-attested (AttestationInterval) after the early helper is gone"
run_ssh again -o AttestationRequired=yes -o AttestationPolicy="$T/policy_maa" \
    -o AttestationInterval=1 maa 'sleep 2.5; echo done'
expect_ran again done
expect_no_helper again

finish
