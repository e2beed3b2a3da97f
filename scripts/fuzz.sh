#!/bin/sh
# Build the libFuzzer targets and run each for FUZZ_SECONDS (make fuzz).
#
#   library targets   lib/fuzz/*_fuzzer.cpp  (every one, unless FUZZ_TARGETS
#                     names some)
#   OpenSSH side      fuzz/*_fuzzer.c        (ra_ssh_msg: the 248/249 codecs)
#
# The library is built with clang in build/fuzz/lib, instrumented with
# -fsanitize=fuzzer-no-link,address,undefined so coverage reaches the
# parsers; the fuzzers link with -fsanitize=fuzzer,address,undefined.  The
# OpenSSH-side fuzzer compiles ra_ssh_msg.c, ra_ssh_wire.c and the sshbuf
# code from the generated tree build/openssh/src with clang too (built
# first if missing) and takes the rest from its gcc-built libssh.a /
# libopenbsd-compat.a.
#
# Seeds are generated into build/fuzz/seeds (fuzz/gen_seeds.py: shared TDX
# vectors, fresh sim quotes, example policies, signed-token layouts, the
# Azure HCL report and runtime JSON, encoded 248/249 messages;
# fuzz/gen_tpm_seeds.py: TPM quotes, event logs, CCEL, IMA lists, PCRs,
# azure-vtpm's HCL cache file;
# fuzz/gen_helper_seeds.py: ssh-attest-helper requests and answers);
# committed regression inputs in fuzz/regress/TARGET are replayed too.  The
# growing corpus lives in build/fuzz/corpus/TARGET, crashers are saved
# under build/fuzz/crashes/.
#
# Environment:
#   FUZZ_SECONDS   per target (default 60)
#   FUZZ_TARGETS   space-separated subset (default: all)
#   FUZZ_RUNS      run each target for this many executions instead
#   FUZZ_BUILD_ONLY=1  build and seed, run nothing
#   FUZZ_NICE      nice level for the fuzzers (default 10)
# Exit status: non-zero if any target crashed (or did not build).
. "$(dirname "$0")/common.sh"
fz="$build/fuzz"
tree="$build/openssh/src"
vectors="${RA_VECTORS_DIR:-$top/tests/vectors}"
seconds=${FUZZ_SECONDS:-60}

command -v clang >/dev/null && command -v clang++ >/dev/null ||
    die "clang not found (scripts/install-deps.sh --fuzz)"

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$fz"

# ---- the library and its fuzzers ----
cmake -S "$top/lib" -B "$fz/lib" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link $san" \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $san" \
    -DRA_BUILD_FUZZERS=ON -DRA_BUILD_TESTS=OFF -DRA_WERROR=OFF \
    -DRA_VECTORS_DIR="$vectors" > "$fz/cmake.log" 2>&1 ||
    { cat "$fz/cmake.log" >&2; die "cmake failed"; }
cmake --build "$fz/lib" -j "$jobs" > "$fz/build.log" 2>&1 ||
    { grep -E 'error|\*\*\*' "$fz/build.log" | head -30 >&2; die "library build failed ($fz/build.log)"; }
nwarn=$(grep -c 'warning:' "$fz/build.log" || true)
[ "$nwarn" -eq 0 ] || echo "fuzz: clang: $nwarn warnings (see $fz/build.log)" >&2

# ---- the OpenSSH-side fuzzers ----
if [ ! -f "$tree/config.h" ] || [ ! -f "$tree/libssh.a" ]; then
	echo "fuzz: building the patched OpenSSH tree first" >&2
	make -C "$top" openssh JOBS="$jobs" >&2
fi
obj="$fz/openssh"
mkdir -p "$obj"
: > "$obj/build.log"
cppflags="-I$tree -I$tree/openbsd-compat -I$top/lib/include
    -D_XOPEN_SOURCE=600 -D_BSD_SOURCE -D_DEFAULT_SOURCE -D_GNU_SOURCE
    -DOPENSSL_API_COMPAT=0x10100000L -DHAVE_CONFIG_H"
cflags="-g -O1 -fno-omit-frame-pointer -Wall -Wno-pointer-sign $san"
objs=""
for f in ra_ssh_msg.c ra_ssh_wire.c sshbuf.c sshbuf-getput-basic.c sshbuf-misc.c ssherr.c; do
	o="$obj/${f%.c}.o"
	# shellcheck disable=SC2086
	clang $cppflags $cflags -fsanitize=fuzzer-no-link -c "$tree/$f" -o "$o" \
	    2>> "$obj/build.log" || die "compiling $f failed ($obj/build.log)"
	objs="$objs $o"
done
for src in "$top"/fuzz/*_fuzzer.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086
	clang $cppflags $cflags -fsanitize=fuzzer -c "$src" -o "$obj/$name.o" \
	    2>> "$obj/build.log" || die "compiling $name failed ($obj/build.log)"
	# Linked by clang++: the library is C++ (UBSan's C++ runtime, libstdc++).
	# shellcheck disable=SC2086
	clang++ $san -fsanitize=fuzzer -o "$obj/$name" "$obj/$name.o" $objs \
	    "$tree/libssh.a" "$tree/openbsd-compat/libopenbsd-compat.a" \
	    $(cat "$fz/lib/ra_attest.libs") 2>> "$obj/build.log" ||
	    die "building $name failed ($obj/build.log)"
done

# ---- seeds ----
work="$fz/work"		# fuzzers run here: policies may name sim/ and collateral
# The sim root is kept across runs, so the corpus's sim quotes stay genuine.
rm -rf "$fz/seeds"
mkdir -p "$work"
[ -d "$work/sim" ] || "$fz/lib/ssh-attest" sim-init "$work/sim" > /dev/null
[ -d "$vectors/tdx/collateral" ] && ln -sfn "$vectors/tdx/collateral" "$work/collateral"
python3 "$top/fuzz/gen_seeds.py" "$fz/seeds" "$fz/lib/ssh-attest" \
    "$work/sim" "$vectors"
python3 "$top/fuzz/gen_tpm_seeds.py" "$fz/seeds" "$vectors"
python3 "$top/fuzz/gen_helper_seeds.py" "$fz/seeds"

[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && { echo "fuzz: built in $fz" >&2; exit 0; }

# ---- run ----
# Every fuzzer by default: a new one runs without being listed here.
all_targets() {
	for f in "$top"/lib/fuzz/*_fuzzer.cpp "$top"/fuzz/*_fuzzer.c; do
		f=${f##*/}; printf '%s ' "${f%.*}"
	done
}
targets=${FUZZ_TARGETS:-$(all_targets)}
mkdir -p "$fz/crashes" "$fz/logs"
failed=""
summary=""
for t in $targets; do
	if [ -x "$fz/lib/$t" ]; then bin="$fz/lib/$t"
	elif [ -x "$obj/$t" ]; then bin="$obj/$t"
	else die "no fuzzer $t"; fi
	mkdir -p "$fz/corpus/$t" "$fz/seeds/$t"
	set -- "$fz/corpus/$t" "$fz/seeds/$t"
	[ -d "$top/fuzz/regress/$t" ] && set -- "$@" "$top/fuzz/regress/$t"
	extra=""
	[ "$t" = policy_fuzzer ] && extra="-dict=$fz/seeds/policy.dict"
	if [ -n "${FUZZ_RUNS:-}" ]; then limit="-runs=$FUZZ_RUNS"
	else limit="-max_total_time=$seconds"; fi
	log="$fz/logs/$t.log"
	echo "fuzz: $t ($limit)" >&2
	rc=0
	# shellcheck disable=SC2086
	(cd "$work" && RA_FUZZ_SIM_DIR="$work/sim" \
	    RA_FUZZ_COLLATERAL="$work/collateral" RA_FUZZ_MAA="$vectors/maa" \
	    nice -n "${FUZZ_NICE:-10}" "$bin" $limit -timeout=20 \
	    -rss_limit_mb=4096 -print_final_stats=1 $extra \
	    -artifact_prefix="$fz/crashes/$t-" "$@") > "$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1 |
	    sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1 ft \2/p')
	if [ "$rc" -ne 0 ]; then
		failed="$failed $t"
		echo "fuzz: $t FAILED (exit $rc), see $log:" >&2
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -10 >&2
	fi
	summary="$summary$(printf '%-20s %12s execs  %s%s' "$t" "${execs:-?}" "$cov" \
	    "$([ "$rc" -ne 0 ] && echo '  CRASH')")
"
done
printf '%s' "$summary"
[ -z "$failed" ] || die "crashed:$failed (crashers in $fz/crashes)"
