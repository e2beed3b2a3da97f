#!/bin/sh
# make install: the patched OpenSSH, ssh-attest, the man pages and the
# examples, for PREFIX (default /usr/local) under DESTDIR.
#
# OpenSSH compiles its paths in, so each (PREFIX, SYSCONFDIR, PRIVSEP_PATH,
# PIDDIR) gets its own configured tree, build/install/<hash>, built by the
# same build-openssh.sh as the staged test build (build/prefix); a second
# install for the same paths rebuilds only what changed.
#
#   PREFIX        /usr/local     bin/, sbin/, libexec/, share/man/
#   SYSCONFDIR    PREFIX/etc     ssh_config, sshd_config (kept if present)
#   PRIVSEP_PATH  /var/empty     sshd's pre-authentication chroot
#   PIDDIR        /run/ra-ssh    sshd.pid (own directory: Debian's sshd
#                                writes /run/sshd.pid)
#   DESTDIR       (empty)        staging root for packages
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-/usr/local}
sysconfdir=${SYSCONFDIR:-$prefix/etc}
privsep=${PRIVSEP_PATH:-/var/empty}
piddir=${PIDDIR:-/run/ra-ssh}
destdir=${DESTDIR:-}

die() { echo "install: $*" >&2; exit 1; }
for d in "$prefix" "$sysconfdir" "$privsep" "$piddir"; do
	case $d in
	/*) ;;
	*) die "$d: paths must be absolute" ;;
	esac
done
case $destdir in
''|/*) ;;
*) die "DESTDIR=$destdir: must be absolute" ;;
esac

key=$(printf '%s\n' "$prefix" "$sysconfdir" "$privsep" "$piddir" | sha256sum | cut -c1-16)
RA_OPENSSH_DIR="$top/build/install/$key" RA_PREFIX="$prefix" \
RA_SYSCONFDIR="$sysconfdir" RA_PRIVSEP_PATH="$privsep" RA_PID_DIR="$piddir" \
RA_DESTDIR="$destdir" "$top/scripts/build-openssh.sh"

# Ours beside OpenSSH's: the man page, the examples (read-only
# references: an operator copies what fits into SYSCONFDIR).
root="$destdir$prefix"
install -d "$root/share/man/man1" "$root/share/ra-ssh/examples/policies" \
    "$root/share/ra-ssh/examples/sshd_config.d" \
    "$root/share/ra-ssh/examples/ssh_config.d" \
    "$root/share/ra-ssh/examples/systemd"
install -m 0644 "$top/doc/ssh-attest.1" "$root/share/man/man1/ssh-attest.1"
install -m 0644 "$top/build/install/$key/src/LICENCE" "$root/share/ra-ssh/LICENCE.OpenSSH"
install -m 0644 "$top"/contrib/policies/*.policy "$root/share/ra-ssh/examples/policies/"
install -m 0644 "$top"/contrib/sshd_config.d/*.conf "$root/share/ra-ssh/examples/sshd_config.d/"
install -m 0644 "$top"/contrib/ssh_config.d/*.conf "$root/share/ra-ssh/examples/ssh_config.d/"
install -m 0755 "$top/contrib/ra-ssh-policy-skeleton" "$root/bin/ra-ssh-policy-skeleton"
# The unit names the paths of the recommended install (/opt/ra-ssh,
# /etc/ra-ssh, /run/ra-ssh); rewrite them for this one.
runtime=ra-ssh
case $piddir in
/run/?*) runtime=${piddir#/run/} ;;
esac
sed -e "s|/opt/ra-ssh|$prefix|g" -e "s|/etc/ra-ssh|$sysconfdir|g" \
    -e "s|/run/ra-ssh|$piddir|g" -e "s|^RuntimeDirectory=ra-ssh\$|RuntimeDirectory=$runtime|" \
    "$top/contrib/systemd/ra-ssh-sshd.service" \
    > "$root/share/ra-ssh/examples/systemd/ra-ssh-sshd.service"
chmod 0644 "$root/share/ra-ssh/examples/systemd/ra-ssh-sshd.service"
echo "install: done in ${destdir:+$destdir}$prefix (configuration in $sysconfdir)" >&2
