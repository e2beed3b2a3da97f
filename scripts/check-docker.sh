#!/bin/sh
# make check-docker: build the Dockerfile with podman and run its demo.
#
# No image registry is reachable from where this is developed, so the
# Dockerfile's base image is made here from Debian's own packages: the
# machine's Debian release (/etc/os-release) bootstrapped by mmdebstrap
# from the mirror(s) in the machine's apt sources (no host name is written
# in the repository), then `podman import`ed as $RA_BASE_IMAGE.  With a
# registry, `--build-arg BASE=debian:bookworm` does the same.
#
# Then: build the image (nice -n 10; each stage is the README's steps),
# run it once and check that the demo showed one attested connection and
# one refused.  Environment: RA_BASE_IMAGE, RA_IMAGE, PODMAN_OPTS (e.g.
# --storage-driver vfs), RA_REBUILD_BASE=1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/docker"
mkdir -p "$out"
# shellcheck source=/dev/null
. /etc/os-release
codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
base=${RA_BASE_IMAGE:-localhost/ra-ssh-base:$codename}
image=${RA_IMAGE:-localhost/ra-ssh:latest}
# shellcheck disable=SC2086
pm() { podman ${PODMAN_OPTS:-} "$@"; }
die() { echo "check-docker: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap and podman build)"
for t in mmdebstrap podman; do
	command -v $t >/dev/null || die "$t missing: apt-get install mmdebstrap podman"
done

# The Debian entries of the machine's apt sources (one-line and deb822),
# for this release's suites only, as one-line "deb URI SUITE main".
debian_sources() {
	{
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++;
			if ($i ~ /^\[/ || $i ~ /\]$/) i++; print $i, $(i + 1) }'
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk 'BEGIN { RS = ""; FS = "\n" } {
				t = ""; u = ""; s = ""
				for (i = 1; i <= NF; i++) {
					split($i, kv, ":"); k = tolower(kv[1])
					v = substr($i, length(kv[1]) + 2)
					if (k == "types") t = v; else if (k == "uris") u = v
					else if (k == "suites") s = v
				}
				if (t !~ /(^|[ \t])deb([ \t]|$)/) next
				nu = split(u, us, /[ \t]+/); ns = split(s, ss, /[ \t]+/)
				for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++)
					if (us[a] != "" && ss[b] != "") print us[a], ss[b]
			}' "$f"
		done
	} | awk -v c="$codename" '$2 == c || $2 == c "-updates" || $2 == c "-security" {
		if (!seen[$0]++) print "deb", $1, $2, "main" }'
}

if [ -n "${RA_REBUILD_BASE:-}" ] || ! pm image exists "$base"; then
	debian_sources > "$out/sources.list"
	[ -s "$out/sources.list" ] ||
	    die "no Debian $codename entries in the machine's apt sources"
	echo "check-docker: bootstrapping Debian $codename into $out/base.tar" >&2
	nice -n 10 mmdebstrap --variant=apt --mode=root "$codename" \
	    "$out/base.tar" "$out/sources.list"
	pm import --change 'CMD ["/bin/bash"]' "$out/base.tar" "$base" >&2
	rm -f "$out/base.tar"
fi

# Where podman runs inside another container (cgroup v1+v2 "hybrid",
# rlimits it may not raise), crun refuses every container; runc with the
# cgroupfs manager and the current limits works.  Probe the plain way
# first, so a normal machine uses podman's defaults.
run_opts=""
if ! pm run --rm "$base" true 2>/dev/null; then
	command -v runc >/dev/null ||
	    die "podman run fails here; apt-get install runc for the fallback"
	PODMAN_OPTS="${PODMAN_OPTS:-} --runtime runc --cgroup-manager cgroupfs"
	# shellcheck disable=SC3045  # ulimit -n: dash and bash have it
	run_opts="--ulimit nofile=$(ulimit -n):$(ulimit -n) --ulimit nproc=4096:4096"
	# shellcheck disable=SC2086
	pm run --rm $run_opts "$base" true ||
	    die "podman run fails, also with runc and cgroupfs"
	echo "check-docker: podman with$PODMAN_OPTS $run_opts" >&2
fi

# The build: chroot isolation needs neither cgroups nor an OCI runtime;
# the network is the host's (apt, and fetch-openssh.sh's deb-src).
start=$(date +%s)
# shellcheck disable=SC2086
nice -n 10 podman ${PODMAN_OPTS:-} build --isolation chroot $run_opts \
    --build-arg BASE="$base" --build-arg JOBS="${JOBS:-2}" \
    -t "$image" -f "$top/Dockerfile" "$top" > "$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	die "podman build failed (log: $out/build.log)"
}
echo "check-docker: built $image in $(( $(date +%s) - start )) s," \
    "$(pm image inspect --format '{{.Size}}' "$image") bytes" >&2

rc=0
# shellcheck disable=SC2086
pm run --rm $run_opts "$image" > "$out/demo.log" 2>&1 || rc=$?
sed 's/^/  /' "$out/demo.log" >&2
[ $rc -eq 0 ] || die "the demo exited $rc"
grep -q 'hello from an attested host' "$out/demo.log" ||
    die "no attested connection in the demo's output"
grep -q '^exit status: 0$' "$out/demo.log" ||
    die "the attested connection did not exit 0"
grep -q '^exit status: 255$' "$out/demo.log" ||
    die "the refused connection did not exit 255"
grep -q 'this must not run' "$out/demo.log" &&
    die "the refused connection ran its command"
grep -q '^demo complete$' "$out/demo.log" || die "the demo did not complete"
echo "check-docker: ok (one attested connection, one refused)" >&2
