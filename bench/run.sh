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
#      median, p99, and the ratios of the medians to plain (targets: <= 1.05
#      attested, <= 1.15 maa).
#   2. TDX quote verification alone (bench/verify_bench.cpp, built here
#      against build/lib/libra_attest.a): quotes/s on one core, for a sim
#      quote and for a real SPR quote against the Intel root.
#   3. bulk: BENCH_BULK_MIB (1024) MiB through `cat > /dev/null` on the
#      remote side, BENCH_BULK_REPEATS (5) times each, interleaved; median
#      throughput and attested/plain (target >= 0.99), and CPU per GiB
#      (client + server), which load elsewhere disturbs less.
#   4. BENCH_CONCURRENCY (64) attested connections started at once (behind
#      a barrier): successes, p50, p99 (target: all succeed).  Plain is
#      measured the same way for comparison.
#   5. if valgrind is installed: callgrind instruction counts of one plain
#      and one attested client (load-independent), with the attestation
#      steps broken down.
#   6. JWKS fetches: how many times the emulator served /certs across every
#      token-path connection (warm-up, connect loop, profile), from its
#      --stats-file; target one (the key cache's lifetime is an hour, and
#      ssh is one process per connection, so this needs the disk cache).
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
#   BENCH_SKIP (comma list of connect,verify,bulk,concurrent,profile)
#   KEEP=1 keeps the temp dir.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
P="$top/build/prefix"
SSH="$P/bin/ssh"
SSHD="$P/sbin/sshd"
SSH_KEYGEN="$P/bin/ssh-keygen"
SSH_ATTEST="$P/bin/ssh-attest"
EMU="$top/build/lib/maa-emulator"
RESULTS="$top/bench/results.json"
REAL_QUOTE="${BENCH_REAL_QUOTE:-$top/tests/vectors/tdx/gotdx_quote_v4_SPR_E4.dat}"

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

T=$(mktemp -d "${TMPDIR:-/tmp}/ra-bench.XXXXXX")
chmod 755 "$T"
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] && echo "bench: kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
skipped() { case "$SKIP" in *",$1,"*) return 0;; esac; return 1; }

if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$top/build/empty" /run/sshd
	chmod 755 "$top/build/empty"
	id sshd >/dev/null 2>&1 || useradd -r -d /nonexistent -s /usr/sbin/nologin sshd
fi

# ---- set-up: keys, a simulated TDX, two sshd's ----
"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/host_key" -C host
"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/id" -C user
cp "$T/id.pub" "$T/authorized_keys"
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

# start_sshd NAME [config lines...]: sets PORT_<NAME>.
start_sshd() {
	local name=$1; shift
	local cfg="$T/sshd_$name.config" slog="$T/sshd_$name.log" port try pid i l
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		{
			echo "Port $port"
			echo "ListenAddress 127.0.0.1"
			echo "HostKey $T/host_key"
			echo "AuthorizedKeysFile $T/authorized_keys"
			echo "StrictModes no"
			echo "PidFile $T/sshd_$name.pid"
			echo "LogLevel INFO"
			echo "UseDNS no"
			echo "MaxStartups 100"
			echo "MaxSessions 100"
			echo "PerSourcePenalties no"
			echo "SetEnv HOME=$T/home"
			for l in "$@"; do echo "$l"; done
		} > "$cfg"
		: > "$slog"
		"$SSHD" -D -E "$slog" -f "$cfg" > "$T/sshd_$name.stdout" 2>&1 &
		pid=$!
		for i in $(seq 1 100); do
			grep -q "Server listening on" "$slog" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if grep -q "Server listening on" "$slog"; then
			PIDS="$PIDS $pid"
			eval "PORT_$name=$port"
			eval "PID_$name=$pid"
			return 0
		fi
		kill "$pid" 2>/dev/null
		grep -q "Address already in use" "$slog" || {
			echo "bench: sshd $name did not start:" >&2
			cat "$slog" "$T/sshd_$name.stdout" >&2; exit 1; }
	done
	echo "bench: sshd $name: no free port" >&2
	exit 1
}
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
	cat <<EOC
Host $1
	HostName 127.0.0.1
	Port $2
	User $(id -un)
	IdentityFile $T/id
	IdentitiesOnly yes
	UserKnownHostsFile $T/known_hosts
	StrictHostKeyChecking accept-new
	BatchMode yes
	LogLevel ERROR
	ControlMaster no
	ControlPath none
	ForwardAgent no
EOC
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
cpu_children() { # sets CPU_US: user+sys of this shell's reaped children, in us
	# must run in this shell, not in $(...): a subshell has no children yet
	local a b d m s
	times > "$T/times"
	{ read -r _ _; read -r a b; } < "$T/times"
	CPU_US=0
	for d in "$a" "$b"; do
		d=${d%s}; m=${d%%m*}; s=${d#*m}
		CPU_US=$(( CPU_US + (10#$m * 60 + 10#${s%.*}) * 1000000 + 10#${s#*.}000 ))
	done
}
sshd_idle() { # PID: wait (up to 3 s) until that sshd has reaped its sessions,
	# so their CPU shows in its cutime/cstime and not in the next sample
	local k c
	for k in $(seq 1 60); do
		c=$(cat "/proc/$1/task/$1/children" 2>/dev/null) || return 0
		[ -z "$c" ] && return 0
		sleep 0.05
	done
}
sshd_ticks() { # PID -> cutime+cstime (clock ticks) of that sshd
	local f
	read -r -a f < "/proc/$1/stat"
	# fields after the "(comm)" are stable: comm has no spaces here
	echo $(( f[15] + f[16] ))
}
: > "$T/connect.tsv"
: > "$T/connect_cpu.tsv"
proc_ticks() { # PID -> utime+stime (clock ticks) of that process itself
	local f
	read -r -a f < "/proc/$1/stat"
	echo $(( f[13] + f[14] ))
}
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
		    > "$T/verify.json" 2> "$T/verify.err" ||
		    { log "verify_bench failed: $(cat "$T/verify.err")"; echo '{}' > "$T/verify.json"; }
	else
		log "verify_bench did not build:"; cat "$T/verify_build.err" >&2
	fi
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
			for fn in ra_client_attest ra_policy_load ra_verify LoadPemCerts \
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
fi

# ---- 6. JWKS fetches across every token-path connection ----
# warm-up (2) and the DEBUG check (1), the connect loop, the profile run
maa_conns=$(( 3 + $(grep -c '^maa	' "$T/connect.tsv") + $(grep -c '^maa	total' "$T/profile.tsv") ))
cp "$T/emu.stats" "$T/emu_final.json"
echo "$maa_conns" > "$T/maa_conns"
log "token path: $maa_conns connections, emulator stats $(cat "$T/emu_final.json")"

# ---- report ----
python3 - "$T" "$RESULTS" "$N" "$BULK_MIB" "$BULK_REPEATS" "$CONC" "$cipher" <<'PY'
import json, os, platform, subprocess, sys, time

T, out, N, bulk_mib, bulk_rep, conc, cipher = sys.argv[1:8]
N, bulk_mib, bulk_rep, conc = int(N), int(bulk_mib), int(bulk_rep), int(conc)

def rows(name):
    r = []
    with open(os.path.join(T, name)) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                r.append((p[0], int(p[1]), int(p[2]), int(p[3])))
    return r

def pct(xs, p):
    """nearest-rank percentile"""
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]

def median(xs):
    if not xs:
        return None
    xs = sorted(xs); n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

def ms(us):
    return None if us is None else round(us / 1000.0, 2)

res = {
    "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "host": {"cpus": os.cpu_count(), "loadavg": os.getloadavg(),
             "kernel": platform.release()},
    "cipher": cipher,
    "sshd_bench_config": ["MaxStartups 100", "MaxSessions 100",
                          "PerSourcePenalties no", "LogLevel INFO", "UseDNS no",
                          "SetEnv HOME=<empty temp dir> (skip the user's ~/.bashrc)"],
}
targets = []

# 1. connect
c = rows("connect.tsv")
HOSTS = ("plain", "attested", "maa")
if c:
    d = {}
    for h in HOSTS:
        ok = [t for (hh, i, rc, t) in c if hh == h and rc == 0]
        d[h] = {"n": sum(1 for r in c if r[0] == h), "ok": len(ok),
                "median_ms": ms(median(ok)), "p99_ms": ms(pct(ok, 99)),
                "min_ms": ms(min(ok) if ok else None),
                "mean_ms": ms(sum(ok) / len(ok) if ok else None)}
    # paired difference: X(i) - plain(i), same round i
    by = {}
    for (h, i, rc, t) in c:
        if rc == 0:
            by.setdefault(i, {})[h] = t
    def paired(h):
        return [v[h] - v["plain"] for v in by.values() if h in v and "plain" in v]
    def ratio_of(h):
        return (d[h]["median_ms"] / d["plain"]["median_ms"]
                if d["plain"]["median_ms"] and d[h]["median_ms"] else None)
    ratio = ratio_of("attested")
    ratio_maa = ratio_of("maa")
    d["ratio_attested_over_plain_median"] = round(ratio, 3) if ratio else None
    d["ratio_maa_over_plain_median"] = round(ratio_maa, 3) if ratio_maa else None
    # CPU per connection: client (ssh) from rusage, server (sshd and all
    # its per-connection processes) from sshd's reaped-children ticks
    cpu = {}
    try:
        cr = rows("connect_cpu.tsv")
        ticks = dict(l.split() for l in open(os.path.join(T, "sshd_ticks")))
        hz = os.sysconf("SC_CLK_TCK")
        for h in HOSTS:
            xs = [t for (hh, i, rc, t) in cr if hh == h]
            n = len(xs)
            cl = sum(xs) / n / 1000.0
            sv = int(ticks[h]) / hz * 1000.0 / n
            cpu[h] = {"client_ms": round(cl, 2), "server_ms": round(sv, 2),
                      "total_ms": round(cl + sv, 2)}
            if h == "maa":
                # the attestation service's share, apart from the server's
                em = int(ticks["emulator"]) / hz * 1000.0 / n
                cpu[h]["emulator_ms"] = round(em, 2)
        cpu["ratio_total"] = round(cpu["attested"]["total_ms"] / cpu["plain"]["total_ms"], 3)
        cpu["attested_minus_plain_ms"] = round(cpu["attested"]["total_ms"] - cpu["plain"]["total_ms"], 2)
        cpu["ratio_total_maa"] = round(cpu["maa"]["total_ms"] / cpu["plain"]["total_ms"], 3)
        cpu["maa_minus_plain_ms"] = round(cpu["maa"]["total_ms"] - cpu["plain"]["total_ms"], 2)
    except Exception as e:
        cpu = {"error": str(e)}
    d["cpu_per_connection"] = cpu
    d["paired_diff_median_ms"] = ms(median(paired("attested")))
    d["paired_diff_maa_median_ms"] = ms(median(paired("maa")))
    d["target"] = "attested/plain median <= 1.05; maa/plain median <= 1.15"
    d["pass_attested"] = bool(ratio is not None and ratio <= 1.05
                              and d["attested"]["ok"] == d["attested"]["n"])
    d["pass_maa"] = bool(ratio_maa is not None and ratio_maa <= 1.15
                         and d["maa"]["ok"] == d["maa"]["n"])
    d["pass"] = d["pass_attested"] and d["pass_maa"]
    res["connect_true"] = d
    targets.append(("connect: attested/plain median <= 1.05",
                    f"{ratio:.3f}" if ratio else "n/a", d["pass_attested"]))
    targets.append(("connect: maa/plain median <= 1.15",
                    f"{ratio_maa:.3f}" if ratio_maa else "n/a", d["pass_maa"]))

# 2. verify
try:
    v = json.load(open(os.path.join(T, "verify.json")))
except Exception:
    v = {}
res["quote_verify_one_core"] = v

# 3. bulk
b = rows("bulk.tsv")
if b:
    d = {"mib": bulk_mib, "repeats": bulk_rep}
    for h in ("plain", "attested"):
        ok = [t for (hh, i, rc, t) in b if hh == h and rc == 0]
        mibs = [bulk_mib / (t / 1e6) for t in ok]
        d[h] = {"n": sum(1 for r in b if r[0] == h), "ok": len(ok),
                "median_mib_s": round(median(mibs), 1) if mibs else None,
                "all_mib_s": [round(x, 1) for x in mibs]}
    try:
        bc = rows("bulk_cpu.tsv")
        for h in ("plain", "attested"):
            xs = [(cl + sv) / 1000.0 / (bulk_mib / 1024.0) for (hh, i, cl, sv) in bc if hh == h]
            d[h]["cpu_ms_per_gib_median"] = round(median(xs), 1) if xs else None
        d["cpu_ratio_attested_over_plain"] = round(
            d["attested"]["cpu_ms_per_gib_median"] / d["plain"]["cpu_ms_per_gib_median"], 3)
    except Exception as e:
        d["cpu_error"] = str(e)
    pm, am = d["plain"]["median_mib_s"], d["attested"]["median_mib_s"]
    ratio = am / pm if pm and am else None
    d["ratio_attested_over_plain"] = round(ratio, 3) if ratio else None
    d["target"] = "attested/plain throughput >= 0.99"
    d["pass"] = bool(ratio is not None and ratio >= 0.99)
    res["bulk"] = d
    targets.append(("bulk: attested/plain throughput >= 0.99",
                    f"{ratio:.3f}" if ratio else "n/a", d["pass"]))

# 4. concurrent
cc = rows("concurrent.tsv")
if cc:
    d = {"concurrency": conc}
    for h in ("plain", "attested"):
        ok = [t for (hh, i, rc, t) in cc if hh == h and rc == 0]
        d[h] = {"started": sum(1 for r in cc if r[0] == h), "ok": len(ok),
                "p50_ms": ms(pct(ok, 50)), "p99_ms": ms(pct(ok, 99))}
    d["target"] = f"{conc}/{conc} attested succeed"
    d["pass"] = d["attested"]["ok"] == conc
    res["concurrent"] = d
    targets.append((f"concurrent: {conc}/{conc} attested succeed",
                    f"{d['attested']['ok']}/{conc}", d["pass"]))

# 5. client instruction profile
prof = {}
try:
    for line in open(os.path.join(T, "profile.tsv")):
        h, fn, ir = line.rstrip("\n").split("\t")
        prof.setdefault(h, {})[fn] = int(ir)
except Exception:
    pass
if "plain" in prof and "attested" in prof:
    prof["attested_minus_plain_total"] = prof["attested"]["total"] - prof["plain"]["total"]
    if "maa" in prof:
        prof["maa_minus_plain_total"] = prof["maa"]["total"] - prof["plain"]["total"]
    res["client_instructions"] = prof

# 6. JWKS fetches
try:
    emu = json.load(open(os.path.join(T, "emu_final.json")))
    maa_conns = int(open(os.path.join(T, "maa_conns")).read())
    j = {"certs_requests": emu["certs"], "token_path_connections": maa_conns,
         "tokens_issued": emu["attest"],
         "key_cache": "IssuerKeyCache <temp dir> (ssh's default: ~/.ssh/ra-ssh-keys)",
         "target": "1 /certs fetch across all token-path connections (key lifetime 1 h)"}
    j["pass"] = emu["certs"] == 1
    res["jwks_fetches"] = j
    targets.append(("JWKS fetches across token-path runs == 1",
                    f"{emu['certs']}/{maa_conns} conn.", j["pass"]))
except Exception as e:
    res["jwks_fetches"] = {"error": str(e)}
res["targets"] = [{"target": t, "result": r, "pass": p} for (t, r, p) in targets]

with open(out, "w") as f:
    json.dump(res, f, indent=2)
    f.write("\n")

# ---- table ----
def f(x, unit=""):
    return "n/a" if x is None else f"{x}{unit}"
L = []
L.append(f"ra-ssh bench  ({res['when']}, {res['host']['cpus']} cpus, "
         f"load {res['host']['loadavg'][0]:.2f}, cipher {cipher})")
L.append("")
if "connect_true" in res:
    d = res["connect_true"]
    L.append(f"connect + `true`, {N} sequential each, interleaved          median        p99    ok")
    for h, lab in (("plain", "plain (AttestationProvider none)"),
                   ("attested", "attested (sim provider, local verify)"),
                   ("maa", "attested via MAA emulator (token path)")):
        x = d[h]
        L.append(f"  {lab:<48}{f(x['median_ms'],' ms'):>12}{f(x['p99_ms'],' ms'):>12}"
                 f"  {x['ok']}/{x['n']}")
    L.append(f"  ratio attested/plain (medians): {f(d['ratio_attested_over_plain_median'])}"
             f"   paired median difference: {f(d['paired_diff_median_ms'],' ms')}")
    L.append(f"  ratio maa/plain (medians):      {f(d['ratio_maa_over_plain_median'])}"
             f"   paired median difference: {f(d['paired_diff_maa_median_ms'],' ms')}")
    cp = d.get("cpu_per_connection", {})
    if "plain" in cp:
        L.append(f"  CPU per connection (less load-sensitive)       client    server     total")
        for h in HOSTS:
            x = cp[h]
            L.append(f"    {h:<42}{x['client_ms']:>7.2f} ms{x['server_ms']:>7.2f} ms{x['total_ms']:>7.2f} ms")
        L.append(f"    ratio attested/plain {cp['ratio_total']}, attested costs "
                 f"{cp['attested_minus_plain_ms']} ms CPU more per connection")
        L.append(f"    ratio maa/plain {cp['ratio_total_maa']}, maa costs "
                 f"{cp['maa_minus_plain_ms']} ms CPU more per connection"
                 f" (plus {cp['maa']['emulator_ms']} ms in the emulator)")
    L.append("")
if v:
    L.append("TDX quote verification alone (one core, ra_verify)")
    for k, lab in (("sim_quote_verify", "sim quote, test root + MRTD policy"),
                   ("real_quote_verify", "real SPR quote, Intel root, at 2023-06-20")):
        if k in v:
            L.append(f"  {lab:<48}{v[k]['per_sec']:>9.0f} /s  ({v[k]['us_per_op']:.0f} us each)")
    for k, lab in (("policy_load", "  for scale: ra_policy_load (client, per conn.)"),
                   ("sim_provider_open", "  for scale: sim ra_provider_open (sshd, per conn.)"),
                   ("sim_collect", "  for scale: sim ra_provider_collect (per quote)")):
        if k in v:
            L.append(f"{lab:<50}{v[k]['us_per_op']:>9.0f} us")
    L.append("")
if "bulk" in res:
    d = res["bulk"]
    L.append(f"bulk {bulk_mib} MiB through `cat > /dev/null`, {bulk_rep}x each, interleaved  median")
    for h in ("plain", "attested"):
        x = d[h]
        L.append(f"  {h:<48}{f(x['median_mib_s'],' MiB/s'):>14}   ({', '.join(str(a) for a in x['all_mib_s'])})")
    L.append(f"  ratio attested/plain: {f(d['ratio_attested_over_plain'])}"
             f"   CPU per GiB (client+server): plain {f(d['plain'].get('cpu_ms_per_gib_median'),' ms')},"
             f" attested {f(d['attested'].get('cpu_ms_per_gib_median'),' ms')},"
             f" ratio {f(d.get('cpu_ratio_attested_over_plain'))}")
    L.append("")
if "concurrent" in res:
    d = res["concurrent"]
    L.append(f"{conc} concurrent connections (MaxStartups 100)          ok        p50        p99")
    for h in ("plain", "attested"):
        x = d[h]
        L.append(f"  {h:<44}{x['ok']:>4}/{x['started']:<4}{f(x['p50_ms'],' ms'):>12}{f(x['p99_ms'],' ms'):>12}")
    L.append("")
if "client_instructions" in res:
    p_, a_ = prof["plain"], prof["attested"]
    L.append("client instructions per connection (callgrind, load-independent)")
    L.append(f"  plain {p_['total']/1e6:.1f} M   attested {a_['total']/1e6:.1f} M   "
             f"(+{prof['attested_minus_plain_total']/1e6:.1f} M, "
             f"x{a_['total']/p_['total']:.3f})")
    if "maa" in prof:
        m_ = prof["maa"]
        L.append(f"  maa (token path, keys from the disk cache) {m_['total']/1e6:.1f} M   "
                 f"(+{prof['maa_minus_plain_total']/1e6:.1f} M, x{m_['total']/p_['total']:.3f})")
    for fn, lab in (("ra_policy_load", "ra_policy_load"), ("ra_verify", "ra_verify"),
                    ("PEM_read_bio_X509", "  of which PEM->X509 parsing (all certs)"),
                    ("OSSL_DECODER_CTX_new_for_pkey", "  of which OpenSSL decoder set-up"),
                    ("VerifyCertChain", "  of which X509 chain check"),
                    ("VerifyEcdsaP256Raw", "  of which QE/quote ECDSA checks")):
        if fn in a_:
            L.append(f"    {lab:<44}{a_[fn]/1e6:>7.2f} M")
    L.append("")
jf = res.get("jwks_fetches", {})
if "certs_requests" in jf:
    L.append(f"JWKS fetches (emulator /certs requests) across {jf['token_path_connections']} "
             f"token-path connections: {jf['certs_requests']}   "
             f"(tokens issued: {jf['tokens_issued']})")
else:
    L.append(f"JWKS fetches: n/a ({jf.get('error')})")
L.append("")
L.append("targets")
for (t, r, p) in targets:
    L.append(f"  {t:<48}{r:>10}   {'PASS' if p else 'MISS'}")
L.append("")
L.append(f"results: {out}")
print("\n".join(L))
PY
