#!/bin/sh
# Regenerate openssh/patches from an edited OpenSSH tree.
#
# Edit upstream files in the build tree (build/openssh/src by default),
# then run this script: each patch in openssh/patches/series is rewritten
# from the tree for the files it already touches, keeping its description
# header.  A file several patches touch gets the tree's edits in the last
# of them (see below).  A changed upstream file that no patch claims is
# reported; add it to a patch with --add PATCH FILE, or start a new patch with
# --new NAME "description" FILE...  Our own new files live in openssh/src
# and are copied into the tree by prepare-openssh.sh; editing them in the
# tree is refused here so that edits are not lost.
#
# usage: regen-patches.sh [--tree DIR] [--add PATCH FILE...]
#                         [--new NAME DESCRIPTION FILE...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/openssh/UPSTREAM"
pdir="$top/openssh/patches"
tree="$top/build/openssh/src"
mode=regen
if [ "${1:-}" = "--tree" ]; then tree=$2; shift 2; fi
case "${1:-}" in
--add) mode=add; target=$2; shift 2 ;;
--new) mode=new; target="$(printf '%04d' $(( $(grep -c . "$pdir/series" 2>/dev/null || echo 0) + 1 )))-$2.patch"; desc=$3; shift 3 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$("$top/scripts/fetch-openssh.sh" "$top/build/dl")
tar xzf "$tarball" -C "$tmp"
pristine="$tmp/openssh-$OPENSSH_VERSION"

# Files our patches own, as "patch file" lines.
: > "$tmp/owners"
touch "$pdir/series"
for p in $(cat "$pdir/series"); do
	sed -n 's|^+++ b/\([^	 ]*\).*|\1|p' "$pdir/$p" |
	    while read -r f; do echo "$p $f"; done >> "$tmp/owners"
done
if [ "$mode" != regen ]; then
	if [ "$mode" = new ]; then
		{ echo "$desc"; echo; } > "$pdir/$target"
		echo "$target" >> "$pdir/series"
	fi
	grep -qx "$target" "$pdir/series" || { echo "no patch $target" >&2; exit 1; }
	for f in "$@"; do echo "$target $f" >> "$tmp/owners"; done
fi

# A file may be touched by several patches (a later patch adds a hook to
# a file an earlier one owns).  Each patch is diffed against the tree as
# the patches before it leave it ($tmp/cur); the tree's edits to such a
# file go to the LAST patch that touches it, and the earlier patches keep
# their hunks for it as they are.
cp -a "$pristine" "$tmp/cur"
# section PATCH FILE: that file's diff in PATCH, as it stands.
section() {
	awk -v f="$2" '/^--- a\//{on = ($0 == "--- a/" f)} on' "$1"
}
for p in $(cat "$pdir/series"); do
	# Header: everything before the first file diff.
	awk '/^--- a\//{exit} {print}' "$pdir/$p" > "$tmp/new"
	for f in $(awk -v p="$p" '$1 == p {print $2}' "$tmp/owners" | sort -u); do
		[ -f "$pristine/$f" ] || { echo "$f is not an upstream file" >&2; exit 1; }
		last=$(awk -v f="$f" '$2 == f {l = $1} END {print l}' "$tmp/owners")
		if [ "$last" != "$p" ]; then
			section "$pdir/$p" "$f" >> "$tmp/new"
			continue
		fi
		diff -u --label "a/$f" --label "b/$f" "$tmp/cur/$f" "$tree/$f" \
		    >> "$tmp/new" || [ $? -eq 1 ]
	done
	if ! cmp -s "$tmp/new" "$pdir/$p"; then
		cp "$tmp/new" "$pdir/$p"
		echo "updated $p" >&2
	fi
	patch -d "$tmp/cur" -p1 -s -F0 --no-backup-if-mismatch < "$pdir/$p" ||
	    { echo "$p does not apply after the patches before it" >&2; exit 1; }
done

# Any upstream file changed in the tree but owned by no patch?
status=0
(cd "$pristine" && find . -type f | sed 's|^\./||') | while read -r f; do
	[ -f "$tree/$f" ] || continue
	cmp -s "$pristine/$f" "$tree/$f" && continue
	grep -q " $f\$" "$tmp/owners" && continue
	case "$f" in configure|config.h.in) continue ;; esac
	echo "unclaimed change to $f (use --add PATCH $f)" >&2
	echo x > "$tmp/unclaimed"
done
[ -f "$tmp/unclaimed" ] && status=1
# Our own files edited in the tree since the last build would be lost.
manifest="$top/build/openssh/manifest"
for f in $(ls "$top/openssh/src"); do
	[ -f "$tree/$f" ] && [ -f "$manifest" ] || continue
	want=$(awk -v f="./$f" '$2 == f {print $1}' "$manifest")
	have=$(sha256sum "$tree/$f" | cut -d' ' -f1)
	if [ -n "$want" ] && [ "$want" != "$have" ] &&
	    ! cmp -s "$tree/$f" "$top/openssh/src/$f"; then
		echo "$f was edited in the tree: copy it to openssh/src/$f" >&2
		status=1
	fi
done
exit $status
