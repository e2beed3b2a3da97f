#!/bin/bash
# Degrade, do not lock out: when the attestation service fails (HTTP 500,
# or too slow), sshd still sends the raw evidence (azure-tdx-quote and
# azure-runtime-data) with the service's error as a "service-error" item.
# A client that verifies the quote itself proceeds; one that requires the
# token is refused before any command runs.  sshd logs the outage once per
# interval, not once per connection, and one INFO line per attestation.
. "$(dirname "$0")/lib.sh"
make_sim sim
start_maa_emu s500 --status 500
start_maa_emu slow --slow 6
CA="$T/emu/ca.pem"
start_sshd s500 "$SSHD" "AttestationProvider sim-azure:$T/sim;service=$URL_s500;ca=$CA"
start_sshd slow "$SSHD" "AttestationProvider sim-azure:$T/sim;service=$URL_slow;ca=$CA;timeout=2"
write_ssh_config s500 slow

printf 'AcceptEvidence azure-tdx-quote\nTrustAnchor tdx %s\n' "$T/sim/root.pem" > "$T/policy_raw"
printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' \
    "$URL_s500" "$CA" "$T/keys" > "$T/policy_token"
RAW="-o AttestationRequired=yes -o AttestationPolicy=$T/policy_raw"
TOKEN="-o AttestationRequired=yes -o AttestationPolicy=$T/policy_token"
outage_lines() { grep -c "^ra-ssh: AttestationProvider .*sending the evidence without a token" "$T/sshd_$1.log"; }

for n in s500 slow; do
	echo "$n: a client that verifies the quote itself proceeds"
	for i in 1 2 3; do
		run_ssh "$n-raw$i" $RAW -o LogLevel=DEBUG "$n" echo attested
		expect_eq "$n connection $i: exit 0" "$(rc_of "$n-raw$i")" 0
		expect_eq "$n connection $i: output" "$(cat "$T/$n-raw$i.out")" attested
	done
	expect_grep "$n: verified as azure-tdx-quote" "verified: azure-tdx-quote" "$T/$n-raw1.err"
	expect_grep "$n: the service's reason reached the client" \
	    "ra-ssh: server reports service-error: attestation service" "$T/$n-raw1.err"
	expect_eq "$n: outage logged once for three connections" "$(outage_lines "$n")" 1
	expect_eq "$n: one attestation line per connection" \
	    "$(tr -d '\r' < "$T/sshd_$n.log" | grep -c "^ra-ssh: attestation for user $ME: sent azure-tdx-quote,azure-runtime-data,service-error\$")" 3
done
expect_grep "s500: the logged reason is the service's" "HTTP status 500" "$T/sshd_s500.log"
expect_grep "slow: the logged reason is the timeout" "attestation service: .*timed out" "$T/sshd_slow.log"

echo "a client that requires the token is refused"
for n in s500 slow; do
	rm -f "$T/ran"
	run_ssh "$n-token" $TOKEN -o LogLevel=DEBUG "$n" touch "$T/ran"
	expect_eq "$n: exit 255" "$(rc_of "$n-token")" 255
	expect_grep "$n: refused" "Attestation of 127.0.0.1 failed" "$T/$n-token.err"
	expect_grep "$n: the reason was on the wire" "server reports service-error: attestation service" "$T/$n-token.err"
	expect_grep "$n: the refusal names the outage" "failed: evidence: .*the server's attestation service failed: attestation service" "$T/$n-token.err"
	[ -e "$T/ran" ] && fail "$n: command ran" || ok "$n: command did not run"
done
for n in s500 slow; do sshd_alive "$n" && ok "$n sshd alive" || fail "$n sshd died"; done
finish
