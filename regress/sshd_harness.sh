# The one sshd harness of regress/ and bench/ (sourced by regress/lib.sh and
# bench/lib.sh): host and user keys, privilege-separation set-up, an sshd on
# a free loopback port, and the client's Host block.  The caller sets $top
# (the tree: the binaries are its build's) before sourcing, and $T (its
# temp dir) and $PIDS (what its cleanup kills) before calling.  What the two
# callers want differently (regress: LogLevel DEBUG3 and an sftp subsystem
# for its checks; bench: LogLevel INFO and no subsystem, so that logging
# is not what it measures) is passed as parameters.

P="$top/build/prefix"
SSH="$P/bin/ssh"
SSHD="$P/sbin/sshd"
SSH_KEYGEN="$P/bin/ssh-keygen"
SSH_ATTEST="$P/bin/ssh-attest"

# harness_keys: $T/host_key, $T/id and $T/authorized_keys.
harness_keys() {
	"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/host_key" -C host
	"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/id" -C user
	cp "$T/id.pub" "$T/authorized_keys"
}

# harness_privsep TOP: sshd run by root does full privilege separation: it
# needs its chroot directory (root-owned, not writable by others) and the
# sshd user.
harness_privsep() {
	[ "$(id -u)" -eq 0 ] || return 0
	mkdir -p "$1/build/empty" /run/sshd
	chmod 755 "$1/build/empty"
	id sshd >/dev/null 2>&1 || useradd -r -d /nonexistent -s /usr/sbin/nologin sshd
}

# sshd_start NAME BINARY LOGLEVEL SFTP_SERVER [config lines...]: an sshd
# listening on 127.0.0.1 at a free port; sets PORT_<NAME> and PID_<NAME>.
# SFTP_SERVER empty: no sftp subsystem.  Exits the script if it cannot start.
sshd_start() {
	local name=$1 bin=$2 level=$3 sftp=$4; shift 4
	local cfg="$T/sshd_$name.config" log="$T/sshd_$name.log" port try pid i l
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		{
			echo "Port $port"
			echo "ListenAddress 127.0.0.1"
			echo "HostKey $T/host_key"
			echo "AuthorizedKeysFile $T/authorized_keys"
			echo "StrictModes no"
			echo "PidFile $T/sshd_$name.pid"
			echo "LogLevel $level"
			[ -z "$sftp" ] || echo "Subsystem sftp $sftp"
			for l in "$@"; do echo "$l"; done
		} > "$cfg"
		: > "$log"
		# -E, not -e: with -e the session's debug log joins its stderr
		"$bin" -D -E "$log" -f "$cfg" > "$T/sshd_$name.stdout" 2>&1 &
		pid=$!
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

# ssh_host NAME PORT [extra lines...]: a client Host block for the harness's
# sshd on PORT with the harness's user key, on stdout.
ssh_host() {
	local l
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
EOC
	shift 2
	for l in "$@"; do printf '\t%s\n' "$l"; done
}
