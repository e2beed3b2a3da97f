// TDX reference values of a Policy against a quote whose signatures have
// already been verified.
#pragma once

#include "common/status.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"

namespace ra {

// TDATTRIBUTES bit 0: the TD is debuggable (its memory is readable by the
// host), so nothing it attests means anything.
inline bool TdxIsDebug(const TdxQuote& q) {
  return (q.body.td_attributes[0] & 0x01) != 0;
}

Status CheckTdxPolicy(const TdxQuote& q, const Policy& policy);

}  // namespace ra
