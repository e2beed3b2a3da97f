# Shared set-up for the end-to-end tests: a real patched sshd on a loopback
# port, started as the invoking user (as OpenSSH's own regress suite does),
# and the real ssh.  Sourced by each t-*.sh; every test gets its own $T.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
P="$top/build/prefix"
SSH="$P/bin/ssh"
SSHD="$P/sbin/sshd"
SSH_KEYGEN="$P/bin/ssh-keygen"
SSH_ATTEST="$P/bin/ssh-attest"
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

# sshd run by root does full privilege separation: it needs its chroot
# directory (root-owned, not writable by others) and the sshd user.
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$top/build/empty" /run/sshd
	chmod 755 "$top/build/empty"
	id sshd >/dev/null 2>&1 || useradd -r -d /nonexistent -s /usr/sbin/nologin sshd
fi

"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/host_key" -C host
"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/id" -C user
cp "$T/id.pub" "$T/authorized_keys"

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
	local cfg="$T/sshd_$name.config" log="$T/sshd_$name.log" port try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		{
			echo "Port $port"
			echo "ListenAddress 127.0.0.1"
			echo "HostKey $T/host_key"
			echo "AuthorizedKeysFile $T/authorized_keys"
			echo "StrictModes no"
			echo "PidFile $T/sshd_$name.pid"
			echo "LogLevel ${SSHD_LOGLEVEL:-DEBUG3}"
			echo "Subsystem sftp $P/libexec/sftp-server"
			echo "AcceptEnv LANG"
			for l in "$@"; do echo "$l"; done
		} > "$cfg"
		: > "$log"
		# -E, not -e: with -e the session's debug log joins its stderr
		"$bin" -D -E "$log" -f "$cfg" > "$T/sshd_$name.stdout" 2>&1 &
		local pid=$!
		local i
		for i in $(seq 1 100); do
			grep -q "Server listening on" "$log" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if grep -q "Server listening on" "$log"; then
			PIDS="$PIDS $pid"
			eval "PORT_$name=$port"
			eval "PID_$name=$pid"
			return 0
		fi
		kill "$pid" 2>/dev/null
		grep -q "Address already in use" "$log" || {
			echo "sshd $name did not start:" >&2
			cat "$log" "$T/sshd_$name.stdout" >&2; exit 1; }
	done
	echo "sshd $name: no free port" >&2
	exit 1
}

# ssh_config for host alias NAME -> server NAME.
write_ssh_config() {
	local name port
	: > "$T/ssh_config"
	for name in "$@"; do
		eval "port=\$PORT_$name"
		cat >> "$T/ssh_config" <<EOC
Host $name
	HostName 127.0.0.1
	Port $port
	User $ME
	IdentityFile $T/id
	IdentitiesOnly yes
	UserKnownHostsFile $T/known_hosts
	KnownAttestationsFile $T/known_attestations
	StrictHostKeyChecking accept-new
	BatchMode yes
	LogLevel ERROR
EOC
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
