#!/bin/bash
# What an operator sees: sshd at its default LogLevel (INFO) logs one line
# per attestation served (user and evidence types, or the provider's
# error) and says so when a client asks a server without a provider;
# ssh -V and sshd -V name ra-ssh, while the protocol banner stays
# OpenSSH's own (compat.c matches it).
SSHD_LOGLEVEL=INFO
. "$(dirname "$0")/lib.sh"

want=$(sed -n 's/^project(ra_attest VERSION \([0-9.]*\).*/\1/p' "$top/lib/CMakeLists.txt")
echo "versions"
"$SSH" -V 2> "$T/v1"
expect_grep "ssh -V: OpenSSH's release first" "^OpenSSH_[0-9.]*p[0-9]* ra-ssh_$want, " "$T/v1"
"$SSHD" -V 2> "$T/v2"
expect_grep "sshd -V: names ra-ssh $want" "^OpenSSH_[0-9.]*p[0-9]* ra-ssh_$want, " "$T/v2"
"$P/libexec/sshd-session" -V 2> "$T/v3"
expect_grep "sshd-session -V too" "^OpenSSH_[0-9.]*p[0-9]* ra-ssh_$want, " "$T/v3"

setup_attested good none
A="-o AttestationRequired=yes -o AttestationPolicy=$T/policy"
# log lines end in CR LF
nocr() { tr -d '\r' < "$T/$1"; }

echo "one INFO line per attestation served"
for i in 1 2; do
	run_ssh ok$i $A -o LogLevel=DEBUG good true
	expect_eq "connection $i attested" "$(rc_of ok$i)" 0
done
expect_eq "two lines for two attestations" \
    "$(nocr sshd_good.log | grep -c "^ra-ssh: attestation for user $ME: sent tdx-quote\$")" 2
expect_eq "the banner is OpenSSH's own" \
    "$(nocr ok1.err | grep -c "remote software version OpenSSH_[0-9.]*\$")" 1
grep -q "remote software version.*ra-ssh" "$T/ok1.err" &&
    fail "banner names ra-ssh" || ok "banner unchanged"
run_ssh plain good true
expect_eq "an unattested connection" "$(rc_of plain)" 0
expect_eq "logs no attestation" \
    "$(grep -c "ra-ssh: attestation for user" "$T/sshd_good.log")" 2

echo "a provider failure: one line with the user and the provider's error"
mv "$T/sim/attestation.key" "$T/sim/attestation.key.gone"
run_ssh broken $A good true
expect_eq "refused" "$(rc_of broken)" 255
expect_eq "one failure line" "$(nocr sshd_good.log | grep -c "^ra-ssh: AttestationProvider sim:$T/sim: .*attestation.key.*; attestation for user $ME failed\$")" 1
mv "$T/sim/attestation.key.gone" "$T/sim/attestation.key"

echo "a client asking a server whose AttestationProvider is none"
run_ssh none $A none true
expect_eq "refused" "$(rc_of none)" 255
expect_grep "client told the server does not offer it" "server does not offer attestation" "$T/none.err"
expect_eq "sshd says why" "$(nocr sshd_none.log | grep -c "^ra-ssh: user $ME asked for attestation but AttestationProvider is none\$")" 1
grep -q "dispatch_protocol_error" "$T/sshd_none.log" &&
    fail "sshd logged a protocol error" || ok "no protocol error logged"
finish
