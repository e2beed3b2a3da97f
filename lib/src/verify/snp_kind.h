// The SEV-SNP evidence kinds and their policy section, for the kind
// registry: snp-report (companions snp-certs / snp-vcek), and what the
// kinds that carry an SNP report in another wrapping share
// (azure-snp-report, tpm-quote's Azure SNP path).
#pragma once

#include <string>
#include <vector>

#include "common/evidence.h"
#include "policy/policy_keywords.h"
#include "verify/snp_report_verifier.h"

namespace ra {

const EvidenceKind* SnpReportKind();
const PolicySection& SnpPolicySection();

// The report (0x4A0 bytes) verified with the certificates among all
// (snp-certs, else snp-vcek), else with a VCEK fetched from the policy's
// SnpKds; chain, signature, TCB and chip checks under ctx.policy's SNP
// section at ctx.now.  REPORT_DATA is not compared: the caller binds.
Status VerifySnpReportItem(ByteView report, const std::vector<EvidenceItem>& all,
                           const VerifyContext& ctx, SnpClaims* out);
// *out = every field of c under kind, c as the typed claims.
void SnpClaimFields(SnpClaims c, const char* kind, bool binding_checked, VerifiedClaims* out);
// The SNP appraisal (policy/snp_policy) of claims SnpClaimFields made.
Status AppraiseSnpClaims(const VerifiedClaims& claims, const Policy& policy);
// The policy lines that pin claims SnpClaimFields made (policy/snp_policy).
std::vector<std::string> SnpClaimPinLines(const VerifiedClaims& claims);

// A kind whose evidence is an SNP report: the SNP appraisal, pins and
// summary.
class SnpFamilyKind : public EvidenceKind {
 public:
  Status Appraise(const VerifiedClaims& claims, const Policy& policy) const override;
  std::vector<std::string> PinLines(const VerifiedClaims& claims) const override;
  std::string Summary(const VerifiedClaims& c) const override;
};

}  // namespace ra
