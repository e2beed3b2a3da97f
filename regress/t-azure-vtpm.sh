#!/bin/bash
# AttestationProvider azure-vtpm end to end, as on an Azure TDX CVM but with
# test doubles for the hardware only: swtpm is the vTPM, a fake paravisor
# (regress/azure/paravisor.py) rebuilds the HCL report in NV 0x01400001
# when the binding is written to NV 0x01400002, with a TD report from the
# sim, and tools/imds-emulator quotes it as IMDS /acc/tdquote would.  The
# provider's code (ESAPI, HCL parsing, IMDS client, MAA client) is the real
# one.  Covered: direct quote verification, the token path through the MAA
# emulator (AttestationService), a policy requiring both, the vTPM quote
# (tpm-quote, AK HCLAkPub), hclcache (one HCL report for several
# connections, each with its own vTPM quote), and refusals when IMDS or the
# vTPM misbehave.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/azure/lib.sh"
EMU="$top/build/lib/maa-emulator"
IMDS="$top/build/lib/imds-emulator"
for b in "$EMU" "$IMDS"; do
	[ -x "$b" ] || { echo "missing $b: run make first" >&2; exit 1; }
done
command -v swtpm > /dev/null || { echo "swtpm not installed (scripts/install-deps.sh)" >&2; exit 1; }
make_sim sim

start_vtpm --tdreport-cmd "$SSH_ATTEST sim-tdreport $T/sim --report-data"

# start_imds NAME [options]: sets IMDS_<NAME> to its URL.
start_imds() {
	local name=$1; shift
	start_server "imds_$name" http "$IMDS" --sim "$T/sim" "$@"
	eval "IMDS_$name=\$URL_imds_$name/acc/tdquote"
}
start_imds good
start_imds other --other-report
start_imds s500 --status 500
start_imds garbage --garbage
start_maa_emu emu
MAA=$URL_emu
CA="$T/emu/ca.pem"

vtpm() { # IMDS-NAME [TPM-PORT]: the provider spec
	local url
	eval "url=\$IMDS_$1"
	echo "azure-vtpm;tcti=swtpm:host=127.0.0.1,port=${2:-$PV};imds=$url;lock=$T/vtpm.lock"
}
start_sshd direct "$SSHD" "AttestationProvider $(vtpm good)"
start_sshd token "$SSHD" "AttestationProvider $(vtpm good)" \
    "AttestationService $MAA" "AttestationServiceCA $CA"
start_sshd other "$SSHD" "AttestationProvider $(vtpm other)"
start_sshd s500 "$SSHD" "AttestationProvider $(vtpm s500)"
start_sshd garbage "$SSHD" "AttestationProvider $(vtpm garbage)"
# Straight to swtpm: no paravisor rebuilds the report, so it is stale.
start_sshd noparavisor "$SSHD" "AttestationProvider $(vtpm good $SW)"
# The HCL report read once and kept (hclcache): one vTPM quote per connection.
start_sshd cached "$SSHD" "AttestationProvider $(vtpm good);hclcache=600;cachedir=$T/hclcache"
write_ssh_config direct token other s500 garbage noparavisor cached

printf 'TrustAnchor tdx %s\nAcceptEvidence azure-tdx-quote\n' "$T/sim/root.pem" > "$T/p-quote"
printf 'TrustAnchor tdx %s\nAcceptEvidence tpm-quote\n' "$T/sim/root.pem" > "$T/p-tpm"
printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' "$MAA" "$CA" "$T/keys" > "$T/p-token"
printf 'TrustAnchor tdx %s\nAcceptEvidence maa-token,azure-tdx-quote\nRequireEvidence maa-token,azure-tdx-quote\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' \
    "$T/sim/root.pem" "$MAA" "$CA" "$T/keys" > "$T/p-both"
A() { echo "-o AttestationRequired=yes -o AttestationPolicy=$T/p-$1"; }

echo "direct quote verification (vTPM + IMDS, no service)"
expect_verified q quote direct "verified: azure-tdx-quote verified"
expect_grep "paravisor saw the binding" "wrote HCL report #[1-9]" "$T/paravisor.log"

echo "vTPM quote, HCLAkPub vouched for by the TD quote (fresh report)"
expect_verified v tpm direct "tpm-quote verified: ak=azure-tdx"

echo "hclcache: three connections, one HCL report"
expect_hclcache azure-tdx tpm

echo "token path (AttestationService)"
expect_verified t token token "verified: maa-token verified"

echo "token and raw quote both required, both present"
run_ssh b $(A both) -o LogLevel=VERBOSE token echo both
expect_eq "exit 0" "$(rc_of b)" 0
expect_grep "both verified" "maa-token verified.*azure-tdx-quote verified\|azure-tdx-quote verified.*maa-token verified" "$T/b.err"
vtpm_refused need-token direct both "policy requires maa-token"
vtpm_refused token-only-direct direct token "none of an accepted type"
vtpm_refused other-report other quote "server could not produce evidence"
expect_grep "other-report: provider said why" "IMDS quote is not for the TD report sent" "$T/sshd_other.log"
vtpm_refused imds-500 s500 quote "server could not produce evidence"
expect_grep "imds-500: provider said why" "HTTP status 500" "$T/sshd_s500.log"
vtpm_refused imds-garbage garbage quote "server could not produce evidence"
expect_grep "imds-garbage: provider said why" "IMDS quote: tdx quote" "$T/sshd_garbage.log"
# The cached report's user-data names an earlier session: a client that
# verifies azure-tdx-quote on its own gets no runtime data and refuses.
vtpm_refused cached-needs-tpm-quote cached quote "no azure-runtime-data item"
vtpm_refused stale-report noparavisor quote "server could not produce evidence"
expect_grep "stale-report: provider said why" "does not carry the user data just written" \
    "$T/sshd_noparavisor.log"

echo "sshd keeps serving after the refusals"
run_ssh again $(A quote) direct echo again
expect_eq "exit 0" "$(rc_of again)" 0

echo "configuration errors stop sshd -t"
# cfg_fails NAME PATTERN LINES...: sshd -t exits non-zero naming PATTERN.
cfg_fails() {
	local n=$1 pat=$2; shift 2
	{ echo "HostKey $T/host_key"; for l in "$@"; do echo "$l"; done; } > "$T/cfg_$n"
	if "$SSHD" -t -f "$T/cfg_$n" > "$T/cfg_$n.out" 2>&1; then
		fail "$n: sshd -t accepted it"
	else
		expect_grep "$n: reason" "$pat" "$T/cfg_$n.out"
	fi
}
cfg_fails service-no-provider "AttestationService without AttestationProvider" \
    "AttestationService $MAA"
cfg_fails service-sim "AttestationService needs the azure-vtpm or trustauthority-cli" \
    "AttestationProvider sim:$T/sim" "AttestationService $MAA"
cfg_fails service-http "must be none or an https URL" \
    "AttestationProvider $(vtpm good)" "AttestationService http://127.0.0.1:1"
cfg_fails ca-no-service "AttestationServiceCA without AttestationService" \
    "AttestationProvider $(vtpm good)" "AttestationServiceCA $CA"
cfg_fails no-tpm "TPM connection" \
    "AttestationProvider azure-vtpm;tcti=swtpm:host=127.0.0.1,port=1"
cfg_fails hclcache-service "hclcache with a service" \
    "AttestationProvider $(vtpm good);hclcache=60" "AttestationService $MAA" "AttestationServiceCA $CA"
cfg_fails imds-elsewhere "imds 'http://10.1.2.3/acc/tdquote'" \
    "AttestationProvider azure-vtpm;imds=http://10.1.2.3/acc/tdquote"
"$SSHD" -T -f "$T/sshd_token.config" > "$T/dump" 2>&1
expect_grep "sshd -T shows AttestationService" "^attestationservice $MAA" "$T/dump"
expect_grep "sshd -T shows AttestationServiceCA" "^attestationserviceca $CA" "$T/dump"
finish
