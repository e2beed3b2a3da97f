// The firmware's MSG_REPORT_RSP as Linux's /dev/sev-guest hands it back in
// snp_report_resp.data (4000 bytes) for SNP_GET_REPORT and
// SNP_GET_EXT_REPORT (AMD SEV-SNP Firmware ABI, publication 56860, table
// "MSG_REPORT_RSP Message Structure"):
//
//   0x00 STATUS u32 LE (0 success, 0x16 invalid parameters, 0x27 invalid
//        key selection)
//   0x04 REPORT_SIZE u32 LE
//   0x08 reserved 24
//   0x20 REPORT (REPORT_SIZE bytes, 0x4A0 for ATTESTATION_REPORT)
//
// Parsing bounds REPORT_SIZE by the buffer; whether STATUS is success and
// the report is one (ParseSnpReport) is the caller's judgement.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace ra {

constexpr size_t kSnpReportRespHeaderLen = 0x20;
constexpr size_t kSnpReportRespBufferLen = 4000;  // snp_report_resp.data

struct SnpReportResponse {
  uint32_t status = 0;
  uint32_t report_size = 0;
  ByteView report;  // inside the parsed buffer
};

// Fails with check "snp report response" when data is shorter than the
// header or REPORT_SIZE reaches past its end.
Status ParseSnpReportResponse(ByteView data, SnpReportResponse* out);

}  // namespace ra
