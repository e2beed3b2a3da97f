# ra-ssh in a container: build from this repository on Debian, ship only
# the installed binaries and their runtime libraries; the default command
# runs the demo (an attested connection on the simulated TEE, and a
# refused one).
#
#   podman build -t ra-ssh .          (or docker build; BASE below)
#   podman run --rm ra-ssh
#
# BASE is any Debian 12 (bookworm) image with apt: debian:bookworm from a
# registry, or one made from Debian's packages by mmdebstrap and
# `podman import` (scripts/check-docker.sh, make check-docker).
ARG BASE=debian:bookworm

# --- build: the README's steps (scripts/install-deps.sh, make install) ---
FROM ${BASE} AS build
ARG JOBS=2
# The unit tests are not shipped; RA_BUILD_TESTS=ON builds them anyway.
ARG RA_BUILD_TESTS=OFF
WORKDIR /src
COPY . /src
# fetch-openssh.sh takes the OpenSSH tarball from Debian's source package
# through this image's own apt sources, as on any Debian machine.
RUN scripts/install-deps.sh
RUN make install JOBS="$JOBS" CMAKE_FLAGS="-DRA_BUILD_TESTS=$RA_BUILD_TESTS" \
        DESTDIR=/stage
# The Debian packages that own the libraries the installed programs load.
RUN for f in /stage/usr/local/bin/* /stage/usr/local/sbin/* \
        /stage/usr/local/libexec/*; do \
        ldd "$f" 2>/dev/null || true; \
    done | awk '$3 ~ /^\// { print $3 }' | sort -u | while read -r lib; do \
        dpkg -S "*/${lib##*/}" | sed 's/: .*//; s/, /\n/g' | sed 's/:.*//'; \
    done | sort -u > /runtime-packages && cat /runtime-packages

# --- runtime: the installed tree, its libraries, the demo ---
FROM ${BASE}
COPY --from=build /runtime-packages /tmp/runtime-packages
# libtss2-tcti-device0: loaded by libtss2-tctildr at run time (dlopen, so
# not in ldd's list) when the azure-vtpm provider opens /dev/tpmrm0.
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages \
        apt-get install -y -q --no-install-recommends libtss2-tcti-device0 \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
COPY --from=build /stage/ /
# sshd's privilege separation user and chroot, its pid directory.
RUN useradd -r -d /nonexistent -s /usr/sbin/nologin sshd \
    && install -d -m 0755 /var/empty /run/ra-ssh
COPY scripts/demo.sh /usr/local/share/ra-ssh/demo.sh
ENV RA_DEMO_PREFIX=/usr/local
CMD ["/usr/local/share/ra-ssh/demo.sh"]
