// TCB status of a TDX platform from Intel's collateral, computed the way
// Intel's DCAP Quote Verification Library does (tdxEvaluateTCB): the
// platform's TCB level from TCB info v3 (SGX components + PCESVN from the
// PCK certificate, TEE_TCB_SVN from the quote), the TDX module's status
// from tdxModuleIdentities when TEE_TCB_SVN[1] > 0, and the quoting
// enclave's status from the TD_QE identity; then the three converge.
#pragma once

#include <array>
#include <ctime>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "common/status.h"
#include "parse/pck_extensions.h"
#include "parse/tdx_quote.h"
#include "verify/x509_util.h"

namespace ra {

// Where collateral comes from, for a refusal that found none.
constexpr const char kCollateralSourceHint[] =
    " (collateral comes from Intel's PCS: `Collateral https://api.trustedservices.intel.com`, "
    "or a PCCS URL, or a directory of the files downloaded from it)";

struct Policy;

struct TdxTcbInfo {
  std::string id;  // "TDX"
  int version = 0;
  std::time_t issue_date = 0, next_update = 0;
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 2> pce_id{};
  int64_t tcb_evaluation_data_number = 0;

  struct ModuleIdentity {
    std::string id;  // "TDX_01"...; empty for the top-level tdxModule
    Mr48 mrsigner{};
    std::array<uint8_t, 8> attributes{}, attributes_mask{};
    std::vector<std::pair<uint8_t, std::string>> levels;  // isvsvn, status
  };
  bool has_tdx_module = false;
  ModuleIdentity tdx_module;
  std::vector<ModuleIdentity> module_identities;

  struct Level {
    std::array<uint8_t, 16> sgx_svn{};
    uint16_t pce_svn = 0;
    std::array<uint8_t, 16> tdx_svn{};
    std::string status;
    std::time_t tcb_date = 0;  // "tcbDate"; 0 when the level has none
  };
  // Highest first (Intel's order, which parsing restores: SGX components,
  // PCESVN, TDX components); module and QE identity levels by ISVSVN, too.
  std::vector<Level> levels;
};

struct QeIdentity {
  std::string id;  // "TD_QE"
  int version = 0;
  std::time_t issue_date = 0, next_update = 0;
  int64_t tcb_evaluation_data_number = 0;
  uint32_t miscselect = 0, miscselect_mask = 0;
  std::array<uint8_t, 16> attributes{}, attributes_mask{};
  std::array<uint8_t, 32> mrsigner{};
  uint16_t isvprodid = 0;
  std::vector<std::pair<uint16_t, std::string>> levels;  // isvsvn, status
};

// Splits a collateral file into the exact text of its signed member
// ("tcbInfo" or "enclaveIdentity", as it appears in the file) and the
// signature (64 bytes r || s).
Status ExtractSignedCollateral(const std::string& file_text, const char* key,
                               std::string* signed_text, Bytes* signature);

Status ParseTdxTcbInfo(const std::string& tcbinfo_json, TdxTcbInfo* out);
Status ParseQeIdentity(const std::string& identity_json, QeIdentity* out);

// The platform's TCB level: the first (highest) level of info that the
// PCK's SGX components and PCESVN and the quote's TEE_TCB_SVN all reach;
// nullptr when none does.
const TdxTcbInfo::Level* FindTdxTcbLevel(const TdxQuote& q, const PckExtensions& pck,
                                         const TdxTcbInfo& info);

// The quote's quoting enclave is the one qe describes (MRSIGNER,
// ISVPRODID, MISCSELECT and ATTRIBUTES under their masks).
Status CheckQeIdentityMatch(const TdxQuote& q, const QeIdentity& qe);

// The pure computation (no signatures, no dates): qe may be nullptr, in
// which case the QE's status is not folded in.
Status ComputeTdxTcbStatus(const TdxQuote& q, const PckExtensions& pck,
                           const TdxTcbInfo& info, const QeIdentity* qe,
                           std::string* status);

struct TdxTcbResult {
  std::string status;
  std::string tcbinfo_file, qeidentity_file;
  int64_t tcb_evaluation_data_number = 0;
};

// Every *crl*.der (or .pem) file in dir: PCK CA CRL, Root CA CRL.
Status LoadCollateralCrls(const std::string& dir, std::vector<X509CrlPtr>* out);

}  // namespace ra
