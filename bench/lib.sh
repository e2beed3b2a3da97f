# Helpers of bench/run.sh (sourced): the bench sshd's, and CPU accounting
# from getrusage and /proc.  They use run.sh's $T, $SSHD and $PIDS.

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
