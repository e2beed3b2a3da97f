#!/bin/bash
# Self-test for paravisor.py: swtpm behind the fake paravisor, driven with
# tpm2-tools through the swtpm TCTI exactly as the azure-vtpm provider will
# be.  Checks that writing 0x01400002 regenerates the HCL report in
# 0x01400001 with the written user data and a TD report bound to the
# runtime JSON, that a bad TD report leaves the old report in place, that a
# malformed command does not kill the proxy, that a restart reuses the
# existing report index (and replaces one too small), and that SIGTERM
# ends it cleanly.
# Needs swtpm and tpm2-tools.  KEEP=1 keeps the temporary directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
PARAVISOR="$here/paravisor.py"

T=$(mktemp -d "${TMPDIR:-/tmp}/paravisor-selftest.XXXXXX")
SWTPM_PID=""
PV_PID=""
cleanup() {
	for p in $PV_PID $SWTPM_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
	echo "paravisor-selftest: FAIL: $*" >&2
	if [ -s "$T/paravisor.log" ]; then
		echo "--- last lines of the paravisor log:" >&2
		tail -n 25 "$T/paravisor.log" >&2
	fi
	exit 1
}
ok() { echo "  ok: $*"; }

for b in swtpm tpm2_nvdefine tpm2_nvwrite tpm2_nvread tpm2_nvreadpublic; do
	command -v "$b" >/dev/null || fail "$b is not installed"
done

# Four consecutive free ports: swtpm P, P+1 (ctrl); paravisor L=P+2, L+1.
# Found by binding them, which is racy but good enough on a test machine.
base=$("$PY" "$here/free_ports.py" 4)
[ -n "$base" ] || fail "no free ports"
P=$base
L=$((base + 2))
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$L"

# The fake TD report: byte 0 = 0x81 (TDX report type), REPORTDATA at 128.
# While $T/break exists it lies about REPORTDATA, to exercise the
# keep-the-old-report path.
cat > "$T/fake-tdreport.py" <<'EOF'
import base64, os, sys
rd = bytes.fromhex(sys.argv[-1])
assert len(rd) == 64
if os.path.exists(sys.argv[1]):
    rd = bytes(64)
r = bytes([0x81]) + bytes(127) + rd + bytes(1024 - 192)
print(base64.b64encode(r).decode())
EOF
TDCMD="$PY $T/fake-tdreport.py $T/break"

mkdir "$T/state"
swtpm socket --tpm2 --server type=tcp,port=$P --ctrl type=tcp,port=$((P + 1)) \
	--tpmstate dir="$T/state" --flags not-need-init,startup-clear \
	--log file="$T/swtpm.log" &
SWTPM_PID=$!

start_paravisor() {
	rm -f "$T/ready"
	"$PY" "$PARAVISOR" --swtpm-port $P --listen $L --tdreport-cmd "$TDCMD" \
		--ready-file "$T/ready" --log "$T/paravisor.log" 2> "$T/paravisor.err" &
	PV_PID=$!
	local i
	for i in $(seq 1 300); do
		[ -f "$T/ready" ] && return 0
		kill -0 $PV_PID 2>/dev/null ||
		    fail "paravisor exited during start-up: $(cat "$T/paravisor.err")"
		sleep 0.1
	done
	fail "paravisor not ready after 30 s"
}

# check_report FILE USERDATA_HEX: the HCL report layout, the user data, and
# SHA-256(runtime JSON) || zeros == REPORTDATA of the TD report.
check_report() {
	"$PY" - "$1" "$2" <<'EOF' || fail "report check failed for user data $2"
import hashlib, json, struct, sys
data = open(sys.argv[1], "rb").read()
want_ud = sys.argv[2].upper()
def bad(msg):
    sys.stderr.write("report: %s\n" % msg); sys.exit(1)
if data[:4] != b"HCLA": bad("signature %r" % data[:4])
ver, size, req, status = struct.unpack_from("<IIII", data, 4)
if (ver, req, status) != (2, 2, 0): bad("header %r" % ((ver, req, status),))
if any(data[20:32]): bad("reserved header bytes not zero")
dsize, rver, rtype, htype, jlen = struct.unpack_from("<IIIII", data, 1216)
if (rver, rtype, htype) != (1, 4, 1): bad("runtime header %r" % ((rver, rtype, htype),))
if dsize != jlen + 20 or size != 1236 + jlen: bad("sizes %d %d %d" % (size, dsize, jlen))
if size > len(data): bad("report size %d > index %d" % (size, len(data)))
if any(data[size:]): bad("padding not zero")
td = data[32:32 + 1024]
if td[0] != 0x81: bad("TD report byte 0 is 0x%02x" % td[0])
if any(data[32 + 1024:1216]): bad("hardware report area not zero after the TD report")
rj = data[1236:1236 + jlen]
doc = json.loads(rj)
if list(doc) != ["keys", "vm-configuration", "user-data"]: bad("JSON members %r" % list(doc))
if json.dumps(doc, separators=(",", ":")).encode() != rj: bad("JSON is not compact")
if doc["user-data"] != want_ud: bad("user-data %s, want %s" % (doc["user-data"], want_ud))
k = doc["keys"][0]
if k["kid"] != "HCLAkPub" or k["kty"] != "RSA" or k["e"] != "AQAB" or len(k["n"]) != 342:
    bad("HCLAkPub %r" % k)
rd = td[128:192]
if rd[:32] != hashlib.sha256(rj).digest(): bad("REPORTDATA[0:32] is not SHA-256(runtime JSON)")
if any(rd[32:]): bad("REPORTDATA[32:64] not zero")
print("index %d bytes, report %d, runtime JSON %d" % (len(data), size, jlen))
EOF
}

echo "swtpm on $P/$((P + 1)), paravisor on $L/$((L + 1))"
start_paravisor
ok "paravisor ready: $(tr '\n' ' ' < "$T/ready")"

tpm2_nvreadpublic 0x01400001 > "$T/pub1" 2>&1 || fail "nvreadpublic 0x01400001: $(cat "$T/pub1")"
grep -q "ownerread" "$T/pub1" && grep -q "written" "$T/pub1" ||
    fail "0x01400001 is not owner-readable and written: $(cat "$T/pub1")"
ok "0x01400001 defined and written before any client"
# (tpm2_nvreadpublic of an absent index segfaults in tpm2-tools 5.4, so list.)
tpm2_getcap handles-nv-index > "$T/handles" 2> "$T/err" || fail "getcap: $(cat "$T/err")"
grep -qi "0x1400002" "$T/handles" && fail "paravisor defined 0x01400002"
ok "0x01400002 left for the provider to define"

tpm2_nvread 0x01400001 -C o -o "$T/r0" 2> "$T/err" || fail "nvread 0x01400001: $(cat "$T/err")"
msg=$(check_report "$T/r0" "$(printf '%0128d' 0)") || exit 1
ok "initial report for zero user data ($msg)"

tpm2_nvdefine 0x01400002 -C o -s 64 -a "ownerread|ownerwrite|authread|authwrite" > /dev/null 2> "$T/err" ||
    fail "nvdefine 0x01400002: $(cat "$T/err")"

# write_and_check NAME: 64 bytes from NAME's hash into 0x01400002, then the report.
write_and_check() {
	local ud
	ud=$(printf '%s' "$1" | sha512sum | cut -c1-128)
	printf '%s' "$ud" | "$PY" -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' > "$T/ud"
	tpm2_nvwrite 0x01400002 -C o -i "$T/ud" 2> "$T/err" || fail "nvwrite 0x01400002: $(cat "$T/err")"
	tpm2_nvread 0x01400001 -C o -o "$T/r-$1" 2> "$T/err" || fail "nvread 0x01400001: $(cat "$T/err")"
	msg=$(check_report "$T/r-$1" "$ud") || exit 1
	ok "report after writing '$1' carries its user data ($msg)"
}
write_and_check first
write_and_check second
cmp -s "$T/r-first" "$T/r-second" && fail "report did not change between two writes"
ok "second write changed the report"

# A bad TD report: the write to 0x01400002 still succeeds, the old report stays.
touch "$T/break"
printf 'x%.0s' $(seq 64) > "$T/ud"
tpm2_nvwrite 0x01400002 -C o -i "$T/ud" 2> "$T/err" || fail "nvwrite with a bad TD report: $(cat "$T/err")"
rm -f "$T/break"
tpm2_nvread 0x01400001 -C o -o "$T/r-stale" 2> "$T/err" || fail "nvread: $(cat "$T/err")"
cmp -s "$T/r-second" "$T/r-stale" || fail "report changed although the TD report was bad"
grep -q "old report kept" "$T/paravisor.log" || fail "no log line for the bad TD report"
ok "bad TD report: old report kept, client's write still succeeded"

# Malformed input: an oversized command is answered with TPM_RC_COMMAND_SIZE
# and the connection dropped; garbled NV_Writes to 0x01400002 (an absurd
# authorization size; data running past the end) are relayed and rejected
# by swtpm; the proxy serves the next client either way.
"$PY" - $L <<'EOF' || fail "malformed-command probe"
import socket, struct, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(struct.pack(">HII", 0x8001, 1 << 20, 0x17A))
r = s.recv(100)
assert r == struct.pack(">HII", 0x8001, 10, 0x142), r
assert s.recv(100) == b""
s.close()
def garbled(body):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(struct.pack(">HII", 0x8002, 10 + len(body), 0x137) + body)
    tag, size, rc = struct.unpack(">HII", s.recv(10))
    assert rc != 0, "garbled NV_Write succeeded"
    s.close()
handles = struct.pack(">II", 0x40000001, 0x01400002)
pw = struct.pack(">IHBH", 0x40000009, 0, 0, 0)
garbled(handles + struct.pack(">I", 0xFFFFFF) + b"\x00\x40\x01\x02")
garbled(handles + struct.pack(">I", len(pw)) + pw + b"\x00\x40" + bytes(10))
garbled(handles + struct.pack(">I", 3) + b"\x40\x00")
EOF
write_and_check third
ok "malformed commands survived"

# Restart on the same swtpm: the existing report index is reused and reset.
kill -TERM $PV_PID
wait $PV_PID
rc=$?
[ $rc -eq 0 ] || fail "paravisor exited $rc on SIGTERM"
PV_PID=""
ok "SIGTERM: clean exit"
start_paravisor
grep -q "0x01400001 exists" "$T/paravisor.log" || fail "restart did not see the existing index"
tpm2_nvread 0x01400001 -C o -o "$T/r-restart" 2> "$T/err" || fail "nvread: $(cat "$T/err")"
msg=$(check_report "$T/r-restart" "$(printf '%0128d' 0)") || exit 1
ok "restart reused 0x01400001 and reset it to zero user data"
write_and_check fourth

# A left-over report index too small for the report is replaced.
kill -TERM $PV_PID; wait $PV_PID; PV_PID=""
direct="swtpm:host=127.0.0.1,port=$P"
tpm2_nvundefine -T "$direct" 0x01400001 -C o 2> "$T/err" || fail "nvundefine: $(cat "$T/err")"
tpm2_nvdefine -T "$direct" 0x01400001 -C o -s 100 -a "ownerread|ownerwrite" > /dev/null 2> "$T/err" ||
    fail "nvdefine small 0x01400001: $(cat "$T/err")"
start_paravisor
grep -q "replacing it" "$T/paravisor.log" || fail "a too-small 0x01400001 was not replaced"
tpm2_nvread 0x01400001 -C o -o "$T/r-replaced" 2> "$T/err" || fail "nvread: $(cat "$T/err")"
msg=$(check_report "$T/r-replaced" "$(printf '%0128d' 0)") || exit 1
ok "a too-small 0x01400001 was replaced ($msg)"

if grep -q "^.*ctrl .* connected" "$T/paravisor.log"; then
	echo "  note: the swtpm TCTI used the ctrl port ($(grep -c 'ctrl .* connected' "$T/paravisor.log") connections)"
else
	echo "  note: the swtpm TCTI never used the ctrl port"
fi
echo "  note: $(grep -m1 TPM_PT_NV_INDEX_MAX "$T/paravisor.log" | sed 's/.*\] //')"
echo "paravisor-selftest: PASS"
