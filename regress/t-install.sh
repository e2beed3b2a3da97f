#!/bin/bash
# make install DESTDIR=... PREFIX=/opt/ra-ssh: every program, man page and
# example lands under DESTDIR; the installed sshd knows its own
# sshd-session/sshd-auth and sshd_config (compiled-in paths, not
# build/prefix's); and, seen at its real path, it passes -t on its default
# configuration and serves an attested connection to the installed ssh.
# The install is its own OpenSSH build (configured for /opt/ra-ssh), so
# this is slow the first time: it runs from make check-install, not make
# check.
# regress: opt-in
. "$(dirname "$0")/lib.sh"

D="$T/root"
PFX=/opt/ra-ssh
# The privsep chroot under PREFIX too, so that the one directory bound
# at /opt below holds the whole install (the default, /var/empty, does
# not exist on a Debian host and the test must not create it there).
start=$(date +%s)
make -C "$top" install DESTDIR="$D" PREFIX="$PFX" PRIVSEP_PATH="$PFX/var/empty" \
    > "$T/install.log" 2>&1
expect_eq "make install" "$?" 0
echo "  (make install took $(( $(date +%s) - start )) s)"

echo "installed files"
for f in bin/ssh bin/scp bin/sftp bin/ssh-keygen bin/ssh-keyscan bin/ssh-add \
    bin/ssh-agent bin/ssh-attest bin/ra-ssh-policy-skeleton sbin/sshd \
    libexec/sshd-session libexec/sshd-auth libexec/sftp-server libexec/ssh-attest-helper \
    etc/sshd_config etc/ssh_config etc/moduli \
    share/man/man1/ssh.1 share/man/man1/ssh-attest.1 share/man/man5/sshd_config.5 \
    share/man/man8/sshd.8 share/ra-ssh/examples/systemd/ra-ssh-sshd.service; do
	[ -e "$D$PFX/$f" ] || fail "$f not installed"
done
n=$(ls "$D$PFX"/share/ra-ssh/examples/policies/*.policy 2>/dev/null | wc -l)
[ "$n" -ge 4 ] && ok "$n example policies" || fail "example policies: $n"
expect_eq "nothing outside PREFIX" "$(ls "$D")" "opt"
"$D$PFX/bin/ssh-attest" --help > /dev/null
expect_eq "installed ssh-attest runs" "$?" 0
grep -q "$top/build" "$D$PFX/sbin/sshd" "$D$PFX/bin/ssh" "$D$PFX/bin/ssh-attest" &&
    fail "installed binaries name the build tree" || ok "no build-tree paths compiled in"

man -l "$D$PFX/share/man/man1/ssh-attest.1" > /dev/null 2> "$T/man.err"
expect_eq "man ssh-attest renders silently" "$(cat "$T/man.err")" ""

# Run the install at its real path, /opt/ra-ssh, in a private mount
# namespace (the host's /opt is untouched).  Needs root (CAP_SYS_ADMIN).
if [ "$(id -u)" -ne 0 ]; then
	fail "the installed-sshd checks need root (a private mount namespace)"
	finish
fi
make_sim sim
mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")
{ echo "TrustAnchor tdx $T/sim/root.pem"; echo "MRTD $mrtd"; } > "$T/policy"
{ echo "TrustAnchor tdx $T/sim/root.pem"; printf 'MRTD %096d\n' 0; } > "$T/policy-wrong"
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
cat > "$T/sshd_config" <<EOC
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
StrictModes no
PidFile $T/sshd.pid
LogLevel DEBUG1
AttestationProvider sim:$T/sim
EOC
ssh_host installed "$port" "AttestationRequired yes" > "$T/ssh_config"
cat > "$T/in-ns.sh" <<EOS
set -u
mount --bind "$D/opt" /opt || exit 90
$PFX/bin/ssh-keygen -A || exit 91
$PFX/sbin/sshd -t > "$T/default-t.out" 2>&1; echo \$? > "$T/default-t.rc"
$PFX/sbin/sshd -T > "$T/sshd-T" 2> "$T/sshd-T.err"; echo \$? > "$T/sshd-T.rc"
$PFX/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log"; echo \$? > "$T/start.rc"
for i in \$(seq 1 100); do [ -s "$T/sshd.pid" ] && break; sleep 0.05; done
$PFX/bin/ssh -F "$T/ssh_config" -o AttestationPolicy="$T/policy" installed echo attested \
    > "$T/good.out" 2> "$T/good.err"; echo \$? > "$T/good.rc"
$PFX/bin/ssh -F "$T/ssh_config" -o AttestationPolicy="$T/policy-wrong" installed echo ran \
    > "$T/bad.out" 2> "$T/bad.err"; echo \$? > "$T/bad.rc"
[ -s "$T/sshd.pid" ] && kill \$(cat "$T/sshd.pid")
exit 0
EOS
unshare -m --propagation private bash "$T/in-ns.sh"
expect_eq "private mount namespace" "$?" 0
expect_eq "installed sshd -t on its default sshd_config" "$(cat "$T/default-t.rc")" 0
[ -s "$D$PFX/etc/ssh_host_ed25519_key" ] && ok "ssh-keygen -A wrote PREFIX/etc" ||
    fail "no host key in $PFX/etc"
expect_eq "sshd -T" "$(cat "$T/sshd-T.rc") $(cat "$T/sshd-T.err")" "0 "
expect_grep "compiled-in sshd-session path" "^sshdsessionpath $PFX/libexec/sshd-session$" "$T/sshd-T"
expect_grep "compiled-in sshd-auth path" "^sshdauthpath $PFX/libexec/sshd-auth$" "$T/sshd-T"
expect_grep "compiled-in ssh-attest-helper path (ssh)" "^$PFX/libexec/ssh-attest-helper$" \
    <(strings "$D$PFX/bin/ssh")
expect_grep "compiled-in host keys under SYSCONFDIR" "^hostkey $PFX/etc/ssh_host_ed25519_key$" "$T/sshd-T"
expect_eq "installed sshd started (-f)" "$(cat "$T/start.rc")" 0
expect_eq "attested connection, installed ssh to installed sshd" \
    "$(cat "$T/good.rc") $(cat "$T/good.out")" "0 attested"
expect_eq "wrong MRTD refused" "$(cat "$T/bad.rc") $(cat "$T/bad.out")" "255 "
expect_grep "refusal names the check" "MRTD\|mrtd\|tdx policy" "$T/bad.err"
# (in the namespace only the installed sshd-session is at that path)
expect_grep "sshd ran its compiled-in sshd-session" "sshd-session version" "$T/sshd.log"
[ "$fails" -eq 0 ] || tail -n 20 "$T/sshd.log" "$T/good.err" "$T/default-t.out" "$T/install.log"
finish
