#!/bin/bash
# Azure Attestation tokens end to end: sshd's provider sim-azure asks our
# MAA emulator (tools/maa-emulator: real HTTPS on loopback, own test CA)
# for a token; ssh verifies it with keys fetched from {Issuer}/certs over
# TLS.  Each misbehaviour of the service is refused with a one-line reason,
# before any command runs, and sshd keeps serving.
. "$(dirname "$0")/lib.sh"
make_sim sim
# The first start creates the CA and keys in $T/emu; the others reuse them.
start_maa_emu good
start_maa_emu expired --expired
start_maa_emu wrongkey --wrong-key
start_maa_emu wrongiss --wrong-iss
start_maa_emu noruntime --missing-claim x-ms-runtime
start_maa_emu debug --debug-true
start_maa_emu s500 --status 500
start_maa_emu slow --slow 6
CA="$T/emu/ca.pem"

# sshd NAME -> emulator NAME.  The slow one gives the service 2 s.
for n in good expired wrongkey wrongiss noruntime debug s500 slow; do
	eval "url=\$URL_$n"
	extra=""
	[ "$n" = slow ] && extra=";timeout=2"
	start_sshd "$n" "$SSHD" "AttestationProvider sim-azure:$T/sim;service=$url;ca=$CA$extra"
done
write_ssh_config good expired wrongkey wrongiss noruntime debug s500 slow

# policy NAME: tokens only, from emulator NAME, keys over TLS from /certs.
policy() {
	local url
	eval "url=\$URL_$1"
	printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' \
	    "$url" "$CA" "$T/keys" > "$T/policy_$1"
	echo "-o AttestationRequired=yes -o AttestationPolicy=$T/policy_$1"
}

echo "attested with an MAA token"
run_ssh ok $(policy good) -o LogLevel=VERBOSE good echo via-maa
expect_ran ok "via-maa"
expect_grep "verified as maa-token" "verified: maa-token verified" "$T/ok.err"
expect_grep "emulator issued the token" "token issued" "$T/good.log"

echo "issuer keys come from the on-disk cache on the next connections"
for i in 1 2; do
	run_ssh again$i $(policy good) good echo again
	expect_eq "connection $i: exit 0" "$(rc_of again$i)" 0
done
expect_eq "one /certs fetch for three connections" \
    "$(grep -c 'served /certs' "$T/good.log")" 1

# refused NAME PATTERN: exit 255, one line naming PATTERN, command not run.
refused() {
	local n=$1 pat=$2 t0 t1
	echo "$n"
	rm -f "$T/ran"
	t0=$(date +%s)
	run_ssh "$n" $(policy "$n") "$n" touch "$T/ran"
	t1=$(date +%s)
	expect_eq "$n: exit 255" "$(rc_of "$n")" 255
	expect_grep "$n: reason" "$pat" "$T/$n.err"
	expect_eq "$n: one line" "$(wc -l < "$T/$n.err")" 1
	[ -e "$T/ran" ] && fail "$n: command ran" || ok "$n: command did not run"
	[ $((t1 - t0)) -le 15 ] && ok "$n: bounded ($((t1 - t0)) s)" || fail "$n: took $((t1 - t0)) s"
}
refused expired "jwt exp: token expired"
refused wrongkey "jwt signature: RS256 signature .* does not verify"
refused wrongiss "jwt iss: 'https://attacker.example' is not a policy Issuer"
refused noruntime "missing 'x-ms-runtime'"
refused debug "debug TD"
# A failing service degrades (t-maa-outage.sh): no token, a reason instead.
refused s500 "received service-error"
refused slow "received service-error"
expect_grep "s500: sshd logs the status" "HTTP status 500" "$T/sshd_s500.log"
expect_grep "slow: sshd logs the timeout" "attestation service: .*timed out" "$T/sshd_slow.log"

echo "the raw Azure-shaped quote verified directly, no service trusted"
printf 'AcceptEvidence azure-tdx-quote\nTrustAnchor tdx %s\n' "$T/sim/root.pem" > "$T/policy_direct"
run_ssh direct -o AttestationRequired=yes -o AttestationPolicy="$T/policy_direct" \
    -o LogLevel=VERBOSE good echo direct
expect_eq "direct: exit 0" "$(rc_of direct)" 0
expect_grep "direct: verified as azure-tdx-quote" "verified: azure-tdx-quote verified" "$T/direct.err"

echo "a policy that does not trust the emulator's issuer"
printf 'AcceptEvidence maa-token\nIssuer https://attest.example.net\n' > "$T/policy_other"
rm -f "$T/ran"
run_ssh other -o AttestationRequired=yes -o AttestationPolicy="$T/policy_other" good touch "$T/ran"
expect_eq "other issuer: exit 255" "$(rc_of other)" 255
[ -e "$T/ran" ] && fail "other issuer: command ran" || ok "other issuer: command did not run"

echo "sshd keeps serving"
for n in good s500 slow; do sshd_alive "$n" && ok "$n sshd alive" || fail "$n sshd died"; done
run_ssh again $(policy good) good echo again
expect_eq "again: exit 0" "$(rc_of again)" 0
expect_eq "again: output" "$(cat "$T/again.out")" "again"
finish
