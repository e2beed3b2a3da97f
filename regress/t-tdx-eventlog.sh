#!/bin/bash
# RTMR event logs end to end: a sim TD with a CCEL log (sim-init
# --eventlog) sends it as a tdx-eventlog item beside its quote; ssh
# replays it into RTMR0-3, accepts a policy whose RtmrEvent pins are in
# it, refuses one whose pin is not, refuses a tampered log naming the
# RTMR, and refuses a server without a log when the policy requires one.
# ssh-attest eventlog prints the same log and its RTMRs.
. "$(dirname "$0")/lib.sh"

make_sim sim --eventlog --kernel vmlinuz-6.8
start_sshd a "$SSHD" "AttestationProvider sim:$T/sim"
write_ssh_config a
sha384() { printf %s "$1" | sha384sum | cut -c1-96; }
kernel=$(sha384 "ra-ssh sim kernel vmlinuz-6.8")
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"
{ cat "$T/policy"; echo "RtmrEvent 1 $kernel"; } > "$T/policy-pin"
{ cat "$T/policy"; echo "RtmrEvent 1 $(sha384 "ra-ssh sim kernel vmlinuz-6.9")"; } > "$T/policy-other"
{ cat "$T/policy"; echo "RtmrEventLog required"; } > "$T/policy-required"
A="-o AttestationRequired=yes"

echo "ssh-attest eventlog shows the log and td.conf's RTMRs"
"$SSH_ATTEST" eventlog --text --ccel "$T/sim/acpi/CCEL" "$T/sim/acpi/data/CCEL" > "$T/ev.out" 2> "$T/ev.err"
expect_eq "exit 0" "$?" 0
expect_grep "kernel event in RTMR1" '^#[0-9]* RTMR1 EV_IPL$' "$T/ev.out"
expect_grep "its digest" "sha384:$kernel" "$T/ev.out"
expect_grep "its text" '"ra-ssh sim kernel vmlinuz-6.8"' "$T/ev.out"
for i in 0 1 2 3; do
	expect_grep "RTMR$i as in td.conf" \
	    "^  RTMR$i sha384:$(sed -n "s/^rtmr$i //p" "$T/sim/td.conf")\$" "$T/ev.out"
done
[ -s "$T/ev.err" ] && fail "stderr: $(cat "$T/ev.err")" || ok "nothing on stderr"

echo "ssh-attest quote, inspect and verify carry the log"
rd=$(printf '%0128d' 0)
"$SSH_ATTEST" quote --provider "sim:$T/sim" --report-data "$rd" -o "$T/ev.json"
expect_eq "quote exit 0" "$?" 0
"$SSH_ATTEST" inspect "$T/ev.json" > "$T/inspect.out"
expect_grep "inspect decodes the log" '"ccel_log"' "$T/inspect.out"
"$SSH_ATTEST" verify "$T/ev.json" --report-data "$rd" --policy "$T/policy-pin" > "$T/verify.out" 2>&1
expect_eq "verify with the pin: exit 0" "$?" 0
"$SSH_ATTEST" verify "$T/ev.json" --report-data "$rd" --policy "$T/policy-other" > "$T/verify2.out" 2>&1
expect_eq "verify with another pin: exit 1" "$?" 1
expect_grep "names the check" "tdx eventlog policy" "$T/verify2.out"

echo "the log is sent and replayed"
run_ssh plain $A -o AttestationPolicy="$T/policy" a echo hi
expect_ran plain hi
expect_grep "server sent the log" "sent tdx-quote,tdx-eventlog" "$T/sshd_a.log"

echo "RtmrEvent pin in the log: accepted"
run_ssh pin $A -o AttestationPolicy="$T/policy-pin" a echo pinned
expect_ran pin pinned

echo "RtmrEvent pin not in the log: refused"
rm -f "$T/ran"
run_ssh other $A -o AttestationPolicy="$T/policy-other" a touch "$T/ran"
expect_eq "exit 255" "$(rc_of other)" 255
expect_grep "names the pin" "RtmrEvent 1 .* is not in the verified event log of RTMR1" "$T/other.err"
[ -e "$T/ran" ] && fail "remote command ran" || ok "remote command did not run"

echo "a tampered log: refused naming the RTMR"
cp "$T/sim/acpi/data/CCEL" "$T/ccel.good"
# The first RTMR1 event's digest: flip one byte of it.
off=$(python3 - "$T/ccel.good" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
off = 32 + struct.unpack_from("<I", b, 28)[0]        # past the Spec ID event
while True:
    mr, _, n = struct.unpack_from("<III", b, off)
    if mr == 2:
        print(off + 14 + 3); break
    size = struct.unpack_from("<I", b, off + 12 + n * 50)[0]
    off += 12 + n * 50 + 4 + size
PY
)
python3 -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' \
    "$T/sim/acpi/data/CCEL" "$off"
run_ssh tampered $A -o AttestationPolicy="$T/policy" a true
expect_eq "exit 255" "$(rc_of tampered)" 255
expect_grep "names RTMR1" "does not reproduce the quote's RTMR1" "$T/tampered.err"
cp "$T/ccel.good" "$T/sim/acpi/data/CCEL"

echo "no log: fine unless required"
mv "$T/sim/acpi" "$T/acpi.away"
run_ssh nolog $A -o AttestationPolicy="$T/policy" a echo nolog
expect_ran nolog nolog
run_ssh required $A -o AttestationPolicy="$T/policy-required" a true
expect_eq "required: exit 255" "$(rc_of required)" 255
expect_grep "says why" "sent no tdx-eventlog" "$T/required.err"
mv "$T/acpi.away" "$T/sim/acpi"
run_ssh back $A -o AttestationPolicy="$T/policy-pin" a echo back
expect_ran back back

echo "a log that does not parse fails at the server, not silently"
cp "$T/sim/acpi/data/CCEL" "$T/ccel.good"
head -c 65536 /dev/zero | tr '\0' 'x' > "$T/sim/acpi/data/CCEL"
run_ssh broken $A -o AttestationPolicy="$T/policy" a true
expect_eq "exit 255" "$(rc_of broken)" 255
expect_grep "server log names the file" "tdx eventlog: .*data/CCEL" "$T/sshd_a.log"

finish
