# ra-ssh: OpenSSH with remote attestation.
#
#   make          build the library, ssh-attest and the patched OpenSSH
#                 (staged in build/prefix)
#   make demo     an attested connection on the simulated TEE, and a refused one
#   make check    unit tests + end-to-end tests (regress/)
#
BUILD   := $(CURDIR)/build
PREFIX  := $(BUILD)/prefix
JOBS    ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps lib openssh check check-unit check-e2e demo clean regen-patches

all: openssh

deps:
	@scripts/install-deps.sh

lib: deps
	@mkdir -p $(BUILD)
	@cmake -S lib -B $(BUILD)/lib -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    $$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) \
	    $(CMAKE_FLAGS) > $(BUILD)/cmake.log 2>&1 || { cat $(BUILD)/cmake.log; exit 1; }
	@cmake --build $(BUILD)/lib -j $(JOBS)

openssh: lib
	@JOBS=$(JOBS) scripts/build-openssh.sh

check: all check-unit check-e2e

check-unit: lib
	cd $(BUILD)/lib && ctest --output-on-failure -j $(JOBS)

check-e2e: openssh
	regress/run.sh

demo: all
	@scripts/demo.sh

regen-patches:
	scripts/regen-patches.sh

clean:
	rm -rf $(BUILD)
