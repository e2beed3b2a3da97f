#!/bin/bash
# A local policy that cannot be used is this client's own problem: said
# once, naming AttestationPolicy (no "Attestation of HOST failed", no
# doubled "policy: policy:"), and, when the file is missing, unreadable
# or writable by others (group or world, or another user's), before any
# connection is opened.  ssh -G parses it
# and says what is wrong on stderr, still printing the configuration.
. "$(dirname "$0")/lib.sh"

make_sim sim
start_sshd good "$SSHD" "AttestationProvider sim:$T/sim"
write_ssh_config good
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
chmod 644 "$T/policy"
cp "$T/policy" "$T/policy-ww"; chmod 666 "$T/policy-ww"
cp "$T/policy" "$T/policy-gw"; chmod 664 "$T/policy-gw"
cp "$T/policy" "$T/policy-other"; chmod 644 "$T/policy-other"; chown 54321 "$T/policy-other"
mkdir "$T/policy-dir"
{ cat "$T/policy"; echo "NoSuchKeyword 1"; } > "$T/policy-bad"
A="-o AttestationRequired=yes"

conns() { grep -c "Connection from" "$T/sshd_good.log"; }

early() { # NAME POLICY PATTERN
	local before
	before=$(conns)
	expect_refused "$1" "$3" good $A -o AttestationPolicy="$2"
	grep -q "policy: policy\|Attestation of" "$T/$1.err" &&
	    fail "$1: reported as the server's failure: $(cat "$T/$1.err")" ||
	    ok "$1: reported as the client's own"
	expect_eq "$1: no connection opened" "$(conns)" "$before"
	"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$2" -G good > "$T/$1.Gout" 2> "$T/$1.G"
	expect_eq "$1: ssh -G still dumps" "$?" 0
	expect_grep "$1: ssh -G says why" "$3" "$T/$1.G"
	expect_grep "$1: ssh -G output" "^attestationpolicy $2" "$T/$1.Gout"
}
echo "refused before connecting"
early missing "$T/missing" "^AttestationPolicy: $T/missing: No such file or directory"
early ww "$T/policy-ww" \
    "^AttestationPolicy: bad owner or permissions on $T/policy-ww: writable by group or others"
early gw "$T/policy-gw" \
    "^AttestationPolicy: bad owner or permissions on $T/policy-gw: writable by group or others"
early other "$T/policy-other" \
    "^AttestationPolicy: bad owner or permissions on $T/policy-other: owned by uid 54321"
early dir "$T/policy-dir" "^AttestationPolicy: $T/policy-dir: not a regular file"

echo "a policy that does not parse: ssh -G says so"
"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy-bad" -G good > /dev/null 2> "$T/bad.G"
expect_eq "ssh -G still dumps" "$?" 0
expect_grep "ssh -G names the line" "^AttestationPolicy: .*policy-bad.*NoSuchKeyword" "$T/bad.G"
echo "and a connection stops before any command, naming the option"
expect_refused bad "^AttestationPolicy: .*policy-bad.*NoSuchKeyword" good \
    $A -o AttestationPolicy="$T/policy-bad"
grep -q "policy: policy" "$T/bad.err" && fail "doubled prefix" || ok "no doubled prefix"

echo "a good policy, and no check when attestation is not required"
"$SSH" -F "$T/ssh_config" $A -o AttestationPolicy="$T/policy" -G good > /dev/null 2> "$T/good.G"
expect_eq "ssh -G: a good policy, nothing on stderr" "$(cat "$T/good.G")" ""
run_ssh good $A -o AttestationPolicy="$T/policy" good true
expect_eq "attested with it" "$(rc_of good)" 0
# read while sshd starts the session (before the banners are exchanged),
# not after authentication, where the server would wait for it
run_ssh early -v $A -o AttestationPolicy="$T/policy" good true
expect_eq "attested, policy read early" "$(rc_of early)" 0
pl=$(grep -n "ra-ssh: policy $T/policy loaded before login" "$T/early.err" | head -1 | cut -d: -f1)
rv=$(grep -n "Remote protocol version" "$T/early.err" | head -1 | cut -d: -f1)
[ -n "$pl" ] && [ -n "$rv" ] && [ "$pl" -lt "$rv" ] &&
    ok "policy loaded before the server's banner was read" ||
    fail "policy not loaded before login (line ${pl:-none}, banner ${rv:-none})"
run_ssh notreq -o AttestationPolicy="$T/missing" good true
expect_eq "AttestationRequired no: the policy is not read" "$(rc_of notreq)" 0
run_ssh mux $A -o AttestationPolicy="$T/missing" -o ControlPath="$T/nosock" -O check good
grep -q AttestationPolicy "$T/mux.err" && fail "ssh -O check reads the policy" ||
    ok "ssh -O check (attests nothing) does not read the policy"
expect_grep "ssh -O check reaches the control socket" "nosock" "$T/mux.err"
finish
