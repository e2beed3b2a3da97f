// Kind azure-tdx-quote: a TDX quote made the Azure way, verified directly,
// without trusting any attestation service.  Its companion item
// azure-runtime-data is the runtime JSON: REPORTDATA[0:32] must equal
// SHA-256(runtime JSON) and the JSON's "user-data" (128 hex digits, any
// case) must equal the binding.  The quote itself is verified as a plain
// TDX quote is (chain, QE, signatures, TCB); appraisal is the TDX one.
#pragma once

#include <ctime>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// Genuineness; out gets the TDX fields plus user_data and how it matched.
// binding nullptr: user-data not compared (still required to be 64 bytes).
// A collateral fetch ends by deadline ({}: the fetcher's own bound).
Status VerifyAzureTdxQuoteClaims(ByteView quote, ByteView runtime_json, const Binding* binding,
                                 const Policy& policy, std::time_t now, VerifiedClaims* out,
                                 FetchDeadline deadline = FetchDeadline{});
// Verification then appraisal (tests, tools holding the two files).
Status VerifyAzureTdxQuote(ByteView quote, ByteView runtime_json, const Binding* binding,
                           const Policy& policy, std::time_t now, VerifiedClaims* out);

const EvidenceKind* AzureTdxQuoteKind();

}  // namespace ra
