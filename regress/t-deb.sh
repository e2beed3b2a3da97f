#!/bin/bash
# make deb: the package is lintian-clean (overrides explained in
# packaging/deb/lintian-overrides), installs on this machine beside
# Debian's openssh-server and openssh-client without touching them, its
# sshd passes -t on the packaged configuration and serves an attested
# connection to its ssh, and purging it leaves nothing behind.  Installs
# a package on the machine, so it runs from make check-deb only, as root.
# regress: opt-in
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "FAIL: t-deb.sh installs a package: run as root" >&2; exit 1; }
if dpkg -s ra-ssh > /dev/null 2>&1; then
	echo "FAIL: ra-ssh is already installed here; this test installs and purges it" >&2
	exit 1
fi
purge_on_exit() { dpkg --purge ra-ssh > /dev/null 2>&1; cleanup; }
trap purge_on_exit EXIT

make -s -C "$top" deb > "$T/deb.path" 2> "$T/deb.log"
expect_eq "make deb" "$?" 0
deb=$(tail -n 1 "$T/deb.path")
[ -f "$deb" ] && ok "built $(basename "$deb")" || { fail "no .deb: $(tail -n 5 "$T/deb.log")"; finish; }

if command -v lintian > /dev/null; then
	lintian --fail-on error,warning "$deb" > "$T/lintian.out" 2>&1
	expect_eq "lintian (errors, warnings)" "$? $(grep -E '^[EW]:' "$T/lintian.out" | head -5)" "0 "
else
	fail "lintian missing (apt-get install lintian)"
fi

stock_sshd=$(sha256sum /usr/sbin/sshd /usr/bin/ssh 2>/dev/null)
dpkg -i "$deb" > "$T/dpkg-i.out" 2>&1
expect_eq "dpkg -i" "$? $(grep -i 'error\|conflict' "$T/dpkg-i.out")" "0 "
expect_eq "Debian's sshd and ssh untouched" "$(sha256sum /usr/sbin/sshd /usr/bin/ssh 2>/dev/null)" "$stock_sshd"
expect_eq "our sshd is the package's" "$(dpkg -S /opt/ra-ssh/sbin/sshd | cut -d: -f1)" ra-ssh
expect_eq "the attestation helper is the package's" \
    "$(dpkg -S /opt/ra-ssh/libexec/ssh-attest-helper | cut -d: -f1)" ra-ssh
[ -s /etc/ra-ssh/ssh_host_ed25519_key ] && ok "postinst made host keys" || fail "no host key"
/opt/ra-ssh/sbin/sshd -t > "$T/t.out" 2>&1
expect_eq "sshd -t on the packaged sshd_config" "$? $(cat "$T/t.out")" "0 "
[ -f /lib/systemd/system/ra-ssh-sshd.service ] && ok "unit installed" || fail "no unit"
if command -v systemd-analyze > /dev/null; then
	systemd-analyze verify /lib/systemd/system/ra-ssh-sshd.service > "$T/sa.out" 2>&1
	expect_eq "systemd-analyze verify (installed unit, man page found)" "$? $(cat "$T/sa.out")" "0 "
fi
man ssh-attest > /dev/null 2> "$T/man.err"
expect_eq "man ssh-attest (default MANPATH)" "$? $(cat "$T/man.err")" "0 "

make_sim sim
mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")
{ echo "TrustAnchor tdx $T/sim/root.pem"; echo "MRTD $mrtd"; } > "$T/policy"
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
cat > "$T/sshd_config" <<EOC
Port $port
ListenAddress 127.0.0.1
HostKey /etc/ra-ssh/ssh_host_ed25519_key
AuthorizedKeysFile $T/authorized_keys
StrictModes no
PidFile $T/sshd.pid
AttestationProvider sim:$T/sim
EOC
/opt/ra-ssh/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log"
expect_eq "packaged sshd started" "$?" 0
wait_file "$T/sshd.pid" 5 || fail "no pid file"
/opt/ra-ssh/bin/ssh -F /dev/null -p "$port" -i "$T/id" -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=accept-new \
    -o BatchMode=yes -o AttestationRequired=yes -o AttestationPolicy="$T/policy" \
    "$ME@127.0.0.1" echo attested > "$T/ssh.out" 2> "$T/ssh.err"
expect_eq "attested connection with the packaged ssh and sshd" "$? $(cat "$T/ssh.out")" "0 attested"
[ -s "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")"
sleep 0.2

dpkg --purge ra-ssh > "$T/purge.out" 2>&1
expect_eq "dpkg --purge" "$?" 0
for p in /opt/ra-ssh /etc/ra-ssh /var/lib/ra-ssh /run/ra-ssh \
    /lib/systemd/system/ra-ssh-sshd.service /usr/share/doc/ra-ssh \
    /usr/share/man/man1/ssh-attest.1.gz; do
	[ -e "$p" ] && fail "$p left behind after purge"
done
dpkg -s ra-ssh > /dev/null 2>&1 && fail "still known to dpkg" || ok "purged, nothing left"
[ "$fails" -eq 0 ] || tail -n 20 "$T/sshd.log" "$T/ssh.err" "$T/deb.log" "$T/lintian.out"
finish
