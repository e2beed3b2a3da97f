// The TDX module's TD report (TDREPORT_STRUCT, 1024 bytes): what a TD gets
// from TDG.MR.REPORT and what a quoting service turns into a quote.  On
// Azure it arrives inside the HCL report and goes to IMDS for quoting.
// Layout (Intel TDX module ABI; checked field by field against a real
// Azure TD report and the quote made from it, lib/tests/td_report_test):
//
//   0    REPORTMACSTRUCT 256: report type 4 (type 0x81 = TDX), reserved 12,
//        CPUSVN 16, TEE_TCB_INFO hash 48 (SHA-384), TDINFO hash 48
//        (SHA-384), REPORTDATA 64 (at 128), reserved 32, MAC 32 (at 224)
//   256  TEE_TCB_INFO 239: valid 8, TEE_TCB_SVN 16, MRSEAM 48,
//        MRSIGNERSEAM 48, ATTRIBUTES 8, TEE_TCB_SVN2 16, reserved 95
//   495  reserved 17
//   512  TDINFO 512: ATTRIBUTES 8, XFAM 8, MRTD 48, MRCONFIGID 48,
//        MROWNER 48, MROWNERCONFIG 48, RTMR0-3 48 each, SERVTD_HASH 48,
//        reserved 64
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "parse/tdx_quote.h"

namespace ra {

constexpr size_t kTdReportStructLen = 1024;
constexpr size_t kTdReportMacedLen = 224;   // REPORTMACSTRUCT before the MAC
constexpr size_t kTeeTcbInfoOffset = 256;
constexpr size_t kTeeTcbInfoLen = 239;
constexpr size_t kTdInfoOffset = 512;
constexpr size_t kTdInfoLen = 512;
constexpr uint8_t kTdReportTypeTdx = 0x81;

struct TdReport {
  std::array<uint8_t, 4> report_type{};
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 48> tee_tcb_info_hash{};
  std::array<uint8_t, 48> tee_info_hash{};
  std::array<uint8_t, 32> mac{};
  std::array<uint8_t, 8> tee_tcb_info_valid{};  // which TEE_TCB_INFO fields are set
  // The fields a quote carries, in a quote's own structure: a quote made
  // from this report must have exactly this body.
  TdReportBody body;
};

// Exactly kTdReportStructLen bytes with report type 0x81.
Status ParseTdReport(ByteView data, TdReport* out);

// The other way: the 1024 bytes with every field above at the offset
// ParseTdReport reads it from, all else zero.  The hashes and the MAC are
// written as they are, not computed.
Bytes TdReportStruct(const TdReport& report);

// The 584-byte TDX 1.0 quote body for these fields, in wire order.
Bytes TdQuoteBody10(const TdReportBody& body);

}  // namespace ra
