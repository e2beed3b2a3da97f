# Sourced by the build scripts in this folder (. "$(dirname "$0")/common.sh"):
# strict mode, $top (the checkout), $build, the OpenSSH version from
# openssh/UPSTREAM, $jobs (JOBS, default 2) and die(), which names the
# script that sourced it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
. "$top/openssh/UPSTREAM"
jobs=${JOBS:-2}
die() { echo "$(basename "$0" .sh): $*" >&2; exit 1; }
