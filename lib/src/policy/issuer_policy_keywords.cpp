// The attestation-service token section's keywords (docs/policy.md): whom
// to trust to sign tokens, and how to reach their keys.  Values are
// recorded here; the key files are loaded by verify/policy_materials.cpp.
#include <algorithm>
#include <string>

#include "parse/jwt_token.h"
#include "policy/policy_keywords.h"

namespace ra {
namespace {

Status ApplyIssuer(const PolicyLine& l, Policy* p) {
  std::string norm;
  Status s = NormalizeHttpsUrl(l.tok[1], &norm);
  if (!s.ok()) return Status::Fail("Issuer: " + s.detail());
  if (std::find(p->issuers.begin(), p->issuers.end(), norm) != p->issuers.end())
    return Status::Fail("duplicate Issuer " + norm);
  p->issuers.push_back(norm);
  return Status();
}

Status ApplyIssuerKeys(const PolicyLine& l, Policy* p) {
  p->issuer_keys_file = l.Resolve(l.tok[1]);
  return Status();
}

Status ApplyIssuerKey(const PolicyLine& l, Policy* p) {
  for (const auto& kp : p->issuer_key_pems)
    if (kp.first == l.tok[1]) return Status::Fail("IssuerKey: kid '" + l.tok[1] + "' given twice");
  p->issuer_key_pems.emplace_back(l.tok[1], l.Resolve(l.tok[2]));
  return Status();
}

// Judged when used (jwks_fetcher.cpp), never here.
Status ApplyIssuerKeyCache(const PolicyLine& l, Policy* p) {
  RA_RETURN_IF_ERROR(ParsePolicyCacheDir("IssuerKeyCache", l, &p->issuer_key_cache));
  p->issuer_key_cache_given = true;
  return Status();
}

}  // namespace

std::vector<PolicyKeyword> IssuerPolicyKeywords() {
  return {
      {"Issuer", 1, true, false, ApplyIssuer},
      {"IssuerKeys", 1, false, false, ApplyIssuerKeys},
      {"IssuerKey", 2, true, false, ApplyIssuerKey},
      {"IssuerCA", 1, false, false, ApplyPolicyPath<&Policy::issuer_ca_file>},
      {"IssuerKeyCache", 1, false, false, ApplyIssuerKeyCache},
  };
}

// Accepting tokens without naming whom to trust would leave the issuer to
// the token; refuse rather than guess.
Status FinishIssuerPolicy(Policy* p) {
  bool tokens = std::find(p->accepted_types.begin(), p->accepted_types.end(),
                          kEvidenceMaaToken) != p->accepted_types.end();
  if (tokens && p->issuers.empty())
    return Status::Fail("AcceptEvidence maa-token needs at least one Issuer");
  return Status();
}

}  // namespace ra
