#!/usr/bin/env python3
"""Seed corpora for the ra-ssh fuzzers (run by scripts/fuzz.sh).

usage: gen_seeds.py OUT SSH_ATTEST SIM_DIR VECTORS_DIR

Writes OUT/<target>/ seed files and OUT/policy.dict.  Nothing here is
committed output: seeds are generated at run time from the shared vectors
(read in place, not copied into the repo) and fresh sim quotes.
"""
import glob
import os
import struct
import subprocess
import sys

out, ssh_attest, sim, vectors = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
BINDING = bytes([0xA5]) * 64  # what verify_fuzzer uses unless told otherwise


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u32(n):
    return struct.pack(">I", n)


def sstr(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


# ---- quotes: shared real vectors + sim quotes ----
quotes = {}
for p in sorted(glob.glob(os.path.join(vectors, "tdx", "*.dat"))):
    with open(p, "rb") as f:
        quotes[os.path.basename(p)] = f.read()
for i, rd in enumerate([BINDING, bytes(64), bytes(range(64))]):
    path = os.path.join(out, "sim-quote-%d.dat" % i)
    subprocess.run([ssh_attest, "quote", "--provider", "sim:" + sim,
                    "--report-data", rd.hex(), "-o", path], check=True,
                   stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:
        quotes["sim-%d" % i] = f.read()
    os.unlink(path)
for name, q in quotes.items():
    put("tdx_quote_fuzzer", name, q)

# ---- policies ----
hexv = "ab" * 48
policies = {
    "empty": "",
    "sim": "TrustAnchor tdx sim/root.pem\n",
    "full": ("# a full policy\nAcceptEvidence tdx-quote\n"
             "TrustAnchor tdx \"sim/root.pem\"\nCollateral collateral\n"
             "MRTD %s,%s\nRTMR0=%s\nRTMR1 = %s\nRTMR2 %s\nRTMR3 %s\n"
             "MRSEAM %s\nAllowDebug no\n"
             "AllowedTcbStatus UpToDate,SWHardeningNeeded\n"
             "MaxAge 300 # five minutes\nClockSkew=60\n")
            % ((hexv,) * 7),
    "crlf": "AcceptEvidence=TDX-QUOTE\r\nallowdebug YES\r\n",
    "bad": "MRTD 00\nTrustAnchor sev x\n",
}
for name, text in policies.items():
    put("policy_fuzzer", name, text.encode())
doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                   "policy.md")
if os.path.exists(doc):
    with open(doc) as f:
        # Fenced blocks of docs/policy.md are example policies.
        for i, block in enumerate(f.read().split("```")[1::2]):
            put("policy_fuzzer", "doc-%d" % i, block.encode())
kw = ["AcceptEvidence", "TrustAnchor", "tdx", "tdx-quote", "Collateral",
      "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3", "MRSEAM", "AllowDebug",
      "AllowedTcbStatus", "MaxAge", "ClockSkew", "yes", "no", "UpToDate",
      "SWHardeningNeeded", "ConfigurationNeeded",
      "ConfigurationAndSWHardeningNeeded", "OutOfDate",
      "OutOfDateConfigurationNeeded", "Revoked", "sim/root.pem",
      "collateral", hexv, "=", "\\x22", "#", ","]
with open(os.path.join(out, "policy.dict"), "w") as f:
    for k in kw:
        f.write('"%s"\n' % k)


# ---- verify_fuzzer: header bytes + items (see its comment) ----
def verify_input(policy, time_sel, items, binding_from_quote=False):
    count = len(items)
    b0 = (count - 1) | (policy << 4) | (time_sel << 6)
    types = 0
    for i, (t, _) in enumerate(items):
        if t:
            types |= 1 << (i % 4)
    b1 = types | (0x10 if binding_from_quote else 0)
    body = b""
    for i, (_, d) in enumerate(items):
        if i + 1 < count:
            body += struct.pack("<H", len(d))
        body += d
    return bytes([b0, b1]) + body


sq = quotes["sim-0"]
put("verify_fuzzer", "sim-ok", verify_input(1, 0, [(True, sq)]))
put("verify_fuzzer", "sim-default-policy", verify_input(0, 0, [(True, sq)]))
put("verify_fuzzer", "sim-ref", verify_input(3, 0, [(True, sq)]))
put("verify_fuzzer", "sim-two", verify_input(
    1, 0, [(False, b"token"), (True, sq)]))
put("verify_fuzzer", "sim-other-binding", verify_input(
    1, 0, [(True, quotes["sim-1"])], True))
for name, q in quotes.items():
    if name.startswith("sim"):
        continue
    for pol, t in ((0, 1), (2, 1), (2, 2)):
        put("verify_fuzzer", "%s-p%d-t%d" % (name, pol, t),
            verify_input(pol, t, [(True, q)], True))

tok = os.path.join(vectors, "maa", "token2.jwt")
if os.path.exists(tok):
    with open(tok, "rb") as f:
        jwt = f.read().strip()
    put("verify_fuzzer", "maa-p2-t3", verify_input(2, 3, [(False, jwt)]))
    put("verify_fuzzer", "maa-quote-p2-t3", verify_input(
        2, 3, [(False, jwt), (True, quotes.get("gotdx_quote_v4_SPR_E4.dat", sq))]))

# ---- ra_ssh_msg_fuzzer: 248 / 249 payloads and monitor item lists ----
nonce = bytes(range(32))
put("ra_ssh_msg_fuzzer", "req", u32(1) + sstr(nonce) + sstr("tdx-quote"))
put("ra_ssh_msg_fuzzer", "req-kinds",
    u32(1) + sstr(nonce) + sstr("tdx-quote,azure-tdx-token,tpm"))
put("ra_ssh_msg_fuzzer", "req-v2", u32(2) + sstr(nonce))
put("ra_ssh_msg_fuzzer", "resp-fail",
    u32(1) + u32(1) + sstr("provider failed: no TDX device"))
put("ra_ssh_msg_fuzzer", "resp-unsup", u32(1) + u32(2) + sstr("x" * 300))
put("ra_ssh_msg_fuzzer", "resp-ok",
    u32(1) + u32(0) + u32(1) + sstr("tdx-quote") + sstr(sq))
put("ra_ssh_msg_fuzzer", "resp-ok-2",
    u32(1) + u32(0) + u32(2) + sstr("x-unknown") + sstr(b"abc") +
    sstr("tdx-quote") + sstr(b"\x04\x00\x02\x00"))
put("ra_ssh_msg_fuzzer", "items",
    u32(2) + sstr("tdx-quote") + sstr(b"quote") + sstr("x") + sstr(b"y") +
    b"\x01")
