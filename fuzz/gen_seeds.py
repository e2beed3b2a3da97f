#!/usr/bin/env python3
"""Seed corpora for the ra-ssh fuzzers (run by scripts/fuzz.sh).

usage: gen_seeds.py OUT SSH_ATTEST SIM_DIR VECTORS_DIR

Writes OUT/<target>/ seed files and OUT/policy.dict.  Nothing here is
committed output: seeds are generated at run time from tests/vectors
(read in place) and fresh sim quotes.
"""
import glob
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "regress", "hostile"))
from ra_wire import sstr, u32  # noqa: E402 (after the path it is found on)

out, ssh_attest, sim, vectors = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
BINDING = bytes([0xA5]) * 64  # what verify_fuzzer uses unless told otherwise


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- quotes: real vectors + sim quotes ----
quotes = {}
for p in sorted(glob.glob(os.path.join(vectors, "tdx", "*.dat"))):
    with open(p, "rb") as f:
        quotes[os.path.basename(p)] = f.read()
for i, rd in enumerate([BINDING, bytes(64), bytes(range(64))]):
    path = os.path.join(out, "sim-quote-%d.dat" % i)
    subprocess.run([ssh_attest, "quote", "--raw", "--provider", "sim:" + sim,
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
    "cached": ("TrustAnchor tdx sim/root.pem\nAcceptCachedEvidence yes\n"
               "MaxEvidenceAge 600\nClockSkew 30\n"),
    "bad": "MRTD 00\nTrustAnchor sev x\n",
    "tokens": ("AcceptEvidence tdx-quote,maa-token\nRequireEvidence maa-token\n"
               "Issuer https://sharedwus.wus.attest.azure.net\n"
               "IssuerKey k1 \"sim/root.pem\"\nIssuerCA sim/root.pem\n"),
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
      "AcceptCachedEvidence", "MaxEvidenceAge",
      "SWHardeningNeeded", "ConfigurationNeeded",
      "ConfigurationAndSWHardeningNeeded", "OutOfDate",
      "OutOfDateConfigurationNeeded", "Revoked", "sim/root.pem",
      "collateral", hexv, "=", "\\x22", "#", ",",
      # token and evidence-combination keywords (docs/policy.md)
      "RequireEvidence", "maa-token", "tdx-quote-sha512", "Issuer",
      "IssuerKeys", "IssuerKey", "IssuerCA", "IssuerKeyCache",
      "https://", "https://sharedwus.wus.attest.azure.net"]
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
# AttestationCache: a request accepting cached evidence, an answer with
# the ra-ssh-cached-binding item, and the item itself (40 bytes)
cached_item = struct.pack(">Q", 1800000000) + bytes(range(32))
put("ra_ssh_msg_fuzzer", "req-cached",
    u32(1) + sstr(nonce) + sstr("tdx-quote,ra-ssh-cached-binding"))
put("ra_ssh_msg_fuzzer", "resp-cached",
    u32(1) + u32(0) + u32(2) + sstr("tdx-quote") + sstr(sq) +
    sstr("ra-ssh-cached-binding") + sstr(cached_item))
put("ra_ssh_msg_fuzzer", "cached-item", cached_item)


# ---- hcl_report_fuzzer: Azure's HCL report and its runtime JSON ----
# The real report of an Azure TDX CVM (vTPM NV index 0x01400001) is the
# "hcl_report" member (base64url) of the shared evidence vector.  Variants
# move one header field at a time so each structure check has a seed that
# gets just past it; the runtime JSON seeds cover each member check.
def b64url_decode(s):
    import base64
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def le32(n):
    return struct.pack("<I", n)


RT = 1216  # runtime-data header offset (lib/src/parse/hcl_report.h)
azure = os.path.join(vectors, "tdx", "trustee_azure_tdx_vtpm_evidence-v1.json")
runtime_docs = {
    "rt-min": b"{}",
    "rt-user-data": b'{"user-data":"' + ("A5" * 64).encode() + b'"}',
    "rt-keys": (b'{"keys":[{"kid":"HCLAkPub","kty":"RSA","n":"AQAB","e":"AQAB"},'
                b'{"kid":"HCLEkPub","n":"x","e":"y"}],"vm-configuration":'
                b'{"secure-boot":true,"tpm-enabled":true},"user-data":"' +
                ("0f" * 64).encode() + b'"}'),
    "rt-bad-hex": b'{"user-data":"' + ("zz" * 64).encode() + b'"}',
    "rt-dup": b'{"user-data":"00","user-data":"11"}',
    "rt-two-ak": (b'{"keys":[{"kid":"HCLAkPub","n":"a","e":"b"},'
                  b'{"kid":"HCLAkPub","n":"c","e":"d"}]}'),
}
for name, doc in runtime_docs.items():
    put("hcl_report_fuzzer", name, doc)


def hcl_report(json_doc, report_type=4, hash_type=1, pad=0):
    """A synthetic report around json_doc, laid out as the real one."""
    hdr = b"HCLA" + le32(2) + le32(RT + 20 + len(json_doc)) + le32(2) + le32(0) + bytes(12)
    hw = bytes(range(256)) * 4 + bytes(1184 - 1024)
    rt = le32(20 + len(json_doc)) + le32(1) + le32(report_type) + le32(hash_type) + \
        le32(len(json_doc))
    return hdr + hw + rt + json_doc + bytes(pad)


put("hcl_report_fuzzer", "synthetic-tdx", hcl_report(runtime_docs["rt-keys"]))
put("hcl_report_fuzzer", "synthetic-snp-sha384",
    hcl_report(runtime_docs["rt-user-data"], 2, 2, 100))
if os.path.exists(azure):
    import json
    with open(azure) as f:
        real = b64url_decode(json.load(f)["hcl_report"])
    put("hcl_report_fuzzer", "azure-tdx-real", real)
    jlen = struct.unpack("<I", real[RT + 16:RT + 20])[0]
    put("hcl_report_fuzzer", "azure-tdx-runtime-json", real[RT + 20:RT + 20 + jlen])
    put("hcl_report_fuzzer", "azure-tdx-unpadded", real[:RT + 20 + jlen])

    def patched(off, val):
        return real[:off] + le32(val) + real[off + 4:]
    put("hcl_report_fuzzer", "azure-snp-type", patched(RT + 8, 2))
    put("hcl_report_fuzzer", "azure-sha512", patched(RT + 12, 3))
    put("hcl_report_fuzzer", "azure-bad-type", patched(RT + 8, 7))
    put("hcl_report_fuzzer", "azure-size-mismatch", patched(RT, jlen))
    put("hcl_report_fuzzer", "azure-report-size", patched(8, 0))
    put("hcl_report_fuzzer", "azure-json-too-long", patched(RT + 16, len(real)))
    put("hcl_report_fuzzer", "azure-truncated", real[:RT + 19])
# The real HCL report of an Azure SEV-SNP CVM (report type 2).
azure_snp = os.path.join(vectors, "snp", "trustee_azure_snp_vtpm_evidence-genoa.json")
if os.path.exists(azure_snp):
    import json
    with open(azure_snp) as f:
        put("hcl_report_fuzzer", "azure-snp-real", bytes(json.load(f)["report"]))

# ---- jwt_token_fuzzer: mode byte, header length, header, claims ----
# (layout in lib/fuzz/jwt_token_fuzzer.cpp).  Claims of a compliant Azure
# TDX CVM valid at the fuzzer's clock 1750000000, bound to its binding
# (bytes i*7+1), so signed seeds are accepted and mutations start from a
# token that reaches every claim check.
import json as _json
NOW = 1750000000
jwt_binding = bytes((i * 7 + 1) & 0xff for i in range(64))


def claims(**over):
    c = {"iss": "https://tdx.attest.example", "x-ms-ver": "1.0",
         "iat": NOW - 5, "nbf": NOW - 5, "exp": NOW + 28800,
         "x-ms-attestation-type": "tdxvm",
         "x-ms-compliance-status": "azure-compliant-cvm",
         "tdx_td_attributes_debug": False, "attester_tcb_status": "UpToDate",
         "x-ms-runtime": {"client-payload": {"nonce": ""}, "keys": [],
                          "user-data": jwt_binding.hex().upper()},
         "tdx_mrtd": "a" * 96, "tdx_rtmr0": "0" * 96, "tdx_rtmr1": "0" * 96,
         "tdx_rtmr2": "b" * 96, "tdx_rtmr3": "0" * 96, "tdx_mrseam": "0" * 96}
    c.update(over)
    return _json.dumps(c, separators=(",", ":")).encode()


def jwt_input(mode, header=None, body=b"", policy=0, binding=True, t=0):
    b0 = mode | (8 if header is not None else 0) | (policy << 4) | (t << 6) | \
        (0x80 if binding else 0)
    h = header or b""
    return bytes([b0]) + struct.pack("<H", len(h)) + h + body


for mode, alg, kid in ((1, "ES256", "k-es"), (2, "RS256", "k-rs"),
                       (3, "PS256", "k-rs")):
    put("jwt_token_fuzzer", "ok-%s" % alg, jwt_input(mode, None, claims()))
    put("jwt_token_fuzzer", "ok-%s-p1" % alg, jwt_input(mode, None, claims(), 1))
    put("jwt_token_fuzzer", "ok-%s-p3" % alg, jwt_input(mode, None, claims(), 3))
    hdr = _json.dumps({"alg": alg, "kid": kid, "typ": "JWT",
                       "jku": "https://tdx.attest.example/certs"}).encode()
    put("jwt_token_fuzzer", "hdr-%s" % alg, jwt_input(mode, hdr, claims()))
put("jwt_token_fuzzer", "debug-p1",
    jwt_input(1, None, claims(tdx_td_attributes_debug=True), 1))
put("jwt_token_fuzzer", "expired", jwt_input(1, None, claims(exp=NOW - 100)))
put("jwt_token_fuzzer", "no-binding", jwt_input(1, None, claims(), 0, False))
put("jwt_token_fuzzer", "other-issuer-p3",
    jwt_input(2, None, claims(iss="https://other.attest.example"), 3))
put("jwt_token_fuzzer", "sgx", jwt_input(1, None, claims(**{"x-ms-attestation-type": "sgx"})))
put("jwt_token_fuzzer", "crit", jwt_input(
    1, b'{"alg":"ES256","kid":"k-es","crit":["x"]}', claims()))
put("jwt_token_fuzzer", "foreign-key", jwt_input(4, None, claims()))
put("jwt_token_fuzzer", "hmac-confusion", jwt_input(5, None, claims()))
put("jwt_token_fuzzer", "alg-none", jwt_input(6, None, claims()))
put("jwt_token_fuzzer", "not-json", jwt_input(1, b"{", b"[1,2]"))
put("jwt_token_fuzzer", "raw-garbage", b"\x00a.b.c")
if os.path.exists(tok):
    # The real (SGX) token under the sharedwus policy at its own time.
    put("jwt_token_fuzzer", "raw-maa-real", bytes([0x00 | (2 << 4) | (1 << 6)]) + jwt)
    put("jwt_token_fuzzer", "raw-maa-p0", bytes([0x80]) + jwt)

# ---- pcs_collateral_fuzzer: selector byte, then a PCS answer part ----
# (layout in lib/fuzz/pcs_collateral_fuzzer.cpp)
for p in sorted(glob.glob(os.path.join(vectors, "pcs", "*Issuer-Chain*.txt"))):
    with open(p, "rb") as f:
        put("pcs_collateral_fuzzer", "hdr-" + os.path.basename(p), b"\x00" + f.read().strip())
for p in sorted(glob.glob(os.path.join(vectors, "tdx", "collateral", "*crl*.der"))):
    with open(p, "rb") as f:
        der = f.read()
    put("pcs_collateral_fuzzer", "crl-" + os.path.basename(p), b"\x01" + der)
    put("pcs_collateral_fuzzer", "crlhex-" + os.path.basename(p), b"\x01" + der.hex().encode())
for p in sorted(glob.glob(os.path.join(vectors, "tdx", "collateral", "*.json"))):
    sel = b"\x02" if os.path.basename(p).startswith("tcbinfo") else b"\x03"
    with open(p, "rb") as f:
        put("pcs_collateral_fuzzer", "doc-" + os.path.basename(p), sel + f.read())

# ---- maa_snp_claims_fuzzer: Azure's sevsnpvm claim set ----
# Bound to the fuzzer's binding (bytes i*5+3), its pinned measurement and
# a TCB at its minimum, so the seed passes and mutations reach every check.
snp_binding = bytes((i * 5 + 3) & 0xff for i in range(64))


def snp_claims(**over):
    c = {"x-ms-attestation-type": "sevsnpvm",
         "x-ms-compliance-status": "azure-compliant-cvm",
         "x-ms-runtime": {"keys": [], "user-data": snp_binding.hex().upper()},
         "x-ms-sevsnpvm-authorkeydigest": "0" * 96,
         "x-ms-sevsnpvm-bootloader-svn": 2, "x-ms-sevsnpvm-familyId": "01" + "0" * 30,
         "x-ms-sevsnpvm-guestsvn": 2, "x-ms-sevsnpvm-hostdata": "0" * 64,
         "x-ms-sevsnpvm-idkeydigest": "57" * 48, "x-ms-sevsnpvm-imageId": "02" + "0" * 30,
         "x-ms-sevsnpvm-is-debuggable": False, "x-ms-sevsnpvm-launchmeasurement": "a" * 96,
         "x-ms-sevsnpvm-microcode-svn": 115, "x-ms-sevsnpvm-migration-allowed": False,
         "x-ms-sevsnpvm-reportdata": "d7" * 32 + "0" * 64, "x-ms-sevsnpvm-reportid": "af" * 32,
         "x-ms-sevsnpvm-smt-allowed": True, "x-ms-sevsnpvm-snpfw-svn": 8,
         "x-ms-sevsnpvm-tee-svn": 0, "x-ms-sevsnpvm-vmpl": 0}
    c.update(over)
    return _json.dumps(c, separators=(",", ":")).encode()


put("maa_snp_claims_fuzzer", "ok", snp_claims())
put("maa_snp_claims_fuzzer", "debug", snp_claims(**{"x-ms-sevsnpvm-is-debuggable": True}))
put("maa_snp_claims_fuzzer", "vmpl2", snp_claims(**{"x-ms-sevsnpvm-vmpl": 2}))
put("maa_snp_claims_fuzzer", "low-tcb", snp_claims(**{"x-ms-sevsnpvm-snpfw-svn": 7}))
put("maa_snp_claims_fuzzer", "tdxvm", snp_claims(**{"x-ms-attestation-type": "tdxvm"}))

# ---- snp_report_response_fuzzer: real SNP reports in /dev/sev-guest's ----
# 4000-byte MSG_REPORT_RSP (STATUS, REPORT_SIZE, 24 reserved, report)
for p in sorted(glob.glob(os.path.join(vectors, "snp", "*report*.bin"))):
    with open(p, "rb") as f:
        rep = f.read()
    name = os.path.basename(p)
    pad = lambda b: b + bytes(max(0, 4000 - len(b)))
    put("snp_report_response_fuzzer", "ok-" + name, pad(le32(0) + le32(len(rep)) + bytes(24) + rep))
    put("snp_report_response_fuzzer", "status16-" + name,
        pad(le32(0x16) + le32(len(rep)) + bytes(24) + rep))
    put("snp_report_response_fuzzer", "oversize-" + name,
        pad(le32(0) + le32(4000 - 31) + bytes(24) + rep))
put("snp_report_response_fuzzer", "empty-report", le32(0) + le32(0) + bytes(24))

# ---- evidence bundles (docs/protocol.md) ----
import base64 as _b64
for i, rd in enumerate([BINDING, bytes(64)]):
    for prov in ("sim:", "sim-azure:"):
        r = subprocess.run([ssh_attest, "quote", "--provider", prov + sim,
                            "--report-data", rd.hex(), "-o", "-"], check=True,
                           stdout=subprocess.PIPE)
        put("evidence_bundle_fuzzer", "%s%d" % (prov.rstrip(":"), i), r.stdout)
for name, q in list(quotes.items())[:2]:
    put("evidence_bundle_fuzzer", "vec-" + name, _json.dumps(
        {"version": 1, "items": [{"type": "tdx-quote",
                                  "data": _b64.b64encode(q).decode()}]}).encode())
put("evidence_bundle_fuzzer", "empty", b'{"version": 1, "items": []}')
put("evidence_bundle_fuzzer", "bad-version", b'{"version": 2, "items": []}')
