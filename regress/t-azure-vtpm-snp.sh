#!/bin/bash
# AttestationProvider azure-vtpm on an Azure SEV-SNP CVM, with test doubles
# for the hardware only: swtpm is the vTPM, regress/azure/paravisor.py
# --snpreport-cmd rebuilds the HCL report with a report of the software
# SNP (ssh-attest sim-snpreport) when the binding is written, and
# tools/imds-emulator --snp serves that SNP's VCEK and chain as IMDS's
# THIM endpoint.  The provider's code (ESAPI, HCL parsing, THIM client) is
# the real one.  Covered: azure-snp-report verified with its runtime JSON,
# the vTPM quote trusted through the SNP report (tpm-quote, ak azure-snp),
# the SNP appraisal, hclcache (one HCL report and THIM answer for several
# connections, snp-certs cached), and refusals when THIM is missing or the
# client only accepts plain snp-report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/azure/lib.sh"
IMDS="$top/build/lib/imds-emulator"
[ -x "$IMDS" ] || { echo "missing $IMDS: run make first" >&2; exit 1; }
command -v swtpm > /dev/null || { echo "swtpm not installed (scripts/install-deps.sh)" >&2; exit 1; }
meas=$(printf '%096d' 5)
"$SSH_ATTEST" sim-init --snp "$T/snp" --measurement "$meas" > "$T/anchor" ||
    { echo "sim-init --snp failed" >&2; exit 1; }

start_vtpm --snpreport-cmd "$SSH_ATTEST sim-snpreport $T/snp --report-data"
start_server thim http "$IMDS" --snp "$T/snp"
THIM=$URL_thim/metadata/THIM/amd/certification

vtpm() { # THIM-URL: the provider spec
	echo "azure-vtpm;tcti=swtpm:host=127.0.0.1,port=$PV;thim=$1;lock=$T/vtpm.lock"
}
start_sshd snp "$SSHD" "AttestationProvider $(vtpm "$THIM")"
start_sshd cached "$SSHD" "AttestationProvider $(vtpm "$THIM");hclcache=600;cachedir=$T/hclcache"
start_sshd nothim "$SSHD" "AttestationProvider $(vtpm http://127.0.0.1:1/metadata/THIM/amd/certification)"
write_ssh_config snp cached nothim

{ cat "$T/anchor"; echo "AcceptEvidence azure-snp-report"; echo "SnpMeasurement $meas"; } > "$T/p-report"
{ cat "$T/anchor"; echo "AcceptEvidence tpm-quote"; echo "SnpMeasurement $meas"; } > "$T/p-quote"
{ cat "$T/anchor"; echo "AcceptEvidence azure-snp-report,tpm-quote";
  echo "RequireEvidence azure-snp-report,tpm-quote"; } > "$T/p-both"
{ cat "$T/anchor"; echo "AcceptEvidence azure-snp-report";
  printf 'SnpMeasurement %096d\n' 6; } > "$T/p-wrong"
{ cat "$T/anchor"; echo "AcceptEvidence snp-report"; } > "$T/p-plain"
A() { echo "-o AttestationRequired=yes -o AttestationPolicy=$T/p-$1"; }

echo "azure-snp-report (the HCL report's SNP report + runtime JSON + THIM certificates)"
expect_verified r report snp "verified: azure-snp-report verified: Milan VCEK"
expect_grep "paravisor saw the binding" "wrote HCL report #[1-9]" "$T/paravisor.log"

echo "the vTPM quote, its AK trusted through the SNP report"
expect_verified q quote snp "tpm-quote verified: ak=azure-snp"

echo "hclcache: three connections, one HCL report (and one THIM answer)"
expect_hclcache azure-snp quote

echo "both required, both present"
run_ssh b $(A both) snp echo both
expect_eq "exit 0" "$(rc_of b)" 0
vtpm_refused wrong-measurement snp wrong "snp policy: MEASUREMENT"
vtpm_refused not-plain-snp-report snp plain "none of an accepted type"
vtpm_refused cached-no-report cached report "none of an accepted type"
vtpm_refused no-thim nothim report "server could not produce evidence"
expect_grep "no-thim: provider said why" "IMDS http://127.0.0.1:1/metadata/THIM" "$T/sshd_nothim.log"

echo "sshd keeps serving after the refusals"
run_ssh again $(A report) snp echo again
expect_eq "exit 0" "$(rc_of again)" 0
finish
