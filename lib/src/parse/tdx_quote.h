// Intel TDX quote (v4 and v5, ECDSA-P256 attestation key) as a plain struct.
// The parser only checks structure: every length is checked against what is
// left before it is used, and nothing here is trusted until verify/ has
// checked the signatures.  Layout: Intel TDX DCAP Quoting Library API,
// appendix A (see DESIGN.md "Formats").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

constexpr size_t kTdxHeaderLen = 48;
constexpr size_t kTdxBody10Len = 584;  // TD report body, TDX 1.0
constexpr size_t kTdxBody15Len = 648;  // + TEE_TCB_SVN2 and MRSERVICETD
constexpr size_t kSgxReportBodyLen = 384;
constexpr uint16_t kTdxAttKeyTypeEcdsaP256 = 2;
constexpr uint32_t kTdxTeeType = 0x81;
constexpr uint16_t kTdxBodyTypeTdx10 = 2;
constexpr uint16_t kTdxBodyTypeTdx15 = 3;
constexpr uint16_t kCertDataQeReport = 6;  // QE report certification data
constexpr uint16_t kCertDataPckChain = 5;  // PEM: PCK leaf, intermediate, root

using Mr48 = std::array<uint8_t, 48>;

// SGX report body of the quoting enclave (the QE report).
struct SgxReportBody {
  std::array<uint8_t, 16> cpu_svn{};
  uint32_t misc_select = 0;
  std::array<uint8_t, 16> attributes{};
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  std::array<uint8_t, 64> report_data{};
};

struct TdReportBody {
  std::array<uint8_t, 16> tee_tcb_svn{};
  Mr48 mr_seam{};
  Mr48 mr_signer_seam{};
  std::array<uint8_t, 8> seam_attributes{};
  std::array<uint8_t, 8> td_attributes{};
  std::array<uint8_t, 8> xfam{};
  Mr48 mr_td{};
  Mr48 mr_config_id{};
  Mr48 mr_owner{};
  Mr48 mr_owner_config{};
  std::array<Mr48, 4> rtmr{};
  std::array<uint8_t, 64> report_data{};
  // Body type 3 (TDX 1.5) only; zero otherwise.
  std::array<uint8_t, 16> tee_tcb_svn2{};
  Mr48 mr_service_td{};
};

struct TdxQuote {
  // Header.
  uint16_t version = 0;
  uint16_t att_key_type = 0;
  uint32_t tee_type = 0;
  std::array<uint8_t, 4> reserved{};
  std::array<uint8_t, 16> qe_vendor_id{};
  std::array<uint8_t, 20> user_data{};
  // v4: always 2 (implied); v5: from the body descriptor.
  uint16_t body_type = kTdxBodyTypeTdx10;
  uint32_t body_size = kTdxBody10Len;
  TdReportBody body;

  // Header (+ v5 body descriptor) + body: what the attestation key signs.
  Bytes signed_region;

  uint32_t signature_data_len = 0;
  std::array<uint8_t, 64> signature{};        // r || s, big-endian each
  std::array<uint8_t, 64> attestation_key{};  // X || Y of the P-256 point

  uint16_t cert_data_type = 0;  // 6
  uint32_t cert_data_size = 0;
  Bytes qe_report_raw;  // the 384 signed bytes
  SgxReportBody qe_report;
  std::array<uint8_t, 64> qe_report_signature{};
  Bytes qe_auth_data;
  uint16_t pck_cert_data_type = 0;  // 5
  std::string pck_chain_pem;        // as carried (may end with a NUL)

  // Bytes after the declared signature data; recorded, never interpreted.
  size_t trailing_bytes = 0;
};

Status ParseTdxQuote(ByteView in, TdxQuote* out);

// JSON object for `ssh-attest inspect` (unverified view of the fields).
std::string TdxQuoteToJson(const TdxQuote& q);

}  // namespace ra
