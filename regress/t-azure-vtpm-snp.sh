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
IMDS="$top/build/lib/imds-emulator"
[ -x "$IMDS" ] || { echo "missing $IMDS: run make first" >&2; exit 1; }
command -v swtpm > /dev/null || { echo "swtpm not installed (scripts/install-deps.sh)" >&2; exit 1; }
meas=$(printf '%096d' 5)
"$SSH_ATTEST" sim-init --snp "$T/snp" --measurement "$meas" > "$T/anchor" ||
    { echo "sim-init --snp failed" >&2; exit 1; }

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
    --snpreport-cmd "$SSH_ATTEST sim-snpreport $T/snp --report-data" \
    --ready-file "$T/paravisor.ready" --log "$T/paravisor.log" 2> "$T/paravisor.err" &
PIDS="$PIDS $!"
wait_file "$T/paravisor.ready" 30 ||
    { echo "paravisor did not start: $(cat "$T/paravisor.err")" >&2; exit 1; }
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
run_ssh r $(A report) -o LogLevel=VERBOSE snp echo via-snp
expect_ran r "via-snp"
expect_grep "verified as azure-snp-report" "verified: azure-snp-report verified: Milan VCEK" "$T/r.err"
expect_grep "paravisor saw the binding" "wrote HCL report #[1-9]" "$T/paravisor.log"

echo "the vTPM quote, its AK trusted through the SNP report"
run_ssh q $(A quote) -o LogLevel=VERBOSE snp echo via-quote
expect_ran q "via-quote"
expect_grep "AK from the SNP report" "tpm-quote verified: ak=azure-snp" "$T/q.err"

echo "hclcache: three connections, one HCL report (and one THIM answer)"
reports() { grep -c "wrote HCL report #" "$T/paravisor.log"; }
r0=$(reports)
for i in 1 2 3; do
	run_ssh c$i $(A quote) -o LogLevel=VERBOSE cached echo cached$i
	expect_ran c$i "cached$i"
	expect_grep "c$i: verified as tpm-quote" "tpm-quote verified: ak=azure-snp" "$T/c$i.err"
done
expect_eq "one report for three connections" "$(reports)" $((r0 + 1))

echo "both required, both present"
run_ssh b $(A both) snp echo both
expect_eq "exit 0" "$(rc_of b)" 0

refused() { # NAME HOST POLICY PATTERN
	local n=$1 host=$2 pol=$3 pat=$4
	echo "$n"
	rm -f "$T/ran"
	run_ssh "$n" $(A "$pol") "$host" touch "$T/ran"
	expect_eq "$n: exit 255" "$(rc_of "$n")" 255
	expect_grep "$n: reason" "$pat" "$T/$n.err"
	[ -e "$T/ran" ] && fail "$n: command ran" || ok "$n: command did not run"
	sshd_alive "$host" && ok "$n: sshd alive" || fail "$n: sshd died"
}
refused wrong-measurement snp wrong "snp policy: MEASUREMENT"
refused not-plain-snp-report snp plain "none of an accepted type"
refused cached-no-report cached report "none of an accepted type"
refused no-thim nothim report "server could not produce evidence"
expect_grep "no-thim: provider said why" "IMDS http://127.0.0.1:1/metadata/THIM" "$T/sshd_nothim.log"

echo "sshd keeps serving after the refusals"
run_ssh again $(A report) snp echo again
expect_eq "exit 0" "$(rc_of again)" 0
finish
