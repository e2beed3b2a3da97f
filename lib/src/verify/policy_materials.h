// The policy sections of the built-in kinds, with their loaders (what a
// keyword names is read by the verify layer; policy/ only records it).
#pragma once

#include "policy/policy_keywords.h"

namespace ra {

const PolicySection& TdxPolicySection();     // TDX quotes, maa-token's TDX claims
const PolicySection& IssuerPolicySection();  // attestation-service tokens

}  // namespace ra
