// Evidence type "maa-token": an Azure Attestation token (the JWT bytes)
// for a TDX confidential VM.  Generic token checks (jwt_verifier.h), then
// Azure's TDX claims and the binding (policy/maa_tdx_policy.h).
#pragma once

#include <ctime>
#include <string>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// binding nullptr: user-data not compared.  now 0: the current time.
Status VerifyMaaTdxToken(const std::string& token, const Binding* binding,
                         const Policy& policy, std::time_t now, VerifiedClaims* out);

const EvidenceVerifier* MaaTokenVerifier();

}  // namespace ra
