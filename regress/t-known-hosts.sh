#!/bin/bash
# With AttestationRequired, a server that fails attestation changes nothing
# in known_hosts: not by StrictHostKeyChecking accept-new, not by
# UpdateHostKeys (hostkeys-00@openssh.com is
# processed while attestation runs).  Otherwise a rogue server met first
# pins its key and the attested server that follows is refused as a
# changed host key.  An attested server's keys are recorded, after the
# verdict, exactly as without attestation.
. "$(dirname "$0")/lib.sh"

make_sim sim
make_sim simdebug --debug
"$SSH_KEYGEN" -q -t ecdsa -N '' -f "$T/ecdsa_key" -C good-ecdsa
"$SSH_KEYGEN" -q -t ecdsa -N '' -f "$T/rogue_key" -C rogue-ecdsa
"$SSH_KEYGEN" -q -t rsa -b 2048 -N '' -f "$T/stale_key" -C stale
# good: attests.  rogue: another TD (refused: untrusted root) presenting only
# its own ECDSA key.  upd: a debug TD whose verdict depends on the policy,
# offering two host keys for UpdateHostKeys.
start_sshd good "$SSHD" "AttestationProvider sim:$T/sim" "HostKey $T/ecdsa_key"
start_sshd rogue "$SSHD" "AttestationProvider sim:$T/simdebug" \
    "HostKey $T/rogue_key" "HostKeyAlgorithms ecdsa-sha2-nistp256"
start_sshd upd "$SSHD" "AttestationProvider sim:$T/simdebug" "HostKey $T/ecdsa_key"
write_ssh_config good rogue upd

echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
echo "TrustAnchor tdx $T/simdebug/root.pem" > "$T/policy-nodebug"
{ echo "TrustAnchor tdx $T/simdebug/root.pem"; echo "AllowDebug yes"; } > "$T/policy-debug-ok"
KH="$T/kh"
# Both servers as one name, as a DNS or routing attacker would arrange.
# (CheckHostIP's address entries go through the same hook, but ssh turns
# CheckHostIP off for loopback, so they are not exercised here.)
ALIAS="-o HostKeyAlias=target -o UserKnownHostsFile=$KH"
A="-o AttestationRequired=yes -o StrictHostKeyChecking=accept-new"

refused_unchanged() { # NAME WHAT: ssh exited 255 and $KH is as before
	expect_eq "$1: refused" "$(rc_of "$1")" 255
	expect_grep "$1: reason" "Attestation of .* failed: " "$T/$1.err"
	if [ -e "$KH.before" ]; then
		cmp -s "$KH.before" "$KH" && ok "$1: $2 byte-identical" ||
		    fail "$1: $2 changed: $(diff "$KH.before" "$KH" | head -5)"
	else
		[ -e "$KH" ] && fail "$1: $2 created: $(cat "$KH")" ||
		    ok "$1: $2 still absent"
	fi
}

echo "accept-new: a refused first contact records nothing"
rm -f "$KH" "$KH.before"
run_ssh first-absent $A $ALIAS -o AttestationPolicy="$T/policy" rogue true
refused_unchanged first-absent "absent known_hosts"
echo "unrelated.example ssh-ed25519 $(cut -d' ' -f2 "$T/id.pub")" > "$KH"
cp "$KH" "$KH.before"
run_ssh first-present $A $ALIAS -o AttestationPolicy="$T/policy" rogue true
refused_unchanged first-present "existing known_hosts"
run_ssh first-hashed $A $ALIAS -o HashKnownHosts=yes \
    -o AttestationPolicy="$T/policy" rogue true
refused_unchanged first-hashed "known_hosts (HashKnownHosts)"

echo "the attested server that follows is accepted, then recorded"
run_ssh genuine $A $ALIAS -o AttestationPolicy="$T/policy" good echo attested
expect_eq "genuine: accepted" "$(rc_of genuine):$(cat "$T/genuine.out")" "0:attested"
"$SSH_KEYGEN" -F target -f "$KH" > "$T/genuine.found" 2>&1
if grep -qF "$(cut -d' ' -f2 "$T/host_key.pub")" "$T/genuine.found" ||
    grep -qF "$(cut -d' ' -f2 "$T/ecdsa_key.pub")" "$T/genuine.found"; then
	ok "genuine: its key recorded for the name"
else
	fail "genuine: key not recorded: $(cat "$T/genuine.found")"
fi
grep -qF "$(cut -d' ' -f2 "$T/rogue_key.pub")" "$KH" &&
    fail "genuine: the rogue key is in known_hosts" || ok "genuine: no rogue key"
grep -q "^unrelated.example " "$KH" && ok "genuine: other entries kept" ||
    fail "genuine: unrelated entry lost"
run_ssh again $A $ALIAS -o StrictHostKeyChecking=yes \
    -o AttestationPolicy="$T/policy" good echo again
expect_eq "again: the recorded key is accepted strictly" \
    "$(rc_of again):$(cat "$T/again.out")" "0:again"

echo "UpdateHostKeys"
# known_hosts knows upd's Ed25519 key and a stale RSA key it no longer
# offers; upd offers Ed25519 and ECDSA.  Accepted: ECDSA added, RSA
# removed.  Refused: nothing.
KU="$T/kh-upd"
seed_upd() {
	{
		echo "[127.0.0.1]:$PORT_upd $(cut -d' ' -f1,2 "$T/host_key.pub")"
		echo "[127.0.0.1]:$PORT_upd $(cut -d' ' -f1,2 "$T/stale_key.pub")"
	} > "$KU"
	cp "$KU" "$KU.before"
}
U="-o AttestationRequired=yes -o UpdateHostKeys=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$KU -o LogLevel=DEBUG3"
seed_upd
run_ssh upd-refused $U -o AttestationPolicy="$T/policy-nodebug" upd true
expect_eq "upd-refused: refused" "$(rc_of upd-refused)" 255
expect_grep "upd-refused: the server's hostkeys were processed" \
    "client_input_hostkeys: .* server keys" "$T/upd-refused.err"
cmp -s "$KU.before" "$KU" && ok "upd-refused: known_hosts byte-identical" ||
    fail "upd-refused: known_hosts changed: $(diff "$KU.before" "$KU" | head -5)"

seed_upd
run_ssh upd-ok $U -o AttestationPolicy="$T/policy-debug-ok" upd \
    'sleep 1; echo updated'
expect_eq "upd-ok: accepted" "$(rc_of upd-ok):$(cat "$T/upd-ok.out")" "0:updated"
grep -qF "$(cut -d' ' -f2 "$T/ecdsa_key.pub")" "$KU" &&
    ok "upd-ok: new ECDSA key added" || fail "upd-ok: ECDSA key not added: $(cat "$KU")"
grep -qF "$(cut -d' ' -f2 "$T/stale_key.pub")" "$KU" &&
    fail "upd-ok: stale RSA key kept" || ok "upd-ok: stale RSA key removed"
grep -qF "$(cut -d' ' -f2 "$T/host_key.pub")" "$KU" &&
    ok "upd-ok: Ed25519 key kept" || fail "upd-ok: Ed25519 key lost"

echo "StrictHostKeyChecking ask, answered yes, with UpdateHostKeys"
# The user's yes makes the key trusted, so UpdateHostKeys stays on and
# the server's other keys are proven during the attestation window.
# Refused: nothing, though the user said yes.  Accepted with no
# known_hosts yet: what ssh without attestation records, the key
# confirmed and (UpdateHostKeys) the server's other key.
printf '#!/bin/sh\necho "$1" >> "%s"\necho yes\n' "$T/askpass.log" > "$T/askpass-yes"
chmod 755 "$T/askpass-yes"
KA="$T/kh-ask"
Q="-o AttestationRequired=yes -o StrictHostKeyChecking=ask -o BatchMode=no -o UpdateHostKeys=yes -o UserKnownHostsFile=$KA -o LogLevel=DEBUG3"
rm -f "$KA"
SSH_ASKPASS="$T/askpass-yes" SSH_ASKPASS_REQUIRE=force \
    run_ssh ask-refused $Q -o AttestationPolicy="$T/policy-nodebug" upd true
expect_eq "ask-refused: refused" "$(rc_of ask-refused)" 255
expect_grep "ask-refused: the user was asked" "continue connecting" "$T/askpass.log"
[ -e "$KA" ] && fail "ask-refused: known_hosts created: $(cat "$KA")" ||
    ok "ask-refused: known_hosts still absent"
rm -f "$KA"
SSH_ASKPASS="$T/askpass-yes" SSH_ASKPASS_REQUIRE=force \
    run_ssh ask-ok $Q -o AttestationPolicy="$T/policy-debug-ok" upd 'sleep 1; echo asked'
expect_eq "ask-ok: accepted" "$(rc_of ask-ok):$(cat "$T/ask-ok.out")" "0:asked"
grep -qF "$(cut -d' ' -f2 "$T/host_key.pub")" "$KA" 2>/dev/null &&
    ok "ask-ok: confirmed Ed25519 key recorded" ||
    fail "ask-ok: Ed25519 key not recorded: $(cat "$KA" 2>&1)"
grep -qF "$(cut -d' ' -f2 "$T/ecdsa_key.pub")" "$KA" 2>/dev/null &&
    ok "ask-ok: the server's ECDSA key added by UpdateHostKeys" ||
    fail "ask-ok: ECDSA key not added (UpdateHostKeys skipped a known_hosts still held back?): $(grep -i 'does not exist\|hostfile\|known hosts' "$T/ask-ok.err" | tail -3)"
expect_eq "ask-ok: each key recorded once" "$(grep -c . "$KA" 2>/dev/null)" 2

finish
