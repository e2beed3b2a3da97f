#!/bin/bash
# The README's runnable ssh-attest example (between the readme-example
# markers) works as written: each "$ " line runs in one shell, in order,
# with the staged ssh-attest first on PATH, and succeeds.
. "$(dirname "$0")/lib.sh"

sed -n '/^<!-- readme-example -->$/,/^<!-- \/readme-example -->$/p' "$top/README.md" |
    sed -n 's/^    \$ //p' > "$T/example.sh"
n=$(wc -l < "$T/example.sh")
[ "$n" -ge 5 ] && ok "README example found ($n lines)" || fail "README example: $n lines"

# One shell for all lines (they share $d and $rd); stop at the first
# failure and say which line it was.
{
	echo 'set -o pipefail'
	i=0
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s || { echo "README example line %d failed: %s" >&2; exit 1; }\n' \
		    "$line" "$i" "${line//\"/\\\"}"
	done < "$T/example.sh"
	echo 'echo "$d" > '"$T/dir"
} > "$T/run.sh"
PATH="$P/bin:$PATH" bash "$T/run.sh" > "$T/out" 2> "$T/err"
expect_eq "every README example line succeeds" "$?:$(cat "$T/err")" "0:"
expect_grep "verify printed its verdict" "^verified tdx-quote" "$T/out"
d=$(cat "$T/dir" 2>/dev/null)
[ -n "$d" ] && [ -s "$d/ev-fields.json" ] && ok "inspect wrote the fields" ||
    fail "inspect output missing"

# The check can fail: the same lines with a policy for another root refuse.
if [ -n "$d" ]; then
	"$SSH_ATTEST" sim-init "$T/other" > "$T/other-policy"
	"$SSH_ATTEST" verify "$d/ev.json" --policy "$T/other-policy" > /dev/null 2> "$T/neg.err"
	expect_eq "another root's policy refuses the README's evidence" "$?" 1
	rm -rf "$d"
fi
finish
