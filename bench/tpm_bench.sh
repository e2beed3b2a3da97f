#!/bin/bash
# bench/run.sh's TPM section (runnable alone): builds bench/tpm_bench.cpp
# against build/lib and prints its JSON on stdout: event-log and IMA
# replay on the client, and, when swtpm is installed, azure-vtpm's cost
# per connection in sshd's monitor with a fresh HCL report and with the
# cached one (hclcache), on the stand-ins regress/t-azure-vtpm.sh uses
# (swtpm as the vTPM, regress/azure/paravisor.py, tools/imds-emulator, the
# sim's TD reports), plus the client's ra_verify of the cached-path items.
#
#   bench/tpm_bench.sh WORKDIR SECONDS
# WORKDIR: an existing scratch directory (everything goes under WORKDIR/tpm);
# every process started here is stopped on exit.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=$1/tpm
SECONDS_EACH=$2
SSH_ATTEST="$top/build/lib/ssh-attest"
IMDS="$top/build/lib/imds-emulator"
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
"$W/tpm_bench" "$@" 2> "$W/run.err" || { say "tpm_bench failed: $(cat "$W/run.err")"; echo '{}'; }
