#!/bin/sh
# Build the patched OpenSSH against the attestation library and stage it
# under build/prefix.
#
#   1. fetch the pinned release (fetch-openssh.sh checks its sha256);
#   2. unpack it in a scratch dir, apply openssh/patches/series, copy our
#      new files from openssh/src;
#   3. sync the result into build/openssh/src, touching only files whose
#      content changed, so make rebuilds incrementally;
#   4. configure (again only when its inputs changed), make, install.
#
# build/openssh/src is also where patches are edited (regen-patches.sh);
# step 3 refuses to overwrite edits that were not saved into patches.
#
# OpenSSH compiles its paths in (sshd finds sshd-session, sshd_config, the
# privsep chroot through them), so a build for another place is another
# configured tree.  scripts/install.sh sets these for make install:
#   RA_OPENSSH_DIR  the tree's directory (default build/openssh)
#   RA_PREFIX RA_SYSCONFDIR RA_PRIVSEP_PATH RA_PID_DIR  configure's paths
#                   (default: staged under build/, as the tests want)
#   RA_DESTDIR      set (even empty): make install-nokeys DESTDIR=$RA_DESTDIR
#                   instead of staging
. "$(dirname "$0")/common.sh"
odir=${RA_OPENSSH_DIR:-$build/openssh}
prefix=${RA_PREFIX:-$build/prefix}
sysconfdir=${RA_SYSCONFDIR:-$prefix/etc}
privsep=${RA_PRIVSEP_PATH:-$build/empty}
piddir=${RA_PID_DIR:-$build/run}
tree="$odir/src"
stage="$odir/stage"
libdir="$build/lib"

# Two builds at once (make in two shells, make bench beside make check)
# would run configure twice in one tree and leave a config.h that no
# longer matches the system; the second waits for the first.
mkdir -p "$odir"
exec 9> "$odir/.build.lock"
flock 9

[ -f "$libdir/ra_attest.libs" ] && [ -x "$libdir/ssh-attest-helper" ] ||
    die "build the library first (make lib)"

tarball=$("$top/scripts/fetch-openssh.sh" "$build/dl")
rm -rf "$stage"
mkdir -p "$stage"
tar xzf "$tarball" -C "$stage"
src="$stage/openssh-$OPENSSH_VERSION"
for p in $(cat "$top/openssh/patches/series"); do
	patch -d "$src" -p1 -s -F0 --no-backup-if-mismatch \
	    < "$top/openssh/patches/$p" || die "patch $p does not apply"
done
cp "$top/openssh/src/"* "$src/"
# A patched configure.ac needs configure regenerated (autoreconf, as Debian's
# build does); reuse the tree's while configure.ac is unchanged.
ac_sum=$(sha256sum < "$src/configure.ac")
if [ -f "$tree/configure" ] && [ "$(cat "$tree/.ra-autoreconf" 2>/dev/null)" = "$ac_sum" ]; then
	cp -p "$tree/configure" "$tree/config.h.in" "$src/"
else
	(cd "$src" && autoreconf && rm -rf autom4te.cache) \
	    > "$odir/autoreconf.log" 2>&1 || die "autoreconf failed"
fi

# Refuse to clobber edits made in the tree since the last sync, unless
# they are already what the patches produce (regen-patches.sh was run).
manifest="$odir/manifest"
if [ -f "$manifest" ]; then
	unsaved=$( (cd "$tree" && sha256sum --quiet -c "$manifest" 2>/dev/null) |
	    sed -n 's|^\./\(.*\): FAILED.*|\1|p' | while read -r f; do
		cmp -s "$tree/$f" "$src/$f" || echo "$f"
	done)
	if [ -n "$unsaved" ]; then
		echo "$unsaved" >&2
		die "$tree has edits not saved as patches: run scripts/regen-patches.sh (or remove $tree)"
	fi
fi
mkdir -p "$tree"
# OpenSSH's Makefile has no header dependencies: a changed header (a new
# ServerOptions field) would leave objects built with the old layout.  Its
# archives only ever gain members: an object moved out of libssh.a by a
# changed Makefile.in would stay in it, so the archives go too.
rsync -a --checksum -i "$src/" "$tree/" > "$odir/sync.log"
if grep -q '^>f.*\(\.h\|Makefile\.in\)$' "$odir/sync.log"; then
	find "$tree" \( -name '*.o' -o -name '*.a' \) -delete
fi
echo "$ac_sum" > "$tree/.ra-autoreconf"
# configure refuses to run when configure.ac looks newer than it, which a
# reused configure can after the sync rewrote configure.ac's mtime.
[ "$tree/configure.ac" -nt "$tree/configure" ] && touch "$tree/configure"
(cd "$src" && find . -type f | sort | xargs sha256sum) > "$manifest"
rm -rf "$stage"

cd "$tree"
ra_libs=$(cat "$libdir/ra_attest.libs")
conf_args="--prefix=$prefix --sysconfdir=$sysconfdir
    --with-privsep-path=$privsep --with-pid-dir=$piddir
    --without-zlib-version-check --with-attestation=$libdir"
conf_key=$(printf '%s\n%s\n' "$conf_args" "$ra_libs" | cat - configure Makefile.in | sha256sum)
if [ ! -f Makefile ] || [ "$(cat .ra-configured 2>/dev/null)" != "$conf_key" ]; then
	echo "build-openssh: configuring" >&2
	# shellcheck disable=SC2086
	CC="${CC:-$(command -v ccache >/dev/null && echo 'ccache cc' || echo cc)}" \
	CPPFLAGS="-I$top/lib/include" \
	    ./configure $conf_args > "$odir/configure.log" 2>&1 ||
	    { tail -20 "$odir/configure.log" >&2; die "configure failed"; }
	echo "$conf_key" > .ra-configured
fi
# The library is not a make dependency upstream knows about: relink.
lib_a="$libdir/libra_attest_ssh.a"
for b in ssh sshd sshd-session sshd-auth; do
	[ -f "$b" ] && [ "$lib_a" -nt "$b" ] && rm -f "$b"
done
make -j"$jobs" > "$odir/make.log" 2>&1 ||
    { grep -E ': error:|undefined reference|\*\*\*' "$odir/make.log" | head -30 >&2; die "make failed ($odir/make.log)"; }
if [ "${RA_DESTDIR+set}" = set ]; then
	make install-nokeys DESTDIR="$RA_DESTDIR" > "$odir/install.log" 2>&1 ||
	    { tail -20 "$odir/install.log" >&2; die "make install failed"; }
	install -s -m 0755 "$libdir/ssh-attest" "$RA_DESTDIR$prefix/bin/ssh-attest"
	install -s -m 0755 "$libdir/ssh-attest-helper" \
	    "$RA_DESTDIR$prefix/libexec/ssh-attest-helper"
	echo "build-openssh: installed in $RA_DESTDIR$prefix" >&2
	exit 0
fi
mkdir -p "$piddir"
make install-nokeys > "$odir/install.log" 2>&1 ||
    { tail -20 "$odir/install.log" >&2; die "make install failed"; }
install -m 0755 "$libdir/ssh-attest" "$prefix/bin/ssh-attest"
install -m 0755 "$libdir/ssh-attest-helper" "$prefix/libexec/ssh-attest-helper"
echo "build-openssh: staged in $prefix" >&2
