"""The HCL report of an Azure TDX or SEV-SNP confidential VM, as the fake
paravisor (paravisor.py) builds it: layout in lib/src/parse/hcl_report.h.

Python 3 standard library only."""
import base64
import json
import struct

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
