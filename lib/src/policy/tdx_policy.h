// Appraisal of a TDX quote's claims (TCB status, debug, reference values)
// against a Policy, after verify/tdx_quote_verifier.cpp established that
// the quote is genuine and bound to this session.
#pragma once

#include <string>

#include "common/status.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"

namespace ra {

// What a verified TDX quote establishes (kinds tdx-quote, tdx-quote-sha512
// and azure-tdx-quote): filled by VerifyTdxQuoteClaims, read here.
struct TdxClaims {
  uint16_t version = 0;
  TdReportBody body;
  std::string fmspc;  // hex; "" when the PCK extensions did not parse
  bool tcb_evaluated = false;  // the policy named Collateral
  std::string tcb_status = "not evaluated";
  // OutOfDate within TcbGracePeriod of the newer level's date.
  bool tcb_within_grace = false;
  bool binding_checked = false;
};

// TDATTRIBUTES bit 0: the TD is debuggable (its memory is readable by the
// host), so nothing it attests means anything.
inline bool TdxIsDebug(const TdReportBody& b) { return (b.td_attributes[0] & 0x01) != 0; }
inline bool TdxIsDebug(const TdxQuote& q) { return TdxIsDebug(q.body); }

// What a refused debug TD's message adds: what to do about it.
constexpr const char kDebugHint[] =
    " (rebuild the TD without debug, or set AllowDebug yes for testing)";

// Debug refused unless AllowDebug; MRTD, RTMR0-3, MRSEAM in their lists.
Status CheckTdxReferenceValues(const TdReportBody& body, const Policy& policy);
inline Status CheckTdxPolicy(const TdxQuote& q, const Policy& policy) {
  return CheckTdxReferenceValues(q.body, policy);
}

// TCB status in AllowedTcbStatus (when evaluated), then the above.
Status AppraiseTdxClaims(const TdxClaims& claims, const Policy& policy);

}  // namespace ra
