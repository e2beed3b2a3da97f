// Azure Attestation (MAA) claims of a TDX confidential VM, judged after
// the token's signature and generic checks (verify/jwt_verifier.h) passed.
// Claim names: Azure's TDX EAT profile and the guest-attestation runtime
// claims (DESIGN "Verification").  Every claim is read through typed
// accessors: a missing or wrongly typed claim refuses the token.
#pragma once

#include <jansson.h>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// claims: the verified payload.  binding nullptr: the runtime user-data is
// not compared (`ssh-attest verify` without --report-data); it must still
// be a 64-byte hex string.  out (optional) gets the fields to report.
//  1. x-ms-attestation-type == "tdxvm"
//  2. x-ms-compliance-status == "azure-compliant-cvm"
//  3. tdx_td_attributes_debug false, unless AllowDebug yes
//  4. x-ms-runtime.user-data (hex, any case) == binding, constant time
//  5. MRTD, RTMR0-3, MRSEAM lists against tdx_mrtd, tdx_rtmr0-3, tdx_mrseam
Status CheckMaaTdxClaims(const json_t* claims, const Binding* binding,
                         const Policy& policy, VerifiedClaims* out);

}  // namespace ra
