#!/usr/bin/env python3
"""Seed corpora for the TPM, event-log and IMA fuzzers (run by scripts/fuzz.sh).

usage: gen_tpm_seeds.py OUT VECTORS_DIR

Writes OUT/<target>/ seed files from the shared vectors (read in place,
never copied into the repo):
  tpm_quote_fuzzer     TPMS_ATTEST, TPMT_SIGNATURE and TPMT_PUBLIC of the
                       COS-85, go-attestation and Azure vTPM evidence,
                       TPM2B_PUBLIC, and quote || signature pairs
  tcg_eventlog_fuzzer  the crypto-agile and legacy TPM logs, the CCEL areas,
                       and CCEL table || area (the fuzzer's split)
  ima_log_fuzzer       slices of keylime's ASCII list and their binary form
  tpm_pcrs_fuzzer      the *.pcrs.json vectors and small documents
  hcl_cache_file_fuzzer  azure-vtpm's cache file of the real Azure HCL
                       report and TD quote, truncated and reordered, and of
                       the real Azure SNP HCL report with a VCEK table
A missing vector is skipped (the seeds are a head start, not a test).
"""
import base64
import glob
import json
import os
import struct
import sys

out, vectors = sys.argv[1:3]


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def load(rel, mode="rb"):
    p = os.path.join(vectors, rel)
    if not os.path.exists(p):
        return None
    with open(p, mode) as f:
        return f.read()


# ---- tpm_quote_fuzzer ----
cos = load("tpm/gotpmtools_gce_cos85_attestation_nonce9009.decoded.json", "r")
if cos:
    j = json.loads(cos)
    ak = bytes.fromhex(j["ak_pub_tpmt_public"])
    put("tpm_quote_fuzzer", "cos85-ak-tpmt-public", ak)
    put("tpm_quote_fuzzer", "cos85-ak-tpm2b-public", struct.pack(">H", len(ak)) + ak)
    for i, q in enumerate(j["quotes"]):
        a, s = bytes.fromhex(q["tpms_attest"]), bytes.fromhex(q["tpmt_signature"])
        put("tpm_quote_fuzzer", "cos85-attest-%d" % i, a)
        put("tpm_quote_fuzzer", "cos85-signature-%d" % i, s)
        put("tpm_quote_fuzzer", "cos85-composite-%d" % i, struct.pack(">H", len(a)) + a + s)
goatt = load("tpm/goatt_windows_gcp_shielded_vm.json", "r")
if goatt:
    j = json.loads(goatt)
    put("tpm_quote_fuzzer", "goatt-ak", base64.b64decode(j["AK"]["Public"]))
    put("tpm_quote_fuzzer", "goatt-attest", base64.b64decode(j["Quote"]["Quote"]))
    put("tpm_quote_fuzzer", "goatt-signature", base64.b64decode(j["Quote"]["Signature"]))
    put("tcg_eventlog_fuzzer", "goatt-legacy-log", base64.b64decode(j["Log"]["Raw"]))
azure = load("tdx/trustee_azure_tdx_vtpm_evidence-v1.json", "r")
if azure:
    q = json.loads(azure)["tpm_quote"]
    put("tpm_quote_fuzzer", "azure-vtpm-attest", bytes.fromhex(q["message"]))

# ---- tcg_eventlog_fuzzer ----
for p in sorted(glob.glob(os.path.join(vectors, "tpm", "*_eventlog.bin"))):
    with open(p, "rb") as f:
        put("tcg_eventlog_fuzzer", os.path.basename(p), f.read())
grub = load("tdx/ccel/trustee_ccel_grub.bin")
if grub:
    put("tcg_eventlog_fuzzer", "ccel-grub", grub)
table = load("tdx/ccel/gotdx_gcp_cos113_ccel_table.bin")
area = load("tdx/ccel/gotdx_gcp_cos113_ccel_data.bin")
if table and area:
    # The log ends at 18101; a 20 KiB area with its own LAML and checksum
    # keeps the seed small.
    small = area[:20480]
    t = bytearray(table)
    t[40:48] = struct.pack("<Q", len(small))
    t[9] = 0
    t[9] = (-sum(t)) & 0xFF
    put("tcg_eventlog_fuzzer", "ccel-table-and-area", bytes(t) + small)
    put("tcg_eventlog_fuzzer", "ccel-gcp-area", area[:18101])
    # ---- tdx_eventlog_fuzzer: items as providers send them (table, then
    # the log up to its last event), and a table with its whole small area.
    put("tdx_eventlog_fuzzer", "item-gcp", bytes(table) + area[:18101])
    put("tdx_eventlog_fuzzer", "table-and-area-gcp", bytes(t) + small)
    if grub:
        g = bytearray(table)
        g[40:48] = struct.pack("<Q", len(grub))
        g[9] = 0
        g[9] = (-sum(g)) & 0xFF
        put("tdx_eventlog_fuzzer", "item-grub", bytes(g) + grub)

# ---- ima_log_fuzzer ----
ima = load("ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt", "r")
if ima:
    lines = ima.splitlines(keepends=True)
    # Slices, not the whole 110 KiB list: the fuzzer runs 50x faster.
    put("ima_log_fuzzer", "keylime-ascii-head", "".join(lines[:20]))
    put("ima_log_fuzzer", "keylime-ascii-200", "".join(lines[100:300]))

    def binary(ls):
        b = b""
        for ln in ls:
            pcr, th, name, dig, path = ln.rstrip("\n").split(" ", 4)
            alg, hexd = dig.split(":")
            d = (alg + ":").encode() + b"\0" + bytes.fromhex(hexd)
            n = path.encode() + b"\0"
            data = struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n
            b += struct.pack("<I", int(pcr)) + bytes.fromhex(th)
            b += struct.pack("<I", len(name)) + name.encode()
            b += struct.pack("<I", len(data)) + data
        return b
    put("ima_log_fuzzer", "keylime-binary-head", binary(lines[:20]))
    put("ima_log_fuzzer", "ima-sig-ascii",
        "10 %s ima-sig sha256:%s /usr/bin/x 030204aabb\n10 %s ima-sig sha1:%s /y \n"
        % ("a" * 40, "b" * 64, "c" * 40, "d" * 40))

# ---- tpm_pcrs_fuzzer ----
for p in sorted(glob.glob(os.path.join(vectors, "tpm", "*.pcrs.json"))):
    with open(p) as f:
        j = json.load(f)
    j.pop("source", None)
    put("tpm_pcrs_fuzzer", os.path.basename(p), json.dumps(j))
put("tpm_pcrs_fuzzer", "small", '{"sha1":{"0":"%s"},"sha384":{"23":"%s"}}' % ("0" * 40, "f" * 96))

# ---- hcl_cache_file_fuzzer: azure-vtpm's cache file of the real report ----
az = load("tdx/trustee_azure_tdx_vtpm_evidence-v1.json", "r")
if az:
    j = json.loads(az)

    def b64u(s):
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    hcl, quote = b64u(j["hcl_report"]), b64u(j["td_quote"])
    lines = ["ra-ssh-azure-hcl-v1", "made_at 1764400000",
             "hcl " + base64.b64encode(hcl).decode(), "tdquote " + base64.b64encode(quote).decode()]
    put("hcl_cache_file_fuzzer", "azure-real", "\n".join(lines) + "\n")
    put("hcl_cache_file_fuzzer", "azure-real-truncated", "\n".join(lines)[:3000])
    put("hcl_cache_file_fuzzer", "azure-real-reordered", "\n".join(lines[:2] + lines[:1:-1]) + "\n")

# An SNP CVM's entry: the real Azure SNP HCL report and a certificate table
# (SNP extended-report layout: GUID, offset, length entries, a zero entry,
# then the DER) holding its VCEK, as THIM's answer becomes.
snp = load("snp/trustee_azure_snp_vtpm_evidence-genoa.json", "r")
if snp:
    j = json.loads(snp)
    hcl = bytes(j["report"])
    pem = "".join(l for l in j["vcek"].splitlines() if "-----" not in l)
    der = base64.b64decode(pem)
    guid = bytes.fromhex("63da758de6644564adc5f4b93be8accd")  # VCEK, in table byte order
    table = guid + struct.pack("<II", 48, len(der)) + bytes(24) + der
    lines = ["ra-ssh-azure-hcl-v1", "made_at 1764400000",
             "hcl " + base64.b64encode(hcl).decode(), "snpcerts " + base64.b64encode(table).decode()]
    put("hcl_cache_file_fuzzer", "azure-snp-real", "\n".join(lines) + "\n")
    put("hcl_cache_file_fuzzer", "azure-snp-real-truncated", "\n".join(lines)[:3000])
