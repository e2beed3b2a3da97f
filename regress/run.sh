#!/bin/bash
# Runs every regress/t-*.sh (or those named) and prints a summary line.
cd "$(dirname "$0")" || exit 1
pass=0 failed=0 failed_names=""
tests=("$@")
# Tests marked "# regress: opt-in" (a second OpenSSH build, a package
# installed on the machine) run only when named: make check-install,
# make check-deb.
if [ ${#tests[@]} -eq 0 ]; then
	for t in t-*.sh; do
		grep -q '^# regress: opt-in' "$t" || tests+=("$t")
	done
fi
for t in "${tests[@]}"; do
	echo "== $t"
	if timeout 600 bash "$t"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1)); failed_names="$failed_names $t"
	fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "regress: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
