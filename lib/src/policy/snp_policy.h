// The SEV-SNP policy section (kind snp-report; keywords in
// policy/snp_policy_keywords.cpp, docs/policy.md) and the appraisal of a
// verified report against it.  Unset values are not checked, except the
// guest's DEBUG bit (refused unless AllowDebug yes), the migration agent
// (refused unless SnpAllowMigrationAgent yes) and VMPL (0 unless SnpVmpl).
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "parse/snp_report.h"
#include "policy/policy.h"
#include "policy/policy_keywords.h"

namespace ra {

constexpr const char kSnpPolicySection[] = "snp";

// Certificates / CRL a keyword names, loaded by verify/snp_kind.cpp.
struct SnpLoadedAnchors;
struct SnpLoadedCrl;

struct SnpPolicyValues : PolicySectionValues {
  // TrustAnchor snp PATH: PEM ARK(s) replacing AMD's built-in ones.
  std::string trust_anchor;
  std::shared_ptr<const SnpLoadedAnchors> anchors;  // loaded with the policy
  // SnpCrl FILE: the ARK's CRL (DER or PEM), checked for the ASK/ASVK.
  std::string crl_file;
  std::shared_ptr<const SnpLoadedCrl> crl;
  // SnpRequireCrl yes: every chain is checked against a CRL: SnpCrl's,
  // else one fetched from SnpKds; neither given is a policy error.
  bool require_crl = false;
  // SnpKds URL: fetch the VCEK when the evidence carries none.
  std::string kds_url;
  std::string kds_ca_file;  // SnpKdsCA FILE: TLS CA instead of the system's
  std::string kds_cache;    // SnpKdsCache DIR|none; unset: IssuerKeyCache's
  bool kds_cache_given = false;

  // Reference values (any listed value matches; empty: unchecked).
  std::vector<Bytes> measurement;        // 48 bytes each
  std::vector<Bytes> host_data;          // 32
  std::vector<Bytes> id_key_digest;      // 48
  std::vector<Bytes> author_key_digest;  // 48
  std::vector<Bytes> family_id;          // 16
  std::vector<Bytes> image_id;           // 16

  bool has_min_tcb = false;
  bool min_tcb_has_fmc = false;
  SnpTcbParts min_tcb;
  bool has_min_guest_svn = false;
  uint32_t min_guest_svn = 0;
  bool has_min_abi = false;
  uint8_t min_abi_major = 0, min_abi_minor = 0;
  uint32_t vmpl = 0;  // SnpVmpl; the report's VMPL must equal it
  bool allow_migration_agent = false;
  bool require_no_smt = false;  // SnpRequireNoSmt: PLATFORM_INFO.SMT_EN clear
  // SnpRequirePlatform NAME,...: PLATFORM_INFO bits that must be set (bit
  // n of the mask for bit n; names from kSnpPlatformInfoFlags).
  uint64_t require_platform = 0;
};

// The section's values in pol (nullptr when the file set none).
const SnpPolicyValues* SnpPolicy(const Policy& pol);

std::vector<PolicyKeyword> SnpPolicyKeywords();
// The section's whole-file rule: SnpRequireCrl yes needs SnpCrl or SnpKds.
Status FinishSnpPolicy(Policy* pol);

// What the appraisal reads: the report as signed, REPORTED_TCB decoded.
struct SnpAppraisalInput {
  const SnpReport* report = nullptr;
  SnpTcbParts reported_tcb;
  SnpProduct product = SnpProduct::kUnknown;
};

// Fails with check "snp policy", naming the field and both values.
Status AppraiseSnpReport(const SnpAppraisalInput& in, const Policy& pol);

// The policy lines that pin this report (EvidenceKind::PinLines).
std::vector<std::string> SnpPinLines(const SnpAppraisalInput& in);

}  // namespace ra
