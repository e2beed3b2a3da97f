"""The HCL report of an Azure TDX or SEV-SNP confidential VM, as the fake
paravisor (paravisor.py) builds it: layout in lib/src/parse/hcl_report.h.

Python 3 standard library only."""
import base64
import json
import struct
import subprocess

# HCL report layout (see lib/src/parse/hcl_report.h).
HCL_HEADER_LEN = 32
HCL_HW_REPORT_LEN = 1184
HCL_RUNTIME_HEADER_LEN = 20
HCL_RUNTIME_JSON_OFFSET = HCL_HEADER_LEN + HCL_HW_REPORT_LEN + HCL_RUNTIME_HEADER_LEN  # 1236
TD_REPORT_LEN = 1024
TD_REPORT_REPORTDATA_OFFSET = 128
SNP_REPORT_LEN = 1184
SNP_REPORT_REPORTDATA_OFFSET = 0x50
REPORT_TYPE_TDX = 4
REPORT_TYPE_SNP = 2
VM_UNIQUE_ID = "3F2504E0-4F89-41D3-9A0C-0305E82C3301"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def runtime_json(user_data, ak_n):
    doc = {
        "keys": [{"kid": "HCLAkPub", "key_ops": ["sign"], "kty": "RSA", "e": "AQAB",
                  "n": b64url(ak_n)}],
        "vm-configuration": {"console-enabled": False, "secure-boot": True,
                             "tpm-enabled": True, "vmUniqueId": VM_UNIQUE_ID},
        "user-data": user_data.hex().upper(),
    }
    # Compact and in insertion order: these exact bytes are hashed.
    return json.dumps(doc, separators=(",", ":")).encode("ascii")


def hcl_report(hw_report, rj, report_type=REPORT_TYPE_TDX):
    """HCL report: header, the TD report (or SNP report) in the hardware
    area, the runtime header and runtime JSON rj."""
    total = HCL_RUNTIME_JSON_OFFSET + len(rj)
    header = b"HCLA" + struct.pack("<IIII", 2, total, 2, 0) + bytes(12)
    hw = hw_report + bytes(HCL_HW_REPORT_LEN - len(hw_report))
    runtime = struct.pack("<IIIII", len(rj) + HCL_RUNTIME_HEADER_LEN, 1, report_type, 1, len(rj))
    report = header + hw + runtime + rj
    assert len(report) == total
    return report


def run_report_cmd(argv, report_data, snp, timeout):
    """The hardware report (TD report, or SNP report if snp) that argv
    prints in base64 for report_data (appended as hex), checked to be of
    its size and to carry report_data; ValueError otherwise."""
    length, offset = (SNP_REPORT_LEN, SNP_REPORT_REPORTDATA_OFFSET) if snp else \
        (TD_REPORT_LEN, TD_REPORT_REPORTDATA_OFFSET)
    try:
        p = subprocess.run(argv + [report_data.hex()], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as e:
        raise ValueError("report command failed to run: %s" % e)
    if p.returncode != 0:
        raise ValueError("report command exited %d: %s" %
                         (p.returncode, p.stderr.decode(errors="replace").strip()[:300]))
    try:
        report = base64.b64decode(b"".join(p.stdout.split()), validate=True)
    except ValueError as e:
        raise ValueError("report command output is not base64: %s" % e)
    if len(report) != length:
        raise ValueError("report is %d bytes, not %d" % (len(report), length))
    got = report[offset:offset + 64]
    if got != report_data:
        raise ValueError("report carries REPORTDATA %s, asked for %s" % (got.hex(), report_data.hex()))
    return report
