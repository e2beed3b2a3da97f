# Helpers of bench/run.sh (sourced): the bench sshd's (regress/'s harness,
# regress/sshd_harness.sh, with the bench's settings), and CPU accounting
# from getrusage and /proc.  They use run.sh's $T, $SSHD and $PIDS.
. "$top/regress/sshd_harness.sh"

# start_sshd NAME [config lines...]: sets PORT_<NAME>.  LogLevel INFO and
# no sftp subsystem: what is measured is the connection, not sshd's logging.
start_sshd() {
	local name=$1; shift
	sshd_start "$name" "$SSHD" INFO "" "UseDNS no" "MaxStartups 100" \
	    "MaxSessions 100" "PerSourcePenalties no" "SetEnv HOME=$T/home" "$@"
}

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
proc_ticks() { # PID -> utime+stime (clock ticks) of that process itself
	local f
	read -r -a f < "/proc/$1/stat"
	echo $(( f[13] + f[14] ))
}

# bench_tmpdir PREFIX TAG: T, a fresh directory sshd may read, and PIDS;
# on exit the PIDS are killed and T removed (kept with KEEP=1, said as TAG).
bench_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	chmod 755 "$T"
	PIDS=""
	BENCH_TAG=$2
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] && echo "$BENCH_TAG: kept $T" >&2 || rm -rf "$T"
}
