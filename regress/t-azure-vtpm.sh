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
EMU="$top/build/lib/maa-emulator"
IMDS="$top/build/lib/imds-emulator"
for b in "$EMU" "$IMDS"; do
	[ -x "$b" ] || { echo "missing $b: run make first" >&2; exit 1; }
done
command -v swtpm > /dev/null || { echo "swtpm not installed (scripts/install-deps.sh)" >&2; exit 1; }
make_sim sim

# Four consecutive free ports: swtpm P (+1 ctrl), paravisor P+2 (+1 ctrl).
base=$(/usr/bin/python3 "$top/regress/azure/free_ports.py" 4)
[ -n "$base" ] || { echo "no free ports" >&2; exit 1; }
SW=$base
PV=$((base + 2))
mkdir "$T/tpm"
swtpm socket --tpm2 --server type=tcp,port=$SW --ctrl type=tcp,port=$((SW + 1)) \
    --tpmstate dir="$T/tpm" --flags not-need-init,startup-clear \
    --log file="$T/swtpm.log" > /dev/null 2>&1 &
PIDS="$PIDS $!"
/usr/bin/python3 "$top/regress/azure/paravisor.py" --swtpm-port $SW --listen $PV \
    --tdreport-cmd "$SSH_ATTEST sim-tdreport $T/sim --report-data" \
    --ready-file "$T/paravisor.ready" --log "$T/paravisor.log" 2> "$T/paravisor.err" &
PIDS="$PIDS $!"
wait_file "$T/paravisor.ready" 30 ||
    { echo "paravisor did not start: $(cat "$T/paravisor.err")" >&2; exit 1; }

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
run_ssh q $(A quote) -o LogLevel=VERBOSE direct echo via-vtpm
expect_ran q "via-vtpm"
expect_grep "verified as azure-tdx-quote" "verified: azure-tdx-quote verified" "$T/q.err"
expect_grep "paravisor saw the binding" "wrote HCL report #[1-9]" "$T/paravisor.log"

echo "vTPM quote, HCLAkPub vouched for by the TD quote (fresh report)"
run_ssh v $(A tpm) -o LogLevel=VERBOSE direct echo via-tpm
expect_ran v "via-tpm"
expect_grep "verified as tpm-quote" "tpm-quote verified: ak=azure-tdx" "$T/v.err"

echo "hclcache: three connections, one HCL report"
reports() { grep -c "wrote HCL report #" "$T/paravisor.log"; }
r0=$(reports)
for i in 1 2 3; do
	run_ssh c$i $(A tpm) -o LogLevel=VERBOSE cached echo cached$i
	expect_ran c$i "cached$i"
	expect_grep "c$i: verified as tpm-quote" "tpm-quote verified: ak=azure-tdx" "$T/c$i.err"
done
expect_eq "one report for three connections" "$(reports)" $((r0 + 1))

echo "token path (AttestationService)"
run_ssh t $(A token) -o LogLevel=VERBOSE token echo via-token
expect_ran t "via-token"
expect_grep "verified as maa-token" "verified: maa-token verified" "$T/t.err"

echo "token and raw quote both required, both present"
run_ssh b $(A both) -o LogLevel=VERBOSE token echo both
expect_eq "exit 0" "$(rc_of b)" 0
expect_grep "both verified" "maa-token verified.*azure-tdx-quote verified\|azure-tdx-quote verified.*maa-token verified" "$T/b.err"

# refused NAME HOST POLICY PATTERN: exit 255, one line naming PATTERN,
# command not run, sshd still alive.
refused() {
	local n=$1 host=$2 pol=$3 pat=$4
	echo "$n"
	rm -f "$T/ran"
	run_ssh "$n" $(A "$pol") "$host" touch "$T/ran"
	expect_eq "$n: exit 255" "$(rc_of "$n")" 255
	expect_grep "$n: reason" "$pat" "$T/$n.err"
	expect_eq "$n: one line" "$(wc -l < "$T/$n.err")" 1
	[ -e "$T/ran" ] && fail "$n: command ran" || ok "$n: command did not run"
	sshd_alive "$host" && ok "$n: sshd alive" || fail "$n: sshd died"
}
refused need-token direct both "policy requires maa-token"
refused token-only-direct direct token "none of an accepted type"
refused other-report other quote "server could not produce evidence"
expect_grep "other-report: provider said why" "IMDS quote is not for the TD report sent" "$T/sshd_other.log"
refused imds-500 s500 quote "server could not produce evidence"
expect_grep "imds-500: provider said why" "HTTP status 500" "$T/sshd_s500.log"
refused imds-garbage garbage quote "server could not produce evidence"
expect_grep "imds-garbage: provider said why" "IMDS quote: tdx quote" "$T/sshd_garbage.log"
# The cached report's user-data names an earlier session: a client that
# verifies azure-tdx-quote on its own gets no runtime data and refuses.
refused cached-needs-tpm-quote cached quote "no azure-runtime-data item"
refused stale-report noparavisor quote "server could not produce evidence"
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
