#!/bin/sh
# make deb: a Debian package of ra-ssh, from a tree staged by make
# install, built with dpkg-deb.  Its own names throughout, so that it
# installs beside Debian's openssh-client/openssh-server: programs in
# /opt/ra-ssh, configuration in /etc/ra-ssh, the unit ra-ssh-sshd.service,
# pid directory /run/ra-ssh, privsep chroot /var/lib/ra-ssh/empty.
# Maintainer scripts and lintian overrides (each explained) are in
# packaging/deb.  Prints the .deb's path on stdout.
. "$(dirname "$0")/common.sh"
pkg="$top/packaging/deb"
out="$top/build/deb"
root="$out/root"
prefix=/opt/ra-ssh
etc=/etc/ra-ssh

version=$(sed -n 's/^project(ra_attest VERSION \([0-9.]*\).*/\1/p' "$top/lib/CMakeLists.txt")
[ -n "$version" ] || die "no version in lib/CMakeLists.txt"
version="$version+openssh$OPENSSH_VERSION-1"
arch=$(dpkg --print-architecture)

rm -rf "$root"
mkdir -p "$root"
PREFIX=$prefix SYSCONFDIR=$etc PIDDIR=/run/ra-ssh \
PRIVSEP_PATH=/var/lib/ra-ssh/empty DESTDIR="$root" \
    "$top/scripts/install.sh" >&2
# the unit, from the installed example (its paths are this install's)
install -D -m 0644 "$root$prefix/share/ra-ssh/examples/systemd/ra-ssh-sshd.service" \
    "$root/lib/systemd/system/ra-ssh-sshd.service"
# ssh-attest(1) also where man finds it by default (no Debian package
# has an ssh-attest page); OpenSSH's pages stay in the prefix, since
# openssh-client's ssh.1 & co. are in /usr/share/man.
install -d "$root/usr/share/man/man1"
gzip -9n < "$top/doc/ssh-attest.1" > "$root/usr/share/man/man1/ssh-attest.1.gz"
chmod 0644 "$root/usr/share/man/man1/ssh-attest.1.gz"
doc="$root/usr/share/doc/ra-ssh"
install -d "$doc" "$root/usr/share/lintian/overrides"
install -m 0644 "$pkg/README.Debian" "$doc/README.Debian"
install -m 0644 "$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/ra-ssh"
{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: ra-ssh"
	echo
	echo "Files: *"
	echo "Copyright: 1995 Tatu Ylonen <ylo@cs.hut.fi>, Espoo, Finland"
	echo " 1999-2025 The OpenSSH authors (Markus Friedl, Theo de Raadt, Niels Provos,"
	echo " Damien Miller, Darren Tucker and others, as LICENCE.OpenSSH lists)"
	echo " 2025-2026 The ra-ssh authors"
	echo "License: OpenSSH"
	echo " OpenSSH's licence (BSD-style, with the notices of each of its parts)"
	echo " is installed in full as /opt/ra-ssh/share/ra-ssh/LICENCE.OpenSSH."
} > "$doc/copyright"
{
	echo "ra-ssh ($version) unstable; urgency=medium"
	echo
	echo "  * Built from the ra-ssh repository by make deb."
	echo
	echo " -- ra-ssh developers <ra-ssh@example.org>  $(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$doc/changelog.Debian.gz"

# ssh-keysign as Debian's openssh-client ships it (4755, not OpenSSH's 4711).
chmod 4755 "$root$prefix/libexec/ssh-keysign"

# Depends from the binaries' shared libraries (dpkg-shlibdeps wants a
# debian/control beside it).
mkdir -p "$out/shlibs/debian"
printf 'Source: ra-ssh\n\nPackage: ra-ssh\nArchitecture: any\n' > "$out/shlibs/debian/control"
bins=$(find "$root$prefix/bin" "$root$prefix/sbin" "$root$prefix/libexec" -type f -perm -u+x)
# shellcheck disable=SC2086
depends=$(cd "$out/shlibs" && dpkg-shlibdeps -O $bins 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies"

install -d -m 0755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
    -e "s|@DEPENDS@|$depends|" -e "s|@OPENSSH@|$OPENSSH_VERSION|" \
    "$pkg/control.in" > "$root/DEBIAN/control"
install -m 0644 "$pkg/conffiles" "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$pkg/$s" "$root/DEBIAN/$s"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
    xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
deb="$out/ra-ssh_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
