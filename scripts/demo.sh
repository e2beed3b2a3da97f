#!/bin/bash
# make demo: an attested connection on the simulated TEE, then a refused one.
# Everything lives in a temp dir and is removed on exit.
# RA_DEMO_PREFIX=/usr/local runs an installed tree instead of the staged
# build (the Dockerfile's default command).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
P=${RA_DEMO_PREFIX:-$top/build/prefix}
D=$(mktemp -d "${TMPDIR:-/tmp}/ra-demo.XXXXXX")
chmod 755 "$D"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
	# The staged build's privsep chroot (an installed one has its own).
	if [ -z "${RA_DEMO_PREFIX:-}" ]; then
		mkdir -p "$top/build/empty"; chmod 755 "$top/build/empty"
	fi
	id sshd >/dev/null 2>&1 || useradd -r -d /nonexistent -s /usr/sbin/nologin sshd
fi

step "A simulated TDX (test root CA, PCK chain, attestation key): ssh-attest sim-init"
"$P/bin/ssh-attest" sim-init "$D/sim" > /dev/null || exit 1
grep -E '^(mrtd|td_attributes) ' "$D/sim/td.conf"

"$P/bin/ssh-keygen" -q -t ed25519 -N '' -f "$D/host_key"
"$P/bin/ssh-keygen" -q -t ed25519 -N '' -f "$D/id"
cp "$D/id.pub" "$D/authorized_keys"
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
cat > "$D/sshd_config" <<EOF2
Port $port
ListenAddress 127.0.0.1
HostKey $D/host_key
AuthorizedKeysFile $D/authorized_keys
StrictModes no
PidFile $D/sshd.pid
AttestationProvider sim:$D/sim
EOF2
step "sshd with AttestationProvider sim:... on 127.0.0.1:$port"
"$P/sbin/sshd" -D -E "$D/sshd.log" -f "$D/sshd_config" &
pid=$!
for _ in $(seq 1 100); do grep -q "Server listening" "$D/sshd.log" 2>/dev/null && break; sleep 0.05; done
grep "Server listening" "$D/sshd.log" || { cat "$D/sshd.log"; exit 1; }

mrtd=$(sed -n 's/^mrtd //p' "$D/sim/td.conf")
cat > "$D/policy" <<EOF2
# Trust the simulator's test root (never do this in production)
TrustAnchor tdx $D/sim/root.pem
MRTD $mrtd
AllowDebug no
EOF2
cat > "$D/ssh_config" <<EOF2
Host demo
	HostName 127.0.0.1
	Port $port
	User $(id -un)
	IdentityFile $D/id
	UserKnownHostsFile $D/known_hosts
	StrictHostKeyChecking accept-new
	BatchMode yes
	LogLevel ERROR
	AttestationRequired yes
	AttestationPolicy $D/policy
EOF2
step "Client policy ($D/policy)"
cat "$D/policy"

step "ssh -o LogLevel=VERBOSE demo 'uname -sr; echo hello from an attested host'"
"$P/bin/ssh" -F "$D/ssh_config" -o LogLevel=VERBOSE demo \
    'uname -sr; echo hello from an attested host' > "$D/ok.out" 2> "$D/ok.err"
rc=$?
echo "stderr (verbose):"; grep -E "Authenticated|Attestation" "$D/ok.err" | sed 's/^/  /'
echo "stdout (the remote command's, untouched):"; sed 's/^/  /' "$D/ok.out"
echo "exit status: $rc"
[ $rc -eq 0 ] || { cat "$D/ok.err"; exit 1; }

step "The same server against a policy expecting another MRTD: refused"
sed -i "s/^MRTD .*/MRTD $(printf '%096d' 0)/" "$D/policy"
"$P/bin/ssh" -F "$D/ssh_config" demo 'echo this must not run'
rc=$?
echo "exit status: $rc"
[ $rc -eq 255 ] || exit 1

step "Without AttestationRequired the connection is ordinary ssh"
"$P/bin/ssh" -F "$D/ssh_config" -o AttestationRequired=no demo 'echo plain ssh still works'
echo
echo "demo complete"
