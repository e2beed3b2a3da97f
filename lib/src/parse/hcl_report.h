// Azure's HCL report (vTPM NV index 0x01400001 on an Azure confidential VM)
// and the runtime JSON it carries.  Structure only, as every parser here:
// each length is checked against what is left before it is used; nothing
// is trusted until verify/ has checked the quote made from the TD report.
// Layout (DESIGN.md "Formats"; checked against a real Azure TDX CVM's
// report in tests/vectors/tdx):
//
//   0     header, 32 bytes: signature "HCLA", version u32, report size u32,
//         request type u32, status u32, 12 reserved
//   32    hardware report area, 1184 bytes (TDX: the 1024-byte TD report,
//         then zeros; SNP: the 1184-byte attestation report)
//   1216  runtime-data header: data size u32, version u32, report type u32
//         (4 = TDX, 2 = SNP), hash type u32 (1 = SHA-256, 2 = SHA-384,
//         3 = SHA-512), runtime JSON size u32
//   1236  runtime JSON (its hash is REPORTDATA[0:32] for SHA-256)
//
// All integers little-endian.  Bytes after the runtime JSON are padding
// (the NV index is larger than the report) and are not parsed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

constexpr uint32_t kHclNvIndexReport = 0x01400001;   // HCL report, read
constexpr uint32_t kHclNvIndexUserData = 0x01400002; // 64 bytes, written
constexpr size_t kHclHeaderLen = 32;
constexpr size_t kHclHwReportLen = 1184;
constexpr size_t kHclRuntimeHeaderOffset = kHclHeaderLen + kHclHwReportLen;  // 1216
constexpr size_t kHclRuntimeHeaderLen = 20;
constexpr size_t kHclRuntimeJsonOffset = kHclRuntimeHeaderOffset + kHclRuntimeHeaderLen;
constexpr size_t kTdReportLen = 1024;
constexpr size_t kTdReportReportDataOffset = 128;  // in REPORTMACSTRUCT
constexpr uint32_t kHclReportTypeTdx = 4;
constexpr uint32_t kHclReportTypeSnp = 2;
constexpr uint32_t kHclHashSha256 = 1;
constexpr uint32_t kHclHashSha384 = 2;
constexpr uint32_t kHclHashSha512 = 3;
// The NV index holds a few KiB; the runtime JSON a few hundred bytes of
// keys and VM configuration.  Anything larger is not an HCL report.
constexpr size_t kMaxHclReportLen = 16 * 1024;
constexpr size_t kMaxRuntimeJsonLen = 8 * 1024;
// NV 0x01400002 holds 64 bytes; the HCL echoes them as "user-data".
constexpr size_t kRuntimeUserDataLen = 64;

struct HclReport {
  uint32_t version = 0;
  uint32_t report_size = 0;   // as the header states
  uint32_t request_type = 0;
  uint32_t status = 0;
  uint32_t report_type = 0;   // kHclReportType*
  uint32_t hash_type = 0;     // kHclHash*
  uint32_t runtime_data_version = 0;
  Bytes hw_report;            // TDX: the TD report (1024 bytes)
  Bytes runtime_json;         // exactly the bytes hashed into REPORTDATA
};

// Fails on a bad signature, an unknown report or hash type, a runtime size
// that does not fit, or a runtime header whose sizes disagree.
Status ParseHclReport(ByteView data, HclReport* out);

// REPORTDATA of a TD report (REPORTMACSTRUCT offset 128).
std::array<uint8_t, 64> TdReportReportData(const Bytes& td_report);

// What a relying party or the provider reads from the runtime JSON.
struct AzureRuntimeData {
  Bytes user_data;               // "user-data": 64 bytes from hex (any case)
  bool has_user_data = false;
  std::string ak_pub_n;          // "keys"[kid == "HCLAkPub"].n (base64url), "" if absent
  std::string ak_pub_e;
};

// A JSON object (no duplicate members); "user-data", when present, is a
// string of 128 hex digits; "keys", when present, an array of objects.
Status ParseAzureRuntimeJson(ByteView json, AzureRuntimeData* out);

}  // namespace ra
