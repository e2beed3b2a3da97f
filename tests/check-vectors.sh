#!/bin/sh
# The test vectors are what SHA256SUMS says they are, and every file in
# the directory is listed there (an unlisted file has no recorded
# provenance).  usage: check-vectors.sh [DIR]   (default tests/vectors)
set -eu
dir=${1:-$(cd "$(dirname "$0")" && pwd)/vectors}
cd "$dir"
[ -s SHA256SUMS ] || { echo "check-vectors: $dir/SHA256SUMS missing or empty" >&2; exit 1; }
sha256sum --strict --quiet -c SHA256SUMS ||
    { echo "check-vectors: sums differ in $dir" >&2; exit 1; }
listed=$(mktemp)
trap 'rm -f "$listed"' EXIT
sed -n 's|^[0-9a-f]\{64\}  \(\./\)\{0,1\}||p' SHA256SUMS | LC_ALL=C sort > "$listed"
unlisted=$(find . -type f ! -path ./SHA256SUMS ! -path ./README.md |
    sed 's|^\./||' | LC_ALL=C sort | LC_ALL=C comm -23 - "$listed")
if [ -n "$unlisted" ]; then
	echo "check-vectors: not in SHA256SUMS:" $unlisted >&2
	exit 1
fi
echo "check-vectors: $(wc -l < "$listed") files match SHA256SUMS"
