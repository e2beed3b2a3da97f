# bench/run.sh section 7 (sourced): when to attest (issue 15).  For each
# sim production delay in BENCH_WHEN_DELAYS (0 40 2000 ms: the sim's
# `delay=MS`, standing for the hardware's), one sshd with AttestationCache
# 3600 and AttestationPreauth yes, and four clients of it: fresh or cached
# evidence (AcceptCachedEvidence), after or before authentication
# (AttestationStage).  Each round connects plain (the plain sshd of
# run.sh) and the four, in a rotating order, so that load hits all alike:
# BENCH_WHEN_N rounds (40), BENCH_WHEN_SLOW_N (6) at delays of a second or
# more (the preauth/postauth target allows 2 %, and at 20 rounds the
# paired median of two equal variants still strayed by 2.4 %).  Then BENCH_CONCURRENCY cached connections at once to an sshd whose
# cache is cold (sim delay 40 ms): all must succeed with one provider call,
# counted in the sim's collect.log and in sshd's "AttestationCache:
# evidence made at" lines.  Uses run.sh's $T, S, start_sshd, common_host,
# log; writes $T/when.tsv and $T/when_conc.tsv for bench/when_report.py.
WHEN_N=${BENCH_WHEN_N:-40}
WHEN_SLOW_N=${BENCH_WHEN_SLOW_N:-6}
WHEN_DELAYS=${BENCH_WHEN_DELAYS:-0 40 2000}
WHEN_VARIANTS="fresh_postauth fresh_preauth cached_postauth cached_preauth"

# when_server MS NAME: a sim with that delay in $T/NAME.sim, sshd NAME
# (AttestationCache, AttestationPreauth), policies $T/NAME.fresh and
# $T/NAME.cached, Host blocks NAME_<variant> appended to the ssh_config.
when_server() {
	local ms=$1 name=$2 spec v mrtd port
	"$SSH_ATTEST" sim-init "$T/$name.sim" > /dev/null ||
	    { echo "bench: sim-init failed" >&2; exit 1; }
	spec="sim:$T/$name.sim"
	[ "$ms" -gt 0 ] && spec="$spec;delay=$ms"
	echo "$spec" >> "$T/when.specs"
	start_sshd "$name" "AttestationProvider $spec" "AttestationCache 3600" \
	    "AttestationPreauth yes" "AttestationProviderTimeout 60"
	mrtd=$(sed -n 's/^mrtd //p' "$T/$name.sim/td.conf")
	printf 'TrustAnchor tdx %s\nMRTD %s\nAllowDebug no\n' "$T/$name.sim/root.pem" \
	    "$mrtd" > "$T/$name.fresh"
	{ cat "$T/$name.fresh"; printf 'AcceptCachedEvidence yes\nMaxEvidenceAge 3600\n'; } \
	    > "$T/$name.cached"
	chmod 644 "$T/$name.fresh" "$T/$name.cached"
	for v in $WHEN_VARIANTS; do
		eval "port=\$PORT_$name"
		common_host "${name}_$v" "$port"
		echo "	AttestationRequired yes"
		echo "	AttestationPolicy $T/$name.${v%%_*}"
		echo "	AttestationStage ${v#*_}"
		echo "	AttestationTimeout 120"
	done >> "$T/ssh_config"
}

when_calls() { # NAME: provider calls so far (the sim logs them with a delay)
	cat "$T/$1.sim/collect.log" 2>/dev/null | grep -c '^end'
}

when_connect() {
	local ms name n i k h order rc t0 t1
	: > "$T/when.tsv"
	for ms in $WHEN_DELAYS; do
		name="when$ms"
		when_server "$ms" "$name"
		# warm-up: known_hosts, and the cache made once
		S "${name}_cached_postauth" true < /dev/null 2> "$T/$name.warm.err" ||
		    { log "when: warm-up of $name failed: $(cat "$T/$name.warm.err")"; continue; }
		n=$WHEN_N
		[ "$ms" -ge 1000 ] && n=$WHEN_SLOW_N
		log "when: delay $ms ms, $n rounds of plain + $WHEN_VARIANTS"
		for i in $(seq 1 "$n"); do
			order="plain"
			for v in $WHEN_VARIANTS; do order="$order ${name}_$v"; done
			set -- $order
			k=$(( i % $# ))
			order="${*:k+1} ${*:1:k}"
			for h in $order; do
				t0=$EPOCHREALTIME
				S "$h" true < /dev/null 2>> "$T/$name.err"
				rc=$?
				t1=$EPOCHREALTIME
				printf '%s\t%s\t%s\t%s\t%s\n' "$ms" "${h#"${name}"_}" "$i" "$rc" \
				    "$(( ${t1/./} - ${t0/./} ))" >> "$T/when.tsv"
			done
		done
	done
}

when_concurrent() {
	local name=whencold i kids=""
	when_server 40 "$name"
	log "when: $CONC cached connections at once, cold cache (sim delay 40 ms)"
	rm -f "$T/wbarrier"; mkfifo "$T/wbarrier"
	for i in $(seq 1 "$CONC"); do
		(
			read -r _ < "$T/wbarrier"
			t0=$EPOCHREALTIME
			S -o StrictHostKeyChecking=no "${name}_cached_postauth" true \
			    < /dev/null 2> "$T/wconc.$i.err"
			rc=$?
			t1=$EPOCHREALTIME
			printf '%s\t%s\t%s\n' "$i" "$rc" "$(( ${t1/./} - ${t0/./} ))" > "$T/wconc.$i"
		) &
		kids="$kids $!"
	done
	sleep 0.5
	: > "$T/wbarrier"
	wait $kids 2>/dev/null
	for i in $(seq 1 "$CONC"); do
		cat "$T/wconc.$i" 2>/dev/null || printf '%s\t-1\t0\n' "$i"
	done > "$T/when_conc.tsv"
	printf '%s\t%s\n' "$(when_calls "$name")" \
	    "$(grep -c 'AttestationCache: evidence made at' "$T/sshd_$name.log")" \
	    > "$T/when_conc_calls.tsv"
}

# The cache records (and their locks) are named by provider spec and host
# key, both this run's (ra_cache_path in openssh/src/ra_ssh_server.c):
# exactly those are removed, whatever else runs on the machine.
when_remove_caches() {
	python3 - "$(cut -d' ' -f2 "$T/host_key.pub")" "$T/when.specs" <<'EOP'
import base64, hashlib, os, struct, sys
s = lambda b: struct.pack(">I", len(b)) + b
blob = base64.b64decode(sys.argv[1])
for spec in open(sys.argv[2]).read().split():
    f = "/run/ra-ssh/cache-" + hashlib.sha256(s(spec.encode()) + s(blob)).hexdigest()[:32]
    for p in (f, f + ".lock"):
        if os.path.exists(p):
            os.unlink(p)
EOP
}
: > "$T/when.specs"
when_connect
when_concurrent
when_remove_caches
