// Azure Attestation (MAA) claims of an SEV-SNP confidential VM
// (x-ms-attestation-type "sevsnpvm", what /attest/SevSnpVm issues), read
// after the token's signature and generic checks (verify/jwt_verifier.h)
// passed, and appraised against the SNP section of the policy (the Snp*
// keywords and AllowDebug, as for an snp-report).  Claim names: Azure's
// SEV-SNP claim set (x-ms-sevsnpvm-*, the report's fields as hex strings
// and numbers) and the runtime claims.  Every claim is read through typed
// accessors: a missing or wrongly typed claim refuses the token.
#pragma once

#include <jansson.h>

#include <array>
#include <optional>
#include <string>

#include "common/evidence.h"
#include "common/status.h"
#include "parse/snp_report.h"
#include "policy/policy.h"

namespace ra {

// What a verified sevsnpvm token says (kind maa-token's typed claims).
struct MaaSnpClaims {
  std::string attestation_type, compliance;
  bool debug = true;                        // x-ms-sevsnpvm-is-debuggable
  std::array<uint8_t, 48> measurement{};    // -launchmeasurement
  uint32_t vmpl = 0;                        // -vmpl
  // Optional claims: absent in the token, unset here.
  std::optional<std::array<uint8_t, 32>> host_data;
  std::optional<std::array<uint8_t, 48>> id_key_digest, author_key_digest;
  std::optional<std::array<uint8_t, 16>> family_id, image_id;
  std::optional<uint32_t> guest_svn;
  std::optional<bool> migration_allowed;
  std::optional<SnpTcbParts> tcb;  // all four of -bootloader/-tee/-snpfw/-microcode-svn
  Bytes user_data;
  bool binding_checked = false;
  std::string user_data_is;  // "binding" or "sha512(binding)" when checked
};

// Genuineness given a verified token:
//  1. x-ms-attestation-type == "sevsnpvm"
//  2. x-ms-compliance-status == "azure-compliant-cvm"
//  3. x-ms-sevsnpvm-is-debuggable a boolean, -launchmeasurement 96 hex
//     digits, -vmpl 0..3
//  4. x-ms-runtime.user-data (hex, any case) == binding, constant time
//  5. the optional claims, when present, of their form
// out->fields gets the values in full (report field names, as snp-report's
// claims), out->typed the struct.  Check "maa snp claims".
Status ReadMaaSnpClaims(const json_t* claims, const Binding* binding, VerifiedClaims* out);

// The SNP section: debug refused unless AllowDebug, migration unless
// SnpAllowMigrationAgent, VMPL == SnpVmpl, SnpMeasurement, SnpHostData,
// SnpIdKeyDigest, SnpAuthorKeyDigest, SnpFamilyId, SnpImageId,
// SnpMinGuestSvn, SnpMinTcb (without fmc).  A keyword whose claim the
// token lacks, or that no token carries (SnpMinAbi, SnpRequireNoSmt, a
// Turin fmc minimum), refuses, unless RequireEvidence also names a raw
// SNP report kind whose appraisal checks it.  Check "snp policy" for a
// value, "maa snp claims" for a missing claim.
Status AppraiseMaaSnpClaims(const MaaSnpClaims& claims, const Policy& policy);

}  // namespace ra
