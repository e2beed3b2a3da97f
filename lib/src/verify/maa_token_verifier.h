// Kind maa-token: an Azure Attestation token (the JWT bytes) for a TDX or
// SEV-SNP confidential VM.  Generic token checks (jwt_verifier.h), then
// Azure's TDX claims (x-ms-attestation-type tdxvm, policy/maa_tdx_policy.h)
// or SEV-SNP claims (sevsnpvm, policy/maa_snp_policy.h: appraised with the
// Snp* keywords) and the binding.
#pragma once

#include <ctime>
#include <string>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// Verification then appraisal.  binding nullptr: user-data not compared.
// now 0: the current time.
Status VerifyMaaTdxToken(const std::string& token, const Binding* binding,
                         const Policy& policy, std::time_t now, VerifiedClaims* out);

// Verification only.  Without a binding to compare (offline inspection),
// a token of another attestation type than tdxvm or sevsnpvm verifies generically:
// signature, issuer and times, claims fields attestation_type and
// generic=yes, nothing to appraise.  With a binding it is refused.
// deadline: as for FetchIssuerKeys.
Status VerifyMaaTokenClaims(const std::string& token, const Binding* binding,
                            const Policy& policy, std::time_t now, VerifiedClaims* out,
                            FetchDeadline deadline = FetchDeadline{});

const EvidenceKind* MaaTokenKind();

}  // namespace ra
