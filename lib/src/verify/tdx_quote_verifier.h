// Verification of a raw Intel TDX quote (evidence type "tdx-quote"), as
// Intel's DCAP library and go-tdx-guest do it: PCK chain to the pinned root
// (validity at `now`, CRLs when the collateral has them), QE report signed
// by the PCK key, QE report data = SHA-256(attestation key || QE auth
// data), quote signature by the attestation key over header and body, then
// the binding in REPORTDATA, then TCB status (when the policy names
// collateral) and the policy's reference values.
#pragma once

#include <ctime>

#include "common/evidence.h"
#include "common/status.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"

namespace ra {

// binding nullptr: REPORTDATA is not checked (`ssh-attest verify` without a
// binding).  now 0: the current time.
Status VerifyTdxQuote(ByteView quote, const Binding* binding,
                      const Policy& policy, std::time_t now,
                      VerifiedClaims* out);

const EvidenceVerifier* TdxQuoteVerifier();

// The quote's QE report must come from Intel's TD quoting enclave.
Status CheckIntelTdQeIdentity(const SgxReportBody& qe_report);
// "tdx-quote-sha512": REPORTDATA = SHA-512(binding) (trustauthority-cli).
const EvidenceVerifier* TdxQuoteSha512Verifier();

}  // namespace ra
