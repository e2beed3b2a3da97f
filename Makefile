# ra-ssh: OpenSSH with remote attestation.
#
#   make          build the library, ssh-attest and the patched OpenSSH
#                 (staged in build/prefix)
#   make demo     an attested connection on the simulated TEE, and a refused one
#   make check    unit tests + end-to-end tests (regress/) + a stable subset
#                 of OpenSSH's own regress tests (check-upstream-ci)
#   make bench    side-by-side measurements, attested vs plain (bench/)
#   make fuzz     build the libFuzzer targets and run each for FUZZ_SECONDS
#   make check-upstream  OpenSSH's own regress tests on the patched build
#   make install  PREFIX (/usr/local), SYSCONFDIR (PREFIX/etc), DESTDIR,
#                 PRIVSEP_PATH (/var/empty), PIDDIR (/run/ra-ssh):
#                 ssh, sshd & co., ssh-attest, man pages, examples
#                 (its own OpenSSH build, configured for those paths)
#   make check-install  install into a scratch DESTDIR and run it there
#   make deb      build/deb/ra-ssh_*.deb (/opt/ra-ssh, /etc/ra-ssh)
#   make check-deb  install that package here, connect with it, purge it
#
BUILD   := $(CURDIR)/build
# The tests' staged build; make install has its own (scripts/install.sh).
STAGE   := $(BUILD)/prefix
PREFIX     ?= /usr/local
SYSCONFDIR ?= $(PREFIX)/etc
PRIVSEP_PATH ?= /var/empty
PIDDIR     ?= /run/ra-ssh
DESTDIR    ?=
JOBS    ?= 2
CMAKE_FLAGS ?=

FUZZ_SECONDS ?= 60

# OpenSSH's own tests that make check runs, patched vs unpatched: the
# session, transfer, forwarding and config paths our patches sit next to,
# each quick and not timing-prone (about 7 min on 2 cores).  make
# check-upstream runs the larger subset, CHECK_UPSTREAM_ALL=1 all of them.
UPSTREAM_CI_TESTS ?= connect-privsep exit-status transfer stderr-data scp \
	sftp-cmds forwarding sshcfgparse cfgparse

.PHONY: all deps lib openssh check check-unit check-e2e demo clean regen-patches \
	bench fuzz check-upstream check-upstream-ci install check-install deb check-deb

all: openssh

deps:
	@scripts/install-deps.sh

# One library build at a time in a tree (make check and make bench from
# two shells would otherwise write the same objects at once).
lib: deps
	@mkdir -p $(BUILD)
	@exec 9> $(BUILD)/.lib.lock && flock 9 && \
	cmake -S lib -B $(BUILD)/lib -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    $$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) \
	    $(CMAKE_FLAGS) > $(BUILD)/cmake.log 2>&1 || { cat $(BUILD)/cmake.log; exit 1; }; \
	cmake --build $(BUILD)/lib -j $(JOBS)

openssh: lib
	@JOBS=$(JOBS) scripts/build-openssh.sh

check: all check-unit check-e2e check-upstream-ci

check-unit: lib
	cd $(BUILD)/lib && ctest --output-on-failure -j $(JOBS)

check-e2e: openssh
	regress/run.sh

demo: all
	@scripts/demo.sh

bench: all
	bench/run.sh

fuzz: deps
	@scripts/install-deps.sh --fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

check-upstream: all
	scripts/check-upstream.sh

check-upstream-ci: all
	CHECK_UPSTREAM_TESTS="$(UPSTREAM_CI_TESTS)" scripts/check-upstream.sh

install: lib
	@PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" DESTDIR="$(DESTDIR)" \
	    PRIVSEP_PATH="$(PRIVSEP_PATH)" PIDDIR="$(PIDDIR)" JOBS=$(JOBS) \
	    scripts/install.sh

check-install: all
	@scripts/install-deps.sh --ship
	regress/run.sh t-install.sh

# A .deb under its own names (/opt/ra-ssh, /etc/ra-ssh, ra-ssh-sshd),
# beside Debian's openssh packages; check-deb installs it on this machine,
# connects with it and purges it.
deb: lib
	@scripts/install-deps.sh --ship
	@JOBS=$(JOBS) scripts/make-deb.sh

check-deb: all
	@scripts/install-deps.sh --ship
	regress/run.sh t-deb.sh

regen-patches:
	scripts/regen-patches.sh

clean:
	rm -rf $(BUILD)
