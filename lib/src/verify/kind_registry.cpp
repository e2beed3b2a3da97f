// The evidence kinds, one entry each.  A new kind adds its files (parse/,
// verify/, policy/) and one line here; nothing else in the library, the
// C ABI or OpenSSH names it (docs/adding-an-evidence-kind.md).  Unknown
// wire types are skipped by Evaluate (DESIGN: "an unknown type is skipped,
// not fatal").
#include <algorithm>

#include "common/evidence.h"
#include "policy/tdx_eventlog_policy.h"
#include "verify/azure_snp_report_verifier.h"
#include "verify/azure_tdx_quote_verifier.h"
#include "verify/maa_token_verifier.h"
#include "verify/policy_materials.h"
#include "verify/snp_kind.h"
#include "verify/tdx_quote_verifier.h"
#include "verify/tpm_kind.h"

namespace ra {

const std::vector<const EvidenceKind*>& AllKinds() {
  static const std::vector<const EvidenceKind*> kAll = {
      TdxQuoteKind(),
      TdxQuoteSha512Kind(),
      MaaTokenKind(),
      AzureTdxQuoteKind(),
      SnpReportKind(),
      AzureSnpReportKind(),
      TpmQuoteKind(),
  };
  return kAll;
}

// The policy file's sections (policy/policy_keywords.h): the common one,
// then one per family of kinds.  A kind with keywords of its own adds its
// section here.
const std::vector<const PolicySection*>& PolicySections() {
  static const std::vector<const PolicySection*> kAll = {
      &CommonPolicySection(),
      &TdxPolicySection(),
      &IssuerPolicySection(),
      &SnpPolicySection(),
      &TpmPolicySection(),
      &TdxEventLogPolicySection(),
  };
  return kAll;
}

const EvidenceKind* FindKind(const std::string& type) {
  for (const EvidenceKind* k : AllKinds())
    if (type == k->type()) return k;
  return nullptr;
}

bool IsKnownEvidenceType(const std::string& type) { return FindKind(type) != nullptr; }

std::string ClaimField(const VerifiedClaims& c, const std::string& name) {
  for (const auto& f : c.fields)
    if (f.first == name) return f.second;
  return std::string();
}

std::string EvidenceKind::Summary(const VerifiedClaims& c) const {
  std::string s = c.kind + " verified";
  std::string mrtd = ClaimField(c, "mrtd");
  if (!mrtd.empty()) s += ": mrtd=" + mrtd.substr(0, 16) + (mrtd.size() > 16 ? "..." : "");
  std::string tcb = ClaimField(c, "tcb_status");
  if (!tcb.empty()) s += " tcb=" + tcb;
  // Only reachable with AllowDebug yes; say it where the operator looks.
  if (ClaimField(c, "debug") == "yes") s += " DEBUG-TD";
  return s;
}

}  // namespace ra
