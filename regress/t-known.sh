#!/bin/bash
# Known attestations: with a policy that pins no measurement, the first
# verified connection records the server's measurements, a later change is
# refused with what changed and how to accept it, StrictAttestationChecking
# yes refuses unknown servers, a refused server is never recorded, and the
# file is keyed like known_hosts (HostKeyAlias, [host]:port, hashed).
# Needs the ra_known_client_check() call in ra_ssh_client.c's success path.
. "$(dirname "$0")/lib.sh"

make_sim sima
make_sim simb
start_sshd a "$SSHD" "AttestationProvider sim:$T/sima"
start_sshd b "$SSHD" "AttestationProvider sim:$T/simb"
write_ssh_config a b
KA="$T/known_attestations"	# write_ssh_config's KnownAttestationsFile

cat "$T/sima/root.pem" "$T/simb/root.pem" > "$T/roots.pem"
echo "TrustAnchor tdx $T/roots.pem" > "$T/policy"
echo "TrustAnchor tdx $T/sima/root.pem" > "$T/policy-a-only"
mrtd_b=$(sed -n 's/^mrtd //p' "$T/simb/td.conf")
{ echo "TrustAnchor tdx $T/roots.pem"; echo "MRTD $mrtd_b"; } > "$T/policy-pin-b"
A="-o AttestationRequired=yes -o AttestationPolicy=$T/policy"
ALIAS="-o HostKeyAlias=td.example"

echo "ssh -G"
"$SSH" -F "$T/ssh_config" -G a > "$T/g.out"
expect_grep "default accept-new" "^strictattestationchecking accept-new$" "$T/g.out"
expect_grep "file shown" "^knownattestationsfile $KA$" "$T/g.out"
"$SSH" -F "$T/ssh_config" -o StrictAttestationChecking=yes -G a > "$T/g2.out"
expect_grep "yes shown" "^strictattestationchecking yes$" "$T/g2.out"

echo "a refused server is not recorded"
run_ssh untrusted -o AttestationRequired=yes -o AttestationPolicy="$T/policy-a-only" $ALIAS b true
expect_eq "untrusted root refused" "$(rc_of untrusted)" 255
[ -e "$KA" ] && fail "file written for a refused server" || ok "no file"

echo "first use records, second use matches"
run_ssh first $A $ALIAS a true
expect_eq "first connection" "$(rc_of first)" 0
expect_eq "one record" "$(grep -c . "$KA")" 1
expect_grep "keyed by HostKeyAlias" "^td.example tdx anchor=[0-9a-f]\{64\} mrtd=" "$KA"
expect_eq "file mode" "$(stat -c %a "$KA")" 600
cp "$KA" "$T/ka.before"
run_ssh second $A $ALIAS a true
expect_eq "second connection" "$(rc_of second)" 0
cmp -s "$KA" "$T/ka.before" && ok "file unchanged" || fail "file changed on a match"

echo "changed measurements are refused"
rm -f "$T/ran"
run_ssh changed $A $ALIAS b touch "$T/ran"
expect_eq "exit 255" "$(rc_of changed)" 255
expect_grep "says what changed" "changed since recorded at $KA:1: anchor .* -> .*, mrtd " "$T/changed.err"
expect_grep "says how to accept" "ssh-attest known --remove td.example\` or delete line 1 of $KA" "$T/changed.err"
expect_eq "one line on stderr" "$(wc -l < "$T/changed.err")" 1
[ -e "$T/ran" ] && fail "remote command ran" || ok "remote command did not run"
cmp -s "$KA" "$T/ka.before" && ok "record kept" || fail "record changed by a refusal"

echo "StrictAttestationChecking no skips, a pinning policy is not compared"
run_ssh stricno $A $ALIAS -o StrictAttestationChecking=no b true
expect_eq "no: accepted" "$(rc_of stricno)" 0
run_ssh pinned -o AttestationRequired=yes -o AttestationPolicy="$T/policy-pin-b" $ALIAS b true
expect_eq "MRTD pinned: accepted" "$(rc_of pinned)" 0
cmp -s "$KA" "$T/ka.before" && ok "nothing recorded" || fail "recorded while not consulted"

echo "StrictAttestationChecking yes refuses an unknown server"
run_ssh strictyes $A -o HostKeyAlias=other.example -o StrictAttestationChecking=yes a true
expect_eq "unknown refused" "$(rc_of strictyes)" 255
expect_grep "reason" "no measurements recorded for other.example" "$T/strictyes.err"

echo "accepting the change: delete the record"
grep -v '^td.example ' "$KA" > "$KA.new"; chmod 600 "$KA.new"; mv "$KA.new" "$KA"
run_ssh accepted $A $ALIAS b true
expect_eq "re-recorded" "$(rc_of accepted)" 0
expect_grep "new record" "^td.example tdx anchor=.* mrtd=$mrtd_b " "$KA"

echo "keys as known_hosts: [host]:port, hashed"
port_a=$PORT_a
run_ssh byport $A a true
expect_eq "by port" "$(rc_of byport)" 0
expect_grep "[127.0.0.1]:port key" "^\[127.0.0.1\]:$port_a tdx " "$KA"
run_ssh hashed $A -o HashKnownHosts=yes -o HostKeyAlias=hashed.example a true
expect_eq "hashed" "$(rc_of hashed)" 0
expect_grep "hashed record" "^|1|[^ |]*|[^ ]* tdx " "$KA"
grep -q hashed.example "$KA" && fail "name in clear" || ok "name not in clear"
run_ssh hashed2 $A -o HostKeyAlias=hashed.example b true
expect_eq "hashed record compared" "$(rc_of hashed2)" 255

echo "a corrupt record of the host refuses with its line number"
cp "$KA" "$T/ka.good"
echo "td.example tdx mrtd=zz" >> "$KA"
n=$(grep -c '' "$KA")
run_ssh corrupt $A $ALIAS b true
expect_eq "corrupt refused" "$(rc_of corrupt)" 255
expect_grep "line number" "$KA:$n: corrupt record for td.example" "$T/corrupt.err"
cp "$T/ka.good" "$KA"

echo "an unsafe file refuses"
chmod 666 "$KA"
run_ssh unsafe $A $ALIAS b true
expect_eq "group/other-writable refused" "$(rc_of unsafe)" 255
expect_grep "reason" "writable by group or others" "$T/unsafe.err"
chmod 600 "$KA"
ln -s "$KA" "$T/ka-link"
run_ssh symlink $A $ALIAS -o KnownAttestationsFile="$T/ka-link" b true
expect_eq "symlink refused" "$(rc_of symlink)" 255

echo "same anchor, new measurements (sim-init again): refused, owner pin not TOFU"
run_ssh upd1 $A -o HostKeyAlias=upd.example a true
expect_eq "recorded before the update" "$(rc_of upd1)" 0
root_before=$(cat "$T/sima/root.pem")
owner=$(printf '5%.0s' $(seq 96))
make_sim sima --mrowner "$owner"
expect_eq "root kept" "$(cat "$T/sima/root.pem")" "$root_before"
run_ssh upd2 $A -o HostKeyAlias=upd.example a true
expect_eq "updated server refused" "$(rc_of upd2)" 255
expect_grep "mrtd, rtmrs and mrowner changed" "mrtd [0-9a-f.]* -> .*rtmr2 .* and 1 more" "$T/upd2.err"
grep -q "anchor [0-9a-f.]* ->" "$T/upd2.err" && fail "anchor reported changed" ||
    ok "anchor unchanged"
{ echo "TrustAnchor tdx $T/roots.pem"; echo "MrOwner $owner"; } > "$T/policy-owner"
run_ssh ownerpin -o AttestationRequired=yes -o AttestationPolicy="$T/policy-owner" \
    -o HostKeyAlias=upd.example a true
expect_eq "MrOwner pinned: not compared, accepted" "$(rc_of ownerpin)" 0
{ echo "TrustAnchor tdx $T/roots.pem"; echo "MrOwner $(printf '6%.0s' $(seq 96))"; } \
    > "$T/policy-owner-other"
run_ssh ownerother -o AttestationRequired=yes -o AttestationPolicy="$T/policy-owner-other" \
    -o HostKeyAlias=upd.example a true
expect_eq "other MrOwner refused" "$(rc_of ownerother)" 255
expect_grep "names MROWNER" "MROWNER $owner not in policy" "$T/ownerother.err"

finish
