# bench/run.sh's section 7 (sourced): what `Collateral https://...` costs
# per connection with a cold and with a warm CollateralCache.
#
# ssh is one process per connection, so the cost that matters is one
# process verifying a quote: `ssh-attest verify` goes through the same
# front door, fetcher and cache as ssh's ra_verify.  The quote is a real
# one (dcap-qvl's v4 quote, FMSPC b0c06f000000, at 2025-07-01) and the
# collateral the real Intel-signed bundle of tests/vectors, served by
# tools/pcs-emulator over HTTPS on loopback.  (A sim server's connection
# cannot take part: its PCK chain is the sim's, and Intel's collateral and
# CRLs only verify a chain to Intel's root.)
#   cold: an empty cache directory each time (4 requests per verification)
#   warm: one cache directory, filled once (0 requests per verification)
# Output: $T/collateral.tsv (cold|warm, i, exit, us), $T/collateral_requests
# (requests served during the cold runs, during the warm runs).
# BENCH_COLLATERAL_RUNS (20) each, interleaved.
bench_collateral() {
	local runs=${BENCH_COLLATERAL_RUNS:-20} emu="$top/build/lib/pcs-emulator" i m t0 t1 rc
	local quote="$top/tests/vectors/tdx/bundles/dcapqvl_tdx_quote_v4_b0c06f.dat"
	local bundle="$top/tests/vectors/tdx/bundles/dcapqvl_tdx_quote_collateral_2025-06.json"
	local at=2025-07-01T00:00:00Z cold_req=0 warm_req=0 r0
	: > "$T/collateral.tsv"
	[ -x "$emu" ] || { log "collateral: no $emu"; return; }
	"$emu" --dir "$T/pcs" --bundle "$bundle" --port-file "$T/pcs.port" \
	    --stats-file "$T/pcs.stats" > "$T/pcs.log" 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 1 100); do [ -s "$T/pcs.port" ] && break; sleep 0.1; done
	[ -s "$T/pcs.port" ] || { log "collateral: pcs-emulator did not start"; return; }
	pcs_requests() {
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' \
		    "$T/pcs.stats" 2>/dev/null || echo 0
	}
	for m in cold warm; do
		mkdir -p -m 700 "$T/pcs-cache-$m"
		printf 'Collateral https://127.0.0.1:%s\nCollateralCA %s\nCollateralCache %s\n' \
		    "$(cat "$T/pcs.port")" "$T/pcs/ca.pem" "$T/pcs-cache-$m" > "$T/policy_pcs_$m"
		chmod 644 "$T/policy_pcs_$m"
	done
	# fill the warm cache once
	"$SSH_ATTEST" verify "$quote" --policy "$T/policy_pcs_warm" --at "$at" > /dev/null 2>&1 ||
	    log "collateral: warm-up verification failed"
	log "collateral: $runs verifications each, cold and warm cache, interleaved"
	for i in $(seq 1 "$runs"); do
		for m in cold warm; do
			[ "$m" = cold ] && { rm -rf "$T/pcs-cache-cold"; mkdir -m 700 "$T/pcs-cache-cold"; }
			r0=$(pcs_requests)
			t0=$EPOCHREALTIME
			"$SSH_ATTEST" verify "$quote" --policy "$T/policy_pcs_$m" --at "$at" \
			    > /dev/null 2>> "$T/collateral_$m.err"
			rc=$?
			t1=$EPOCHREALTIME
			r0=$(( $(pcs_requests) - r0 ))
			if [ "$m" = cold ]; then cold_req=$((cold_req + r0)); else warm_req=$((warm_req + r0)); fi
			printf '%s\t%s\t%s\t%s\n' "$m" "$i" "$rc" "$(( ${t1/./} - ${t0/./} ))" \
			    >> "$T/collateral.tsv"
		done
	done
	echo "$cold_req $warm_req" > "$T/collateral_requests"
}
