// The C++ policy behind a C ABI policy handle, for C ABI files other than
// ra_attest_capi.cpp (which owns struct ra_policy).  nullptr for NULL.
#pragma once

#include "policy/policy.h"

struct ra_policy;

namespace ra {
const Policy* PolicyOfHandle(const ra_policy* pol);
}  // namespace ra
