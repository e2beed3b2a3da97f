#!/bin/bash
# make bench: attested vs plain ra-ssh, side by side, on loopback.
#
# What it measures (all with our own build in build/prefix, one temp dir,
# every process it starts killed on exit):
#   1. connect + `true`: BENCH_CONNECTIONS (200) sequential connections to
#      each of three sshd's, INTERLEAVED plain, attested, maa, attested,
#      maa, plain, ... (the order rotates) so that load from whatever else
#      runs on the machine hits all alike.
#        plain    = sshd AttestationProvider none, ssh AttestationRequired no
#        attested = sshd AttestationProvider sim:DIR, ssh AttestationRequired
#                   yes with a policy naming the sim's test root and MRTD
#                   (the quote verified locally)
#        maa      = sshd AttestationProvider sim-azure:DIR;service=EMU;ca=CA:
#                   the sim's quote exchanged at tools/maa-emulator (HTTPS
#                   on loopback, own CA) for a token; ssh's policy accepts
#                   only maa-token from that Issuer, keys from its /certs
#                   over TLS to IssuerCA, kept in IssuerKeyCache $T/keys
#                   (ssh's default would be ~/.ssh/ra-ssh-keys: the bench
#                   leaves the user's home alone)
#      median, p99, and the ratio to plain: the median over the rounds of
#      X(i)/plain(i), the two run back to back (targets: <= 1.05 attested,
#      <= 1.15 maa), next to the ratio of the medians and CPU per
#      connection; bench/profile_connect.sh breaks the cost down by
#      process and step in instructions.
#   2. TDX quote verification alone (bench/verify_bench.cpp, built here
#      against build/lib/libra_attest.a): quotes/s on one core, for a sim
#      quote and for a real SPR quote against the Intel root.
#   2b. TPM (bench/tpm_bench.sh): event-log replay of the real logs and of
#      a 100 KiB one, IMA replay of the real list and of 10,000 entries
#      (targets: each < 5 ms CPU), azure-vtpm's collect per connection with
#      a fresh vs a cached HCL report on swtpm + the paravisor stand-in, and
#      BENCH_TPM_CONNECTIONS (40) ssh connections to an azure-vtpm;hclcache
#      sshd vs a plain one (ratio of medians, sshd CPU per connection).
#   3. bulk: BENCH_BULK_MIB (1024) MiB through `cat > /dev/null` on the
#      remote side, BENCH_BULK_REPEATS (5) times each, interleaved; median
#      throughput and attested/plain (target >= 0.99), and CPU per GiB
#      (client + server), which load elsewhere disturbs less.
#   4. BENCH_CONCURRENCY (64) attested connections started at once (behind
#      a barrier): successes, p50, p99 (target: all succeed).  Plain is
#      measured the same way for comparison.
#   5. if valgrind is installed: callgrind instruction counts of one plain
#      and one attested client (load-independent), with the attestation
#      steps broken down; and (bench/profile_connect.sh) of both sides of
#      a plain and an attested connection, sshd-session's processes
#      included.
#   6. JWKS fetches: how many times the emulator served /certs across every
#      token-path connection (warm-up, connect loop, profile), from its
#      --stats-file; target one (the key cache's lifetime is an hour, and
#      ssh is one process per connection, so this needs the disk cache).
#   7. Collateral https://pcs-emulator: one process verifying a real quote
#      with a cold and with a warm CollateralCache (bench/collateral.sh);
#      target: a warm cache makes no request.
#   8. when to attest (issue 15, bench/when.sh): attested/plain connect
#      ratio at sim delays 0, 40 ms and 2 s, fresh and cached evidence,
#      postauth and preauth (targets, on the median of per-round paired
#      ratios as in 1.: cached within 1.05 of plain at every delay,
#      preauth no slower than postauth, within 2 % noise); 64 cached connections at
#      once on a cold cache (target: all succeed, one provider call).
#      BENCH_SKIP=when leaves it out; BENCH_WHEN_N, BENCH_WHEN_SLOW_N and
#      BENCH_WHEN_DELAYS set its rounds and delays (bench/when.sh).
#
# The bench sshd's set MaxStartups 100 and MaxSessions 100 (the defaults,
# 10:30:100 and 10, would drop the concurrent unauthenticated connections
# of 4. at random) and PerSourcePenalties no (one source address opening
# hundreds of connections must not be penalised); LogLevel INFO; and
# SetEnv HOME=<empty temp dir>, so that the user's shell start-up files
# (Debian's bash reads ~/.bashrc under sshd) are not what is measured.
#
# Output: a table on stdout and bench/results.json.  Environment:
#   BENCH_CONNECTIONS BENCH_BULK_MIB BENCH_BULK_REPEATS BENCH_CONCURRENCY
#   BENCH_VERIFY_SECONDS (per measurement, 3)  BENCH_CONNECT_BUDGET (600 s:
#   the connect loop stops early, and says so, on a very busy machine)
#   BENCH_SKIP (comma list of connect,verify,tpm,bulk,concurrent,profile)
#   KEEP=1 keeps the temp dir.
#   Section 7: BENCH_SKIP also takes collateral; BENCH_COLLATERAL_RUNS (20).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"  # sets P, SSH, SSHD, SSH_KEYGEN, SSH_ATTEST
EMU="$top/build/lib/maa-emulator"
RESULTS="$top/bench/results.json"
REAL_QUOTE="${BENCH_REAL_QUOTE:-$top/tests/vectors/tdx/gotdx_quote_v4_SPR_E4.dat}"
# A real SEV-SNP report (Milan, v5) and its VCEK, verified at 2026-07-01.
SNP_REPORT="$top/tests/vectors/snp/teekit_gcp_milan_report_v5.bin"
SNP_VCEK="$top/tests/vectors/snp/teekit_gcp_milan_vcek.pem"
SNP_TIME=1782864000

N=${BENCH_CONNECTIONS:-200}
BULK_MIB=${BENCH_BULK_MIB:-1024}
BULK_REPEATS=${BENCH_BULK_REPEATS:-5}
CONC=${BENCH_CONCURRENCY:-64}
VERIFY_SECONDS=${BENCH_VERIFY_SECONDS:-3}
SKIP=",${BENCH_SKIP:-},"

for b in "$SSH" "$SSHD" "$SSH_KEYGEN" "$SSH_ATTEST" "$EMU" "$top/build/lib/libra_attest.a"; do
	[ -e "$b" ] || { echo "bench: missing $b: run make first" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "bench: python3 needed" >&2; exit 1; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: bash >= 5 needed" >&2; exit 1; }

bench_tmpdir ra-bench bench

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
skipped() { case "$SKIP" in *",$1,"*) return 0;; esac; return 1; }

# ---- set-up: keys, a simulated TDX, two sshd's ----
harness_privsep "$top"
harness_keys
"$SSH_ATTEST" sim-init "$T/sim" > /dev/null || { echo "bench: sim-init failed" >&2; exit 1; }
mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")
printf 'TrustAnchor tdx %s\nMRTD %s\nAllowDebug no\n' "$T/sim/root.pem" "$mrtd" > "$T/policy"
chmod 644 "$T/policy"
# The remote command runs as `$SHELL -c CMD`, and Debian's bash sources
# ~/.bashrc for commands run by sshd: on a developer's machine that may cost
# far more than ssh itself (here: pyenv init, ~1 s of CPU per connection),
# the same for both sides, which would only hide the attestation cost.  So
# the bench sshd's give sessions an empty HOME (SetEnv overrides HOME).
mkdir -p "$T/home"

# The MAA emulator: creates its CA and keys in $T/emu, binds a free port.
"$EMU" --dir "$T/emu" --trust-anchor "$T/sim/root.pem" --port-file "$T/emu.port" \
    --stats-file "$T/emu.stats" > "$T/emu.log" 2>&1 &
PID_emu=$!
PIDS="$PIDS $PID_emu"
for i in $(seq 1 100); do
	[ -s "$T/emu.port" ] && [ -s "$T/emu.stats" ] && break
	kill -0 "$PID_emu" 2>/dev/null || break
	sleep 0.1
done
[ -s "$T/emu.port" ] || { echo "bench: maa-emulator did not start:" >&2; cat "$T/emu.log" >&2; exit 1; }
EMU_URL="https://127.0.0.1:$(cat "$T/emu.port")"
printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' \
    "$EMU_URL" "$T/emu/ca.pem" "$T/keys" > "$T/policy_maa"
chmod 644 "$T/policy_maa"
emu_certs() { # how many /certs requests the emulator has served
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certs"])' "$T/emu.stats"
}

start_sshd plain "AttestationProvider none"
start_sshd attested "AttestationProvider sim:$T/sim"
start_sshd maa "AttestationProvider sim-azure:$T/sim;service=$EMU_URL;ca=$T/emu/ca.pem"

# Identical client settings; only AttestationRequired/Policy differ.
common_host() { # NAME PORT
	ssh_host "$1" "$2" "ControlMaster no" "ControlPath none" "ForwardAgent no"
}
{
	common_host plain "$PORT_plain"
	echo "	AttestationRequired no"
	common_host attested "$PORT_attested"
	echo "	AttestationRequired yes"
	echo "	AttestationPolicy $T/policy"
	common_host maa "$PORT_maa"
	echo "	AttestationRequired yes"
	echo "	AttestationPolicy $T/policy_maa"
} > "$T/ssh_config"

S() { "$SSH" -F "$T/ssh_config" "$@"; }

# Warm-up (known_hosts, page cache) and a sanity check of both paths.
for h in plain attested maa plain attested maa; do
	S "$h" true < /dev/null 2> "$T/warm.err" ||
	    { echo "bench: warm-up connection to $h failed:" >&2; cat "$T/warm.err" >&2; exit 1; }
done
S -o LogLevel=VERBOSE attested true < /dev/null 2> "$T/verbose.err"
grep -q "Attestation of .* verified" "$T/verbose.err" ||
    { echo "bench: attested path did not attest:" >&2; cat "$T/verbose.err" >&2; exit 1; }
S -o LogLevel=DEBUG maa true < /dev/null 2> "$T/verbose_maa.err"
grep -q "verified: maa-token verified" "$T/verbose_maa.err" ||
    { echo "bench: token path did not attest with a token:" >&2; cat "$T/verbose_maa.err" >&2; exit 1; }
# The warm-up fetched the keys once; this one must have found them on disk.
grep -q "issuer key cache: keys of .* from $T/keys/" "$T/verbose_maa.err" ||
    log "token path: the issuer key cache was not used: $(grep 'issuer key cache' "$T/verbose_maa.err" | head -1)"
cipher=$(S -v plain true 2>&1 < /dev/null | sed -n 's/.*debug1: kex: server->client cipher: \([^ ]*\).*/\1/p' | head -1)

# ---- 1. connect + true, interleaved ----
# Wall time per connection (the target), and CPU time as well, which load
# from other processes on the machine disturbs much less: the client's from
# getrusage(RUSAGE_CHILDREN) (bash `times`, no fork), the server's from the
# cutime+cstime sshd accumulates as it reaps each connection's processes.
: > "$T/connect.tsv"
: > "$T/connect_cpu.tsv"
HOSTS="plain attested maa"
CONNECT_BUDGET=${BENCH_CONNECT_BUDGET:-600}
connect_done=0
if ! skipped connect; then
	log "connect+true: $N each of plain / attested / maa, interleaved (budget ${CONNECT_BUDGET}s)"
	cfail=0
	for h in $HOSTS; do eval "st0_$h=\$(sshd_ticks \"\$PID_$h\")"; done
	emu0=$(proc_ticks "$PID_emu")
	start=$SECONDS
	for i in $(seq 1 "$N"); do
		# rotate which goes first, so none always follows another
		case $((i % 3)) in
		1) order="plain attested maa";;
		2) order="attested maa plain";;
		0) order="maa plain attested";;
		esac
		for h in $order; do
			cpu_children; c0=$CPU_US
			t0=$EPOCHREALTIME
			S "$h" true < /dev/null 2>> "$T/connect_$h.err"
			rc=$?
			t1=$EPOCHREALTIME
			cpu_children; c1=$CPU_US
			printf '%s\t%s\t%s\t%s\n' "$h" "$i" "$rc" \
			    "$(( (${t1/./} - ${t0/./}) ))" >> "$T/connect.tsv"
			printf '%s\t%s\t%s\t%s\n' "$h" "$i" "$rc" \
			    "$(( c1 - c0 ))" >> "$T/connect_cpu.tsv"
			[ "$rc" -eq 0 ] || cfail=$((cfail + 1))
		done
		connect_done=$i
		[ $((i % 50)) -eq 0 ] && log "  $i/$N"
		if [ $((SECONDS - start)) -ge "$CONNECT_BUDGET" ] && [ "$i" -lt "$N" ]; then
			log "connect: time budget reached after $i pairs (machine busy?)"
			break
		fi
	done
	: > "$T/sshd_ticks"
	for h in $HOSTS; do
		eval "spid=\$PID_$h; st0=\$st0_$h"
		sshd_idle "$spid"
		echo "$h $(( $(sshd_ticks "$spid") - st0 ))" >> "$T/sshd_ticks"
	done
	# the emulator's own CPU (verify the quote, sign the token), per maa connection
	echo "emulator $(( $(proc_ticks "$PID_emu") - emu0 ))" >> "$T/sshd_ticks"
	[ "$cfail" -eq 0 ] || log "connect: $cfail failed connections (see stderr in KEEP=1 dir)"
fi

# ---- 2. quote verification alone ----
echo '{}' > "$T/verify.json"
if ! skipped verify; then
	log "quote verification: building bench/verify_bench.cpp"
	if c++ -O2 -std=c++17 -I"$top/lib/include" "$top/bench/verify_bench.cpp" \
	    $(cat "$top/build/lib/ra_attest.libs") -o "$T/verify_bench" 2> "$T/verify_build.err"; then
		pin=""
		command -v taskset >/dev/null && pin="taskset -c 0"
		log "quote verification: ${VERIFY_SECONDS}s per measurement"
		$pin "$T/verify_bench" "$T/sim" "$T/policy" "$REAL_QUOTE" "$VERIFY_SECONDS" \
		    "$SNP_REPORT" "$SNP_VCEK" "$SNP_TIME" \
		    > "$T/verify.json" 2> "$T/verify.err" ||
		    { log "verify_bench failed: $(cat "$T/verify.err")"; echo '{}' > "$T/verify.json"; }
	else
		log "verify_bench did not build:"; cat "$T/verify_build.err" >&2
	fi
fi

# ---- 2b. TPM logs, azure-vtpm fresh vs cached HCL report ----
echo '{}' > "$T/tpm.json"
if ! skipped tpm; then
	log "tpm: log replay, azure-vtpm fresh vs cached HCL report (${VERIFY_SECONDS}s each)"
	"$top/bench/tpm_bench.sh" "$T" "$VERIFY_SECONDS" > "$T/tpm.json"
fi

# ---- 3. bulk transfer ----
: > "$T/bulk.tsv"
if ! skipped bulk; then
	log "bulk: $BULK_MIB MiB x $BULK_REPEATS each, interleaved (cipher $cipher)"
	for i in $(seq 1 "$BULK_REPEATS"); do
		if [ $((i % 2)) -eq 1 ]; then order="plain attested"; else order="attested plain"; fi
		for h in $order; do
			eval "spid=\$PID_$h"
			sshd_idle "$spid"; st0=$(sshd_ticks "$spid"); cpu_children; c0=$CPU_US
			t0=$EPOCHREALTIME
			head -c $((BULK_MIB * 1048576)) /dev/zero |
			    S "$h" 'cat > /dev/null' 2>> "$T/bulk_$h.err"
			rc=$?
			t1=$EPOCHREALTIME
			cpu_children; c1=$CPU_US; sshd_idle "$spid"; st1=$(sshd_ticks "$spid")
			printf '%s\t%s\t%s\t%s\n' "$h" "$i" "$rc" \
			    "$(( (${t1/./} - ${t0/./}) ))" >> "$T/bulk.tsv"
			# client CPU includes `head`; server CPU includes `cat`: alike on both sides
			printf '%s\t%s\t%s\t%s\n' "$h" "$i" "$(( c1 - c0 ))" \
			    "$(( (st1 - st0) * 1000000 / $(getconf CLK_TCK) ))" >> "$T/bulk_cpu.tsv"
		done
	done
fi

# ---- 4. concurrent connections ----
: > "$T/concurrent.tsv"
conc_batch() { # HOST
	local h=$1 i kids=""
	rm -f "$T/barrier"; mkfifo "$T/barrier"
	for i in $(seq 1 "$CONC"); do
		(
			read -r _ < "$T/barrier"
			t0=$EPOCHREALTIME
			S "$h" true < /dev/null 2> "$T/conc_$h.$i.err"
			rc=$?
			t1=$EPOCHREALTIME
			printf '%s\t%s\t%s\t%s\n' "$h" "$i" "$rc" \
			    "$(( (${t1/./} - ${t0/./}) ))" > "$T/conc_$h.$i"
		) &
		kids="$kids $!"
	done
	sleep 0.5	# all $CONC readers blocked on the barrier
	: > "$T/barrier"	# open+close for writing releases every reader
	# wait only for this batch, never for the sshd's
	wait $kids 2>/dev/null
	for i in $(seq 1 "$CONC"); do
		# a batch child that died without a record counts as a failure
		cat "$T/conc_$h.$i" 2>/dev/null || printf '%s\t%s\t-1\t0\n' "$h" "$i"
	done >> "$T/concurrent.tsv"
}
if ! skipped concurrent; then
	log "concurrent: $CONC at once, plain then attested"
	for h in plain attested; do
		rm -f "$T"/conc_"$h".*
		conc_batch "$h"
		sleep 1
	done
	for h in plain attested; do
		n=$(cat "$T"/conc_"$h".*.err 2>/dev/null | sort | uniq -c | sort -rn | head -3)
		[ -n "$n" ] && log "concurrent $h stderr (counts): $n"
	done
fi

# ---- 5. client instruction counts (load-independent), when valgrind is here ----
# callgrind on the unstripped client in the build tree (same code as the
# staged one): total instructions of one plain and one attested `ssh true`,
# and the inclusive cost of the attestation steps.
: > "$T/profile.tsv"
SSH_DBG="$top/build/openssh/src/ssh"
if ! skipped profile && command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null &&
    [ -x "$SSH_DBG" ]; then
	log "profile: callgrind on one plain, one attested and one maa client"
	for h in plain attested maa; do
		if valgrind --tool=callgrind --callgrind-out-file="$T/cg.$h" \
		    "$SSH_DBG" -F "$T/ssh_config" -o ConnectTimeout=60 "$h" true \
		    < /dev/null > /dev/null 2> "$T/cg.$h.err"; then
			callgrind_annotate --inclusive=yes "$T/cg.$h" 2> /dev/null |
			    sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%)  *\(.*\)$/\1\t\2/p' |
			    tr -d , > "$T/cg.$h.txt"
			tot=$(sed -n 's/^summary: //p' "$T/cg.$h")
			printf '%s\ttotal\t%s\n' "$h" "$tot" >> "$T/profile.tsv"
			for fn in ra_client_attest ra_policy_load ra_verify ra_verify_verdict LoadPemCerts \
			    CheckTrustAnchorFile LoadAnchorCerts LoadPemCertFile PckExtensionsFromPem \
			    FetchIssuerKeys VerifyJwtToken HttpsExchange ParseJwks \
			    VerifyCertChain VerifyEcdsaP256Raw PEM_read_bio_X509 \
			    OSSL_DECODER_CTX_new_for_pkey ssh_kex2 ssh_userauth2; do
				v=$(grep -E "[:]($fn|ra::$fn)[ (\[]" "$T/cg.$h.txt" | head -1 | cut -f1)
				[ -n "$v" ] && printf '%s\t%s\t%s\n' "$h" "$fn" "$v" >> "$T/profile.tsv"
			done
		else
			log "profile: callgrind run failed: $(tail -1 "$T/cg.$h.err")"
		fi
	done
	# and both sides of a plain and an attested connection, the server's
	# per-connection processes included (bench/profile_connect.sh)
	log "profile: callgrind on the server side (bench/profile_connect.sh)"
	PROFILE_TSV="$T/profile_both.tsv" "$top/bench/profile_connect.sh" \
	    > "$T/profile_connect.out" 2>&1 ||
	    log "profile: server side failed: $(tail -1 "$T/profile_connect.out")"
fi

# ---- 6. JWKS fetches across every token-path connection ----
# warm-up (2) and the DEBUG check (1), the connect loop, the profile run
maa_conns=$(( 3 + $(grep -c '^maa	' "$T/connect.tsv") + $(grep -c '^maa	total' "$T/profile.tsv") ))
cp "$T/emu.stats" "$T/emu_final.json"
echo "$maa_conns" > "$T/maa_conns"
log "token path: $maa_conns connections, emulator stats $(cat "$T/emu_final.json")"

# ---- 7. collateral fetched per verification: cold vs warm cache ----
. "$top/bench/collateral.sh"
skipped collateral || bench_collateral
# ---- 8. when to attest: fresh/cached x postauth/preauth x delay ----
skipped when || . "$top/bench/when.sh"

# ---- report (bench/report.py) ----
python3 "$top/bench/report.py" "$T" "$RESULTS" "$N" "$BULK_MIB" "$BULK_REPEATS" "$CONC" "$cipher"
