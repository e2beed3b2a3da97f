#!/bin/sh
# Install the Debian packages the build, tests and demo need.  As root
# this runs apt-get; otherwise it prints the exact command to run.
set -eu
# autoconf and automake: configure is regenerated from the patched
# configure.ac (autoreconf runs aclocal, which automake ships).
pkgs="build-essential pkg-config cmake ccache rsync patch autoconf automake ca-certificates
    libssl-dev zlib1g-dev libjansson-dev libcurl4-openssl-dev libgtest-dev libcpp-httplib-dev
    openssh-client openssh-server git procps python3 python3-paramiko
    libtss2-dev swtpm tpm2-tools systemd"
# systemd: systemd-analyze verify checks contrib's unit (regress/t-contrib.sh).
# --ship: make check-install and make deb / check-deb (man, lintian).
[ "${1:-}" = "--ship" ] && pkgs="$pkgs man-db lintian dpkg-dev"
[ "${1:-}" = "--fuzz" ] && pkgs="$pkgs clang libclang-rt-14-dev"
[ "${1:-}" = "--bench" ] && pkgs="$pkgs hyperfine"
# --docker: make check-docker (base image bootstrap, podman; runc where
# crun cannot run containers, see scripts/check-docker.sh).
[ "${1:-}" = "--docker" ] && pkgs="$pkgs mmdebstrap podman runc"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Missing packages. Run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
