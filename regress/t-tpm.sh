#!/bin/bash
# AttestationProvider tpm end to end on swtpm (a real TPM2_Quote over the
# session binding, an AK made by `ssh-attest tpm-init`), verified by ssh as
# kind tpm-quote with the AK pinned (TpmAk): accepted with the right PCR
# pin; refused with a wrong PCR pin, with another AK pinned, and with no
# AK trusted at all.
. "$(dirname "$0")/lib.sh"
command -v swtpm > /dev/null || { echo "swtpm not installed (scripts/install-deps.sh)" >&2; exit 1; }

base=$(/usr/bin/python3 "$top/regress/azure/free_ports.py" 2)
[ -n "$base" ] || { echo "no free ports" >&2; exit 1; }
mkdir "$T/tpm"
swtpm socket --tpm2 --server type=tcp,port=$base --ctrl type=tcp,port=$((base + 1)) \
    --tpmstate dir="$T/tpm" --flags not-need-init,startup-clear \
    --log file="$T/swtpm.log" > /dev/null 2>&1 &
PIDS="$PIDS $!"
TCTI="swtpm:host=127.0.0.1,port=$base"
# swtpm takes a moment to listen; tpm-init is the first client.
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$SSH_ATTEST" tpm-init --tcti "$TCTI" --out "$T/ak" > "$T/ak.pem" 2> "$T/ak.err" && break
	sleep 0.5
done
[ -s "$T/ak.pem" ] || { echo "tpm-init failed: $(cat "$T/ak.err")" >&2; exit 1; }
"$SSH_ATTEST" tpm-init --tcti "$TCTI" --out "$T/ak2" > "$T/ak2.pem" ||
    { echo "second tpm-init failed" >&2; exit 1; }
expect_grep "tpm-init printed a PEM key" "BEGIN PUBLIC KEY" "$T/ak.pem"

start_sshd tpm "$SSHD" "AttestationProvider tpm;tcti=$TCTI;ak=$T/ak;eventlog=none;ima=none"
write_ssh_config tpm

# swtpm after TPM2_Startup(CLEAR): PCR 0 is all zeros.
zeros=$(printf '0%.0s' $(seq 64))
ones=$(printf '1%.0s' $(seq 64))
printf 'AcceptEvidence tpm-quote\nTpmAk %s\nPCR0 sha256:%s\n' "$T/ak.pem" "$zeros" > "$T/p-good"
printf 'AcceptEvidence tpm-quote\nTpmAk %s\nPCR0 sha256:%s\n' "$T/ak.pem" "$ones" > "$T/p-wrongpcr"
printf 'AcceptEvidence tpm-quote\nTpmAk %s\n' "$T/ak2.pem" > "$T/p-otherak"
printf 'AcceptEvidence tpm-quote\n' > "$T/p-noak"
A() { echo "-o AttestationRequired=yes -o AttestationPolicy=$T/p-$1"; }

echo "tpm quote with the pinned AK and PCR pin"
run_ssh g $(A good) -o LogLevel=VERBOSE tpm echo via-tpm
expect_eq "exit 0" "$(rc_of g)" 0
expect_eq "output" "$(cat "$T/g.out")" "via-tpm"
expect_grep "verified as tpm-quote" "tpm-quote verified: ak=pinned" "$T/g.err"
# A tpm2-tss provider runs in libexec/ssh-attest-helper, which sshd-session
# starts as the connection starts (the library's table says so:
# ra_provider_uses_helper; openssh/src names no provider).
expect_grep "helper started ahead" "attestation helper started ahead" "$T/sshd_tpm.log"
expect_grep "the production took it" "production takes the helper started ahead" "$T/sshd_tpm.log"

# refused NAME POLICY PATTERN: exit 255, reason named, command not run.
refused() {
	local n=$1 pol=$2 pat=$3
	echo "$n"
	rm -f "$T/ran"
	run_ssh "$n" $(A "$pol") tpm touch "$T/ran"
	expect_eq "$n: exit 255" "$(rc_of "$n")" 255
	expect_grep "$n: reason" "$pat" "$T/$n.err"
	[ -e "$T/ran" ] && fail "$n: command ran" || ok "$n: command did not run"
	sshd_alive tpm && ok "$n: sshd alive" || fail "$n: sshd died"
}
refused wrong-pcr wrongpcr "tpm policy.*PCR 0 (sha256)"
refused other-ak otherak "tpm quote signature"
refused no-ak noak "no trusted attestation key"

echo "sshd keeps serving after the refusals"
run_ssh again $(A good) tpm echo again
expect_eq "exit 0" "$(rc_of again)" 0
finish
