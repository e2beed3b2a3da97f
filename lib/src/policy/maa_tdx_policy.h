// Azure Attestation (MAA) claims of a TDX confidential VM, read after the
// token's signature and generic checks (verify/jwt_verifier.h) passed, and
// appraised against the policy.  Claim names: Azure's TDX EAT profile and
// the guest-attestation runtime claims (DESIGN "Verification").  Every
// claim is read through typed accessors: a missing or wrongly typed claim
// refuses the token.
#pragma once

#include <jansson.h>

#include <optional>
#include <string>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// What a verified tdxvm token says (kind maa-token's typed claims).
struct MaaTdxClaims {
  std::string attestation_type, compliance;
  bool debug = true;
  // 48-byte measurements; absent when the token does not carry them.
  std::optional<Bytes> mrtd, rtmr[4], mrseam;
  Bytes user_data;
  bool binding_checked = false;
  std::string user_data_is;  // "binding" or "sha512(binding)" when checked
};

// The service's own verdicts and the binding (genuineness, given a
// verified token):
//  1. x-ms-attestation-type == "tdxvm"
//  2. x-ms-compliance-status == "azure-compliant-cvm"
//  3. tdx_td_attributes_debug a boolean
//  4. x-ms-runtime.user-data (hex, any case) == binding, constant time
//     (binding nullptr: not compared; it must still be 64 bytes of hex)
//  5. measurements, when present, 96 hex digits
// out->fields (if out) gets the values in full, out->typed the struct.
Status ReadMaaTdxClaims(const json_t* claims, const Binding* binding, VerifiedClaims* out);

// Debug refused unless AllowDebug; MRTD, RTMR0-3, MRSEAM lists against
// tdx_mrtd, tdx_rtmr0-3, tdx_mrseam (a listed value's claim must exist).
Status AppraiseMaaTdxClaims(const MaaTdxClaims& claims, const Policy& policy);

// Both, in that order.
Status CheckMaaTdxClaims(const json_t* claims, const Binding* binding,
                         const Policy& policy, VerifiedClaims* out);

}  // namespace ra
