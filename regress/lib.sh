# Shared set-up for the end-to-end tests: a real patched sshd on a loopback
# port, started as the invoking user (as OpenSSH's own regress suite does),
# and the real ssh.  Sourced by each t-*.sh; every test gets its own $T.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/regress/sshd_harness.sh"
STOCK_SSH=/usr/bin/ssh
STOCK_SSHD=/usr/sbin/sshd
ME=$(id -un)

T=$(mktemp -d "${TMPDIR:-/tmp}/ra-regress.XXXXXX")
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

fails=0
ok()   { echo "  ok: $*"; }
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
# expect_eq WHAT GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi; }
# expect_grep WHAT PATTERN FILE
expect_grep() { if grep -q -- "$2" "$3"; then ok "$1"; else fail "$1 (no '$2' in the end of $3: $(tail -c 600 "$3"))"; fi; }
finish() { [ "$fails" -eq 0 ]; exit $?; }

for b in "$SSH" "$SSHD" "$SSH_KEYGEN" "$SSH_ATTEST"; do
	[ -x "$b" ] || { echo "missing $b: run make first" >&2; exit 1; }
done

harness_privsep "$top"
harness_keys

# make_sim NAME [sim-init args]: a simulated TDX in $T/NAME.
make_sim() {
	local name=$1; shift
	"$SSH_ATTEST" sim-init "$T/$name" "$@" > /dev/null ||
	    { echo "sim-init $name failed" >&2; exit 1; }
}

# start_sshd NAME SSHD_BINARY [config lines...]: sets PORT_<NAME>.
# LogLevel is DEBUG3 unless SSHD_LOGLEVEL says otherwise.
start_sshd() {
	local name=$1 bin=$2; shift 2
	sshd_start "$name" "$bin" "${SSHD_LOGLEVEL:-DEBUG3}" "$P/libexec/sftp-server" \
	    "AcceptEnv LANG" "$@"
}

# ssh_config for host alias NAME -> server NAME.
write_ssh_config() {
	local name port
	: > "$T/ssh_config"
	for name in "$@"; do
		eval "port=\$PORT_$name"
		ssh_host "$name" "$port" "KnownAttestationsFile $T/known_attestations" \
		    >> "$T/ssh_config"
	done
}

# run_ssh OUTPREFIX args...: runs our ssh, keeps stdout/stderr/exit status.
run_ssh() {
	local out=$1; shift
	"$SSH" -F "$T/ssh_config" "$@" > "$T/$out.out" 2> "$T/$out.err" < /dev/null
	echo $? > "$T/$out.rc"
}
rc_of() { cat "$T/$1.rc"; }

# --- hostile peers (regress/hostile/*.py, paramiko) ---
# Debian's python3 with python3-paramiko; a pyenv python3 first on PATH
# usually lacks it.
PY=/usr/bin/python3
HOSTILE="$top/regress/hostile"
# require_paramiko: fail loudly, never skip.
require_paramiko() {
	"$PY" -c 'import paramiko' 2>/dev/null || {
		echo "FAIL: $PY cannot import paramiko (apt-get install python3-paramiko)" >&2
		exit 1; }
}
# wait_file FILE SECONDS: true once FILE exists.
wait_file() {
	local i
	for i in $(seq 1 $(( $2 * 20 ))); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
# wait_pid PID SECONDS: wait for a child to exit, kill it after SECONDS.
wait_pid() {
	local i
	for i in $(seq 1 $(( $2 * 20 ))); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.05
	done
	kill "$1" 2>/dev/null; wait "$1" 2>/dev/null
	return 1
}
# sshd_alive NAME: the listener of start_sshd NAME still runs.
sshd_alive() { local pid; eval "pid=\$PID_$1"; kill -0 "$pid" 2>/dev/null; }

# start_server NAME SCHEME BINARY [options]: a loopback emulator that writes
# its port to --port-file $T/NAME.port (log in $T/NAME.log); sets
# URL_<NAME>=SCHEME://127.0.0.1:PORT.  Fails loudly if it does not start.
start_server() {
	local name=$1 scheme=$2 bin=$3; shift 3
	"$bin" --port-file "$T/$name.port" "$@" > "$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_file "$T/$name.port" 10 || {
		echo "FAIL: $(basename "$bin") $name did not start:" >&2
		cat "$T/$name.log" >&2
		exit 1; }
	eval "URL_$name=$scheme://127.0.0.1:$(cat "$T/$name.port")"
}
# start_maa_emu NAME [emulator options]: tools/maa-emulator for the sim in
# $T/sim (keys and CA in $T/emu, shared by every instance): sets URL_<NAME>
# (log in $T/NAME.log).
start_maa_emu() {
	local name=$1; shift
	start_server "$name" https "$top/build/lib/maa-emulator" --dir "$T/emu" \
	    --trust-anchor "$T/sim/root.pem" "$@"
}

# setup_attested NAME [OTHER...]: a sim in $T/sim, sshd NAME attesting
# with it and sshd's OTHER... without a provider, their Host blocks, and
# $T/policy trusting the sim's root.
setup_attested() {
	local name
	make_sim sim
	start_sshd "$1" "$SSHD" "AttestationProvider sim:$T/sim"
	for name in "${@:2}"; do start_sshd "$name" "$SSHD"; done
	write_ssh_config "$@"
	echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
}

# expect_ran OUTPREFIX WANT: run_ssh OUTPREFIX exited 0 and printed WANT.
expect_ran() {
	expect_eq "exit 0" "$(rc_of "$1")" 0
	expect_eq "output" "$(cat "$T/$1.out")" "$2"
}

# expect_refused NAME PATTERN HOST [ssh options...]: ssh to HOST exits 255
# with one line on stderr that matches PATTERN and nothing on stdout, and
# the remote command does not run.
expect_refused() {
	local n=$1 pat=$2 host=$3; shift 3
	rm -f "$T/ran"
	run_ssh "$n" "$@" "$host" touch "$T/ran"
	expect_eq "$n: exit 255" "$(rc_of "$n")" 255
	expect_grep "$n: reason" "$pat" "$T/$n.err"
	expect_eq "$n: one line on stderr" "$(wc -l < "$T/$n.err")" 1
	expect_eq "$n: stdout empty" "$(wc -c < "$T/$n.out")" 0
	[ -e "$T/ran" ] && fail "$n: remote command ran" || ok "$n: remote command did not run"
}

# refused NAME HOST POLICY PATTERN: expect_refused with the script's $A
# options and, when POLICY is not empty, -o AttestationPolicy=POLICY.
refused() {
	expect_refused "$1" "$4" "$2" $A ${3:+-o AttestationPolicy="$3"}
}

# expect_healthy TAG HOST [ssh options...]: right after case TAG, ssh to
# HOST (also the name of its sshd) runs a command, and that sshd's listener
# is alive.
expect_healthy() {
	local tag=$1 host=$2; shift 2
	run_ssh "after-$tag" "$@" "$host" echo fine
	expect_eq "$tag: attested ssh to $host right afterwards" \
	    "$(rc_of "after-$tag"):$(cat "$T/after-$tag.out")" "0:fine"
	sshd_alive "$host" && ok "$tag: sshd $host listener alive" ||
	    fail "$tag: sshd $host listener died"
}

# cache_name SPEC: the AttestationCache record sshd keeps for SPEC (the
# provider as opened, service included) and $T/host_key,
# /run/ra-ssh/cache-HEX (HEX: SHA-256 of string(SPEC) || string(key blob),
# first 16 bytes), so that a test looks at and removes only its own
# records, whatever other tests run meanwhile.
cache_name() {
	"$PY" - "$1" "$(cut -d' ' -f2 "$T/host_key.pub")" <<'EOP'
import base64, hashlib, struct, sys
s = lambda b: struct.pack(">I", len(b)) + b
d = hashlib.sha256(s(sys.argv[1].encode()) + s(base64.b64decode(sys.argv[2]))).hexdigest()
print("/run/ra-ssh/cache-" + d[:32])
EOP
}
