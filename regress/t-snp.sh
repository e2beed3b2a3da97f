#!/bin/bash
# AMD SEV-SNP end to end with the software SNP (sim-snp:DIR): the server's
# provider sends snp-report + snp-certs, the client verifies them against
# the sim's ARK (TrustAnchor snp) and the policy's SNP section.  Accepted
# with its policy; refused for a debug guest, a wrong SnpMeasurement and a
# TCB under SnpMinTcb, with the remote command never run.  A Turin sim's
# report through ssh-attest inspect and verify (8-byte CHIP_ID and hwID).
. "$(dirname "$0")/lib.sh"

make_snp() { # NAME [sim-init options]
	local name=$1; shift
	"$SSH_ATTEST" sim-init --snp "$T/$name" "$@" > "$T/$name.anchor" ||
	    { echo "sim-init --snp $name failed" >&2; exit 1; }
}

meas=$(printf '%096d' 7)
make_snp snp --measurement "$meas"
make_snp snpdebug --measurement "$meas" --debug
start_sshd good "$SSHD" "AttestationProvider sim-snp:$T/snp"
start_sshd debug "$SSHD" "AttestationProvider sim-snp:$T/snpdebug"
write_ssh_config good debug

expect_eq "sim-init prints the anchor line" "$(cat "$T/snp.anchor")" \
    "TrustAnchor snp $T/snp/ark.pem"
{ cat "$T/snp.anchor"; echo "AcceptEvidence snp-report"; echo "SnpMeasurement $meas";
  echo "SnpMinTcb bl=4,tee=0,snp=22,ucode=213"; } > "$T/policy"
{ cat "$T/snp.anchor"; printf 'SnpMeasurement %096d\n' 8; } > "$T/policy-wrong-meas"
{ cat "$T/snp.anchor"; echo "SnpMinTcb bl=4,tee=0,snp=23,ucode=213"; } > "$T/policy-tcb"
cat "$T/snpdebug.anchor" > "$T/policy-debug"
{ cat "$T/snpdebug.anchor"; echo "AllowDebug yes"; } > "$T/policy-debug-ok"

A="-o AttestationRequired=yes"

echo "attested connection (snp-report)"
run_ssh ok $A -o AttestationPolicy="$T/policy" -o LogLevel=VERBOSE good echo hello
expect_eq "exit status" "$(rc_of ok)" 0
expect_eq "stdout is the command's" "$(cat "$T/ok.out")" "hello"
expect_grep "claims reported at -v" "verified: snp-report verified: Milan VCEK" "$T/ok.err"

echo "the default accepted list includes snp-report"
{ cat "$T/snp.anchor"; } > "$T/policy-default"
run_ssh default $A -o AttestationPolicy="$T/policy-default" good true
expect_eq "accepted without AcceptEvidence" "$(rc_of default)" 0

echo "refusals"
refused wrong-measurement good "$T/policy-wrong-meas" "failed: snp policy: MEASUREMENT"
refused low-tcb good "$T/policy-tcb" "failed: snp policy: REPORTED_TCB .* below SnpMinTcb"
refused debug-guest debug "$T/policy-debug" "failed: snp policy: guest POLICY.DEBUG"
refused untrusted-root good "" "failed: snp"

echo "ssh-attest inspect reads the report at the spec's offsets"
make_snp snpturin --product turin
rd=$(printf '%0128d' 0)
"$SSH_ATTEST" quote --provider "sim-snp:$T/snpturin" --report-data "$rd" -o "$T/turin.json"
expect_eq "quote exit 0" "$?" 0
"$SSH_ATTEST" inspect "$T/turin.json" > "$T/turin.inspect"
expect_grep "CPUID family 1Ah" '"cpuid_fam_id": 26' "$T/turin.inspect"
expect_grep "Turin named" '"product": "Turin"' "$T/turin.inspect"
expect_grep "Turin TCB has its FMC" '"reported_tcb_parts": "bl=.*,fmc=' "$T/turin.inspect"
expect_grep "committed version" '"committed_version": "1.55.12"' "$T/turin.inspect"
expect_grep "Turin CHIP_ID is 8 bytes" '"chip_id": "[0-9a-f]\{16\}0\{112\}"' "$T/turin.inspect"
{ echo "TrustAnchor snp $T/snpturin/ark.pem"; } > "$T/policy-turin"
"$SSH_ATTEST" verify "$T/turin.json" --report-data "$rd" --policy "$T/policy-turin" \
    > "$T/turin.verify" 2>&1
expect_eq "the Turin sim verifies (8-byte hwID)" "$?" 0

echo "debug guest accepted only when the policy allows it"
run_ssh debugok $A -o AttestationPolicy="$T/policy-debug-ok" debug true
expect_eq "AllowDebug yes accepts" "$(rc_of debugok)" 0

finish
