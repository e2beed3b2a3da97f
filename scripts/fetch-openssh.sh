#!/bin/sh
# Obtain the pinned OpenSSH release tarball and check its sha256.
#
# The tarball comes from Debian's source package through the machine's own
# apt configuration: we reuse the mirror URI(s) the host already uses for
# Debian and point a *private* apt state directory at the suite that ships
# the pinned release, so nothing under /etc or /var/lib/apt changes and no
# host name is hard-coded here.  OPENSSH_TARBALL=path skips the download.
#
# usage: fetch-openssh.sh OUTDIR     (prints the tarball path on stdout)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/openssh/UPSTREAM"
out=${1:?usage: fetch-openssh.sh OUTDIR}
mkdir -p "$out"
dest="$out/$ORIG_TARBALL"

check() {
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$sum" != "$ORIG_SHA256" ]; then
		echo "fetch-openssh: $1: sha256 $sum, expected $ORIG_SHA256" >&2
		return 1
	fi
}

if [ -n "${OPENSSH_TARBALL:-}" ]; then
	check "$OPENSSH_TARBALL"
	cp "$OPENSSH_TARBALL" "$dest.tmp" && mv "$dest.tmp" "$dest"
	echo "$dest"
	exit 0
fi
if [ -f "$dest" ] && check "$dest"; then
	echo "$dest"
	exit 0
fi

# Find the Debian mirror(s) the host uses: URIs of deb entries that carry
# the main archive (not the -security or -updates pockets' own hosts are
# excluded by requiring a "debian" path without "security").
mirrors=$(
	{
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }'
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
		done
	} | grep -v -i security | awk '!seen[$0]++'
)
if [ -z "$mirrors" ]; then
	echo "fetch-openssh: no Debian mirror found in the host's apt sources;" \
	    "set OPENSSH_TARBALL=path to a local $ORIG_TARBALL" >&2
	exit 1
fi

state="$out/apt"
mkdir -p "$state/lists/partial" "$state/archives/partial" \
    "$state/sources.list.d" "$state/dl"
: > "$state/sources.list"
{
	echo "Types: deb-src"
	printf 'URIs:'; for m in $mirrors; do printf ' %s' "$m"; done; echo
	echo "Suites: $DEBIAN_SUITE"
	echo "Components: main"
	if [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
		echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
	fi
} > "$state/sources.list.d/ra-ssh-openssh.sources"

apt_priv() {
	apt-get -q \
	    -o Dir::State::Lists="$state/lists" \
	    -o Dir::Cache="$state" -o Dir::Cache::archives="$state/archives" \
	    -o Dir::Cache::pkgcache="" -o Dir::Cache::srcpkgcache="" \
	    -o Dir::Etc::sourcelist="$state/sources.list" \
	    -o Dir::Etc::sourceparts="$state/sources.list.d" \
	    -o Debug::NoLocking=1 \
	    -o APT::Sandbox::User=root "$@"
}
apt_priv update >&2
# --download-only: no dpkg-source needed, nothing unpacked by apt.
(cd "$state/dl" && apt_priv source --download-only \
    "$DEBIAN_SOURCE=$(apt_priv showsrc "$DEBIAN_SOURCE" 2>/dev/null |
        awk -v v="$OPENSSH_VERSION" '$1 == "Version:" && index($2, v) { print $2; exit }')" >&2)
check "$state/dl/$ORIG_TARBALL"
mv "$state/dl/$ORIG_TARBALL" "$dest"
echo "$dest"
