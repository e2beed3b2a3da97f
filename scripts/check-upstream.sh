#!/bin/sh
# OpenSSH's own regress tests (the t-exec set) on the patched build, checked
# against an unpatched build of the same release (make check-upstream).
#
# Every test that passes on the unpatched build must pass on the patched
# one; a test that fails on both is reported but is not our regression.
# Each test runs on its own (`make t-exec LTESTS=NAME`), unpatched first,
# so one failure does not hide the rest; a failing test is retried once.
#
#   patched    build/openssh/src           (make openssh; used as it is)
#   unpatched  build/openssh-upstream/src  (built here from the same
#              tarball, configured the same way minus our library)
#
# By default a stable subset runs (< 15 min on 2 cores);
# CHECK_UPSTREAM_ALL=1 runs every test in regress/Makefile's LTESTS, and
# CHECK_UPSTREAM_TESTS="a b c" runs exactly those.  Logs per test and
# build: build/check-upstream/{upstream,patched}/NAME.log.
#
# As root (CI): SUDO is emptied, so upstream's tests run sshd directly; the
# privilege-separation directory is build/empty (root-owned, mode 0755).
. "$(dirname "$0")/common.sh"
patched="$build/openssh/src"
updir="$build/openssh-upstream"
upstream="$updir/src"
out="$build/check-upstream"
per_test_timeout=${CHECK_UPSTREAM_TIMEOUT:-900}

[ -x "$patched/ssh" ] && [ -x "$patched/sshd" ] ||
    die "no patched build in $patched (make openssh)"

# The subset: the session, transfer, forwarding, config and key paths the
# ra-ssh patches sit next to; each test here is quick and not timing-prone.
# Left to CHECK_UPSTREAM_ALL: rekey/dhgex/try-ciphers/integrity (long
# matrices), the agent and keygen families (untouched by the patches), and
# sftp's put/get matrix (-B 5: ~10 min per build on a loaded 2-core box;
# the sftp-* tests below cover the same server paths).
subset="connect proxy-connect connect-privsep connect-uri proto-version
    proto-mismatch exit-status envpass transfer banner stderr-data
    stderr-after-eof broken-pipe yes-head keyscan key-options scp scp3
    scp-uri sftp-cmds sftp-badcmds sftp-batch sftp-glob sftp-perm
    sftp-uri dynamic-forward forwarding multiplex reexec sshcfgparse
    cfgparse cfgmatch cfgmatchlisten percent addrmatch localcommand
    forcecommand portnum host-expand keys-command forward-control
    allow-deny-users authinfo knownhosts channel-timeout match-subsystem
    cert-hostkey cert-userkey"

# ---- the unpatched build ----
tarball=$("$top/scripts/fetch-openssh.sh" "$build/dl")
conf_args="--prefix=$updir/prefix --sysconfdir=$updir/prefix/etc
    --with-privsep-path=$build/empty --with-pid-dir=$build/run
    --without-zlib-version-check"
key=$(printf '%s\n%s\n' "$conf_args" "$(sha256sum < "$tarball")" | sha256sum)
if [ "$(cat "$updir/.built" 2>/dev/null)" != "$key" ]; then
	echo "check-upstream: building unpatched $OPENSSH_VERSION in $upstream" >&2
	rm -rf "$updir"
	mkdir -p "$updir/stage"
	tar xzf "$tarball" -C "$updir/stage"
	mv "$updir/stage/openssh-$OPENSSH_VERSION" "$upstream"
	rmdir "$updir/stage"
	# shellcheck disable=SC2086
	(cd "$upstream" &&
	    CC="${CC:-$(command -v ccache >/dev/null && echo 'ccache cc' || echo cc)}" \
	    ./configure $conf_args > "$updir/configure.log" 2>&1) ||
	    { tail -20 "$updir/configure.log" >&2; die "configure failed"; }
	make -C "$upstream" -j"$jobs" > "$updir/make.log" 2>&1 ||
	    { tail -20 "$updir/make.log" >&2; die "make failed ($updir/make.log)"; }
	echo "$key" > "$updir/.built"
fi

# ---- what to run ----
if [ -n "${CHECK_UPSTREAM_TESTS:-}" ]; then
	tests=$CHECK_UPSTREAM_TESTS
elif [ "${CHECK_UPSTREAM_ALL:-0}" = 1 ]; then
	# LTESTS= and its backslash-continued lines in the release's Makefile.
	tests=$(awk '/^LTESTS=/ { on = 1 } on { more = /\\$/; sub(/^LTESTS=/, "");
	    gsub(/\\/, ""); printf "%s ", $0; if (!more) exit }' \
	    "$upstream/regress/Makefile")
else
	tests=$subset
fi

# Root: run sshd directly, privsep dir root-owned and not writable by others.
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$build/empty" "$build/run"
	chown root:root "$build/empty"
	chmod 0755 "$build/empty"
	id sshd >/dev/null 2>&1 || die "no sshd user for privilege separation"
fi

# The regress binaries (netcat, modpipe, ...) once per tree, outside timing.
for tree in "$upstream" "$patched"; do
	make -C "$tree" -j"$jobs" regress-prep regress-binaries \
	    > "$out.prep.log" 2>&1 || { mkdir -p "$out"; tail -20 "$out.prep.log" >&2;
	    die "regress binaries failed in $tree"; }
done

rm -rf "$out"
mkdir -p "$out/upstream" "$out/patched"
mv "$out.prep.log" "$out/prep.log"

run_one() {	# tree name logdir: prints pass, skip or FAIL
	rc=0
	timeout -k 10 "$per_test_timeout" \
	    make -C "$1" t-exec LTESTS="$2" SKIP_LTESTS= SUDO= \
	    > "$3/$2.log" 2>&1 < /dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then echo FAIL
	# A test that skips itself ("SKIPPED: ...") passes make; say so.
	elif grep -q '^SKIPPED' "$3/$2.log"; then echo skip
	else echo pass; fi
}

start=$(date +%s)
regressions=""
# run_retry TREE TEST OUTDIR: run_one with one retry on failure: a few
# tests are timing-sensitive on a loaded machine; a test that passes on
# retry is marked "flaky" (the first log kept as TEST.1.log).
run_retry() {
	local r
	r=$(run_one "$1" "$2" "$3")
	if [ "$r" = FAIL ]; then
		mv "$3/$2.log" "$3/$2.1.log"
		r=$(run_one "$1" "$2" "$3")
		[ "$r" = FAIL ] || r=flaky
	fi
	echo "$r"
}

both_fail=""
only_patched_pass=""
n=0
printf '%-24s %-10s %-10s %s\n' test unpatched patched seconds > "$out/results"
for t in $tests; do
	n=$((n + 1))
	t0=$(date +%s)
	u=$(run_retry "$upstream" "$t" "$out/upstream")
	t1=$(date +%s)
	p=$(run_retry "$patched" "$t" "$out/patched")
	t2=$(date +%s)
	line=$(printf '%-24s %-10s %-10s %s+%s' "$t" "$u" "$p" $((t1 - t0)) $((t2 - t1)))
	echo "$line" >> "$out/results"
	echo "check-upstream: $line" >&2
	case "$u/$p" in
	pass/FAIL|skip/FAIL|flaky/FAIL) regressions="$regressions $t" ;;
	FAIL/FAIL) both_fail="$both_fail $t" ;;
	FAIL/pass) only_patched_pass="$only_patched_pass $t" ;;
	esac
done
elapsed=$(($(date +%s) - start))
{
	echo "check-upstream: $n tests in ${elapsed}s (both builds)"
	[ -z "$both_fail" ] || echo "check-upstream: fail on both builds (not ours):$both_fail"
	[ -z "$only_patched_pass" ] || echo "check-upstream: fail unpatched only:$only_patched_pass"
} | tee -a "$out/results" >&2
if [ -n "$regressions" ]; then
	for t in $regressions; do
		echo "--- $t (patched) ---" >&2
		tail -15 "$out/patched/$t.log" >&2
	done
	die "pass unpatched, FAIL patched:$regressions (logs in $out/patched)"
fi
echo "check-upstream: no regressions against unpatched $OPENSSH_VERSION" >&2
