#!/bin/bash
# bench/run.sh's TPM section (runnable alone): builds bench/tpm_bench.cpp
# against build/lib and prints its JSON on stdout: event-log and IMA
# replay on the client, and, when swtpm is installed, azure-vtpm's cost
# per connection in sshd's monitor with a fresh HCL report and with the
# cached one (hclcache), on the stand-ins regress/t-azure-vtpm.sh uses
# (swtpm as the vTPM, regress/azure/paravisor.py, tools/imds-emulator, the
# sim's TD reports), plus the client's ra_verify of the cached-path items,
# and ssh connections to an sshd with azure-vtpm;hclcache against a plain
# one (median ratio, sshd CPU per connection).
#
#   bench/tpm_bench.sh WORKDIR SECONDS
# WORKDIR: an existing scratch directory (everything goes under WORKDIR/tpm);
# every process started here is stopped on exit.
# shellcheck disable=SC2154  # PORT_* and PID_* are set by start_sshd (eval)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=$1/tpm
SECONDS_EACH=$2
SSH_ATTEST="$top/build/lib/ssh-attest"
IMDS="$top/build/lib/imds-emulator"
rm -rf "$W"
mkdir -p "$W"
PIDS=""
stop() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap stop EXIT
say() { printf '[tpm_bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# shellcheck disable=SC2046  # the link line is words
c++ -O2 -std=c++17 -I"$top/lib/include" -I"$top/lib/src" "$top/bench/tpm_bench.cpp" \
    $(cat "$top/build/lib/ra_attest.libs") -o "$W/tpm_bench" 2> "$W/build.err" ||
    { say "tpm_bench did not build:"; cat "$W/build.err" >&2; echo '{}'; exit 0; }

set -- "$top/tests/vectors" "$SECONDS_EACH"
if command -v swtpm > /dev/null && [ -x "$IMDS" ] && [ -x "$SSH_ATTEST" ]; then
	"$SSH_ATTEST" sim-init "$W/sim" > /dev/null
	base=$(/usr/bin/python3 "$top/regress/azure/free_ports.py" 4)
	mkdir -p "$W/tpmstate"
	swtpm socket --tpm2 --server type=tcp,port="$base" --ctrl type=tcp,port=$((base + 1)) \
	    --tpmstate dir="$W/tpmstate" --flags not-need-init,startup-clear > /dev/null 2>&1 &
	PIDS="$PIDS $!"
	/usr/bin/python3 "$top/regress/azure/paravisor.py" --swtpm-port "$base" --listen $((base + 2)) \
	    --tdreport-cmd "$SSH_ATTEST sim-tdreport $W/sim --report-data" \
	    --ready-file "$W/paravisor.ready" 2> "$W/paravisor.err" &
	PIDS="$PIDS $!"
	"$IMDS" --sim "$W/sim" --port-file "$W/imds.port" > /dev/null 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 1 300); do
		[ -s "$W/paravisor.ready" ] && [ -s "$W/imds.port" ] && break
		sleep 0.1
	done
	if [ -s "$W/paravisor.ready" ] && [ -s "$W/imds.port" ]; then
		spec="azure-vtpm;tcti=swtpm:host=127.0.0.1,port=$((base + 2))"
		spec="$spec;imds=http://127.0.0.1:$(tr -d ' \n' < "$W/imds.port")/acc/tdquote"
		spec="$spec;lock=$W/lock;eventlog=none;ima=none"
		printf 'AcceptEvidence tpm-quote\nTrustAnchor tdx %s\n' "$W/sim/root.pem" > "$W/policy"
		set -- "$@" "$spec" "$spec;hclcache=3600;cachedir=$W/cache" "$W/policy"
	else
		say "azure-vtpm stand-ins did not start: $(cat "$W/paravisor.err")"
	fi
else
	say "no swtpm or imds-emulator: azure-vtpm not measured"
fi
# tpm_bench links the library as ssh does (fetches and the tpm2-tss
# providers through ssh-attest-helper), so it is told where the helper is.
SSH_ATTEST_HELPER="$top/build/lib/ssh-attest-helper" "$W/tpm_bench" "$@" > "$W/bench.json" 2> "$W/run.err" ||
    { say "tpm_bench failed: $(cat "$W/run.err")"; echo '{}' > "$W/bench.json"; }

# ssh connect + `true`, CONNECT (BENCH_TPM_CONNECTIONS, 40) each, plain and
# azure-vtpm with hclcache, interleaved: the ratio of the medians, and
# sshd's CPU per connection (its reaped children: monitor, session,
# production; the stand-ins' own CPU is not counted).
CONNECT=${BENCH_TPM_CONNECTIONS:-40}
: > "$W/connect.tsv"
if [ $# -eq 5 ] && [ "$CONNECT" -gt 0 ] && [ -x "$top/build/prefix/sbin/sshd" ]; then
	T=$W
	# shellcheck source=bench/lib.sh
	. "$top/bench/lib.sh"
	harness_privsep "$top"
	harness_keys
	mkdir -p "$T/home"
	start_sshd tplain "AttestationProvider none"
	start_sshd vtpm "AttestationProvider $4"
	{
		ssh_host tplain "$PORT_tplain" "ControlMaster no" "ControlPath none" "AttestationRequired no"
		ssh_host vtpm "$PORT_vtpm" "ControlMaster no" "ControlPath none" \
		    "AttestationRequired yes" "AttestationPolicy $5"
	} > "$W/ssh_config"
	for h in tplain vtpm; do "$SSH" -F "$W/ssh_config" "$h" true < /dev/null 2> "$W/warm.err" ||
		{ say "warm-up to $h failed: $(cat "$W/warm.err")"; CONNECT=0; }; done
	t0_tplain=$(sshd_ticks "$PID_tplain"); t0_vtpm=$(sshd_ticks "$PID_vtpm")
	for i in $(seq 1 "$CONNECT"); do
		if [ $((i % 2)) -eq 1 ]; then order="tplain vtpm"; else order="vtpm tplain"; fi
		for h in $order; do
			a=$EPOCHREALTIME
			"$SSH" -F "$W/ssh_config" "$h" true < /dev/null 2>> "$W/connect_$h.err"
			rc=$?
			b=$EPOCHREALTIME
			printf '%s\t%s\t%s\n' "$h" "$rc" "$(( ${b/./} - ${a/./} ))" >> "$W/connect.tsv"
		done
	done
	sshd_idle "$PID_tplain"; sshd_idle "$PID_vtpm"
	echo "$(( $(sshd_ticks "$PID_tplain") - t0_tplain )) $(( $(sshd_ticks "$PID_vtpm") - t0_vtpm ))" > "$W/ticks"
fi
python3 - "$W" "$(getconf CLK_TCK)" <<'EOP'
import json, os, statistics, sys
w, hz = sys.argv[1], int(sys.argv[2])
out = json.load(open(os.path.join(w, "bench.json")))
rows = [l.split() for l in open(os.path.join(w, "connect.tsv")) if l.strip()]
ok = {h: [int(t) for (hh, rc, t) in rows if hh == h and rc == "0"] for h in ("tplain", "vtpm")}
if ok["tplain"] and ok["vtpm"]:
    plain, vtpm = statistics.median(ok["tplain"]), statistics.median(ok["vtpm"])
    n = sum(1 for r in rows if r[0] == "vtpm")
    c = {"n": n, "ok": len(ok["vtpm"]), "plain_median_ms": round(plain / 1000, 2),
         "cached_median_ms": round(vtpm / 1000, 2), "ratio": round(vtpm / plain, 3)}
    try:
        tp, tv = (int(x) for x in open(os.path.join(w, "ticks")).read().split())
        c["sshd_cpu_ms_per_conn_plain"] = round(tp * 1000 / hz / n, 2)
        c["sshd_cpu_ms_per_conn_cached"] = round(tv * 1000 / hz / n, 2)
    except (OSError, ValueError):
        pass
    out["azure_vtpm_connect"] = c
print(json.dumps(out, indent=2))
EOP
