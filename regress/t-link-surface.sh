#!/bin/bash
# Least library surface (issue 14, finding 4): the pre-auth sshd-auth and
# every program that neither attests nor verifies link none of the
# attestation code and none of its libraries.  Checked on the build tree's
# unstripped binaries: shared libraries with ldd, code with nm against the
# symbols the attestation library and the ra_ssh objects define.  When the
# unpatched build of make check-upstream is there, each of these programs'
# ldd list must also be exactly the unpatched one's.  ssh, sshd and
# sshd-session link the attestation code but not libcurl or tpm2-tss:
# fetches and the tpm2-tss providers run in libexec/ssh-attest-helper.
. "$(dirname "$0")/lib.sh"
src="$top/build/openssh/src"
up="$top/build/openssh-upstream/src"
lib_a="$top/build/lib/libra_attest.a"
quiet=(scp sftp ssh-keygen ssh-keyscan ssh-add ssh-agent sftp-server
    ssh-keysign ssh-pkcs11-helper ssh-sk-helper sshd-auth)

for b in "${quiet[@]}" ssh sshd-session; do
	[ -x "$src/$b" ] || { echo "missing $src/$b: run make first" >&2; exit 1; }
done
[ -f "$lib_a" ] || { echo "missing $lib_a: run make first" >&2; exit 1; }

# Global symbols the attestation code defines: the library and the
# ra_ssh objects that call it.  ra_ssh_conf.o (config syntax only), and
# ra_ssh_wire.o / ra_ssh_service.o (the server's message codec and its
# packet side) are not attestation code: servconf.o needs the first in
# every sshd program, and the pre-auth child relays with the others.
nm --defined-only -g "$lib_a" 2>/dev/null | awk 'NF == 3 {print $3}' |
    sort -u > "$T/ra_syms"
for o in ra_ssh.o ra_ssh_msg.o ra_ssh_client.o ra_ssh_server.o; do
	[ -f "$src/$o" ] || { echo "missing $src/$o" >&2; exit 1; }
	nm --defined-only -g "$src/$o" | awk 'NF == 3 {print $3}'
done | sort -u >> "$T/ra_syms"
sort -u -o "$T/ra_syms" "$T/ra_syms"
[ "$(wc -l < "$T/ra_syms")" -gt 100 ] ||
    { echo "too few attestation symbols: $(wc -l < "$T/ra_syms")" >&2; exit 1; }

libs() { ldd "$1" | awk '{print $1}' | sort; }
attest_code() {	# binary: attestation symbols it defines
	nm --defined-only "$1" | awk 'NF == 3 {print $3}' | sort -u |
	    comm -12 - "$T/ra_syms"
}

for b in "${quiet[@]}"; do
	bad=$(libs "$src/$b" | grep -E 'libcurl|libtss2|libstdc\+\+|libjansson' |
	    tr '\n' ' ')
	expect_eq "$b loads no attestation library" "$bad" ""
	code=$(attest_code "$src/$b" | head -5 | tr '\n' ' ')
	expect_eq "$b links no attestation code" "$code" ""
	if [ -x "$up/$b" ]; then
		expect_eq "$b loads what unpatched $b loads" \
		    "$(libs "$src/$b" | tr '\n' ' ')" "$(libs "$up/$b" | tr '\n' ' ')"
	fi
done
[ -x "$up/sshd-auth" ] ||
    echo "  note: no unpatched build in $up (make check-upstream builds it);" \
	"compared by library name only"

# The check sees attestation code where it is: the programs that use it.
for b in ssh sshd-session; do
	n=$(attest_code "$src/$b" | wc -l)
	[ "$n" -gt 50 ] && ok "$b links the attestation code ($n symbols)" ||
	    fail "$b links only $n attestation symbols"
done
expect_grep "sshd-session has the service" ra_monitor_collect \
    <(nm --defined-only "$src/sshd-session")

# What verification and the wire need, and no more: no libcurl, no
# tpm2-tss (libtss2-mu is dlopen'ed only to parse a TPM quote), in the
# shared libraries or as undefined symbols.
helper="$top/build/prefix/libexec/ssh-attest-helper"
for b in ssh sshd sshd-session; do
	bad=$(libs "$src/$b" | grep -E 'libcurl|libtss2' | tr '\n' ' ')
	expect_eq "$b loads no libcurl or tpm2-tss" "$bad" ""
	bad=$(nm -D --undefined-only "$src/$b" | awk '{print $2}' |
	    grep -E '^(curl_|Tss2_|Esys_)' | head -3 | tr '\n' ' ')
	expect_eq "$b calls no libcurl or tpm2-tss function" "$bad" ""
	expect_grep "$b runs the staged helper" "^$helper\$" <(strings "$src/$b")
	echo "  ldd: $b $(libs "$src/$b" | wc -l)" \
	    "(unpatched: $( [ -x "$up/$b" ] && libs "$up/$b" | wc -l || echo '?'))"
done
# The code is where it went: the helper has libcurl and tpm2-tss.
[ -x "$helper" ] || { fail "no $helper"; finish; }
expect_grep "the helper loads libcurl" 'libcurl' <(libs "$helper")
expect_grep "the helper loads tpm2-tss" 'libtss2-esys' <(libs "$helper")
finish
