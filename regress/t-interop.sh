#!/bin/bash
# Stock OpenSSH (Debian's) against ours, both ways.
. "$(dirname "$0")/lib.sh"

[ -x "$STOCK_SSH" ] && [ -x "$STOCK_SSHD" ] ||
    { echo "Debian's openssh-client and openssh-server are required" >&2; exit 1; }
# Debian's sshd insists on its privilege separation directory.
[ -d /run/sshd ] || { echo "/run/sshd missing: run as root once, or create it" >&2; exit 1; }

make_sim sim
start_sshd ours "$SSHD" "AttestationProvider sim:$T/sim"
start_sshd stock "$STOCK_SSHD"
write_ssh_config ours stock
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"

echo "stock ssh -> our attesting sshd"
"$STOCK_SSH" -o IgnoreUnknown=KnownAttestationsFile -F "$T/ssh_config" ours echo stock-client > "$T/s1.out" 2> "$T/s1.err" < /dev/null
expect_eq "exit 0" "$?" 0
expect_eq "output" "$(cat "$T/s1.out")" "stock-client"

echo "our ssh, AttestationRequired no -> stock sshd"
run_ssh s2 stock echo plain
expect_ran s2 "plain"

echo "our ssh, AttestationRequired yes -> stock sshd: refused promptly"
start=$(date +%s)
rm -f "$T/ran"
run_ssh s3 -o AttestationRequired=yes -o AttestationPolicy="$T/policy" \
    -o AttestationTimeout=20 stock touch "$T/ran"
elapsed=$(( $(date +%s) - start ))
expect_eq "exit 255" "$(rc_of s3)" 255
expect_grep "reason" "server does not offer attestation" "$T/s3.err"
[ "$elapsed" -lt 10 ] && ok "refused in ${elapsed}s, no hang" || fail "took ${elapsed}s"
[ -e "$T/ran" ] && fail "remote command ran" || ok "remote command did not run"

echo "UpdateHostKeys still works while attesting"
"$SSH_KEYGEN" -q -t ecdsa -N '' -f "$T/host_key2"
kill "$PID_ours"; wait "$PID_ours" 2>/dev/null
start_sshd ours2 "$SSHD" "AttestationProvider sim:$T/sim" "HostKey $T/host_key2"
write_ssh_config ours2
# A fresh known_hosts: OpenSSH won't update keys also known under other
# names, and accept-new of a first key disables updates, so learn it first.
KH="-o UserKnownHostsFile=$T/known_hosts_uhk"
run_ssh uhk0 $KH ours2 true
run_ssh uhk $KH -o AttestationRequired=yes -o AttestationPolicy="$T/policy" \
    -o UpdateHostKeys=yes -o LogLevel=DEBUG3 ours2 true
expect_eq "exit 0" "$(rc_of uhk)" 0
expect_grep "second host key learned" "ecdsa-sha2-nistp256" "$T/known_hosts_uhk"
finish
