// Verification of a raw Intel TDX quote (kinds tdx-quote and
// tdx-quote-sha512), as Intel's DCAP library and go-tdx-guest do it: PCK
// chain to the pinned root (validity at `now`, CRLs when the collateral has
// them), QE report signed by the PCK key, QE report data = SHA-256(
// attestation key || QE auth data), quote signature by the attestation key
// over header and body, then the binding in REPORTDATA, then the TCB status
// (when the policy names collateral).  Appraisal (TCB status allowed,
// debug, reference values) is policy/tdx_policy.h.
#pragma once

#include <ctime>

#include "common/evidence.h"
#include "common/status.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "policy/tdx_policy.h"

namespace ra {

// Genuineness only.  binding nullptr: REPORTDATA is not checked
// (`ssh-attest verify` without a binding).  now 0: the current time.  The
// policy supplies the trust anchors and collateral; a collateral fetch
// ends by deadline ({}: the fetcher's own bound).
Status VerifyTdxQuoteClaims(ByteView quote, const Binding* binding, const Policy& policy,
                            std::time_t now, TdxClaims* out,
                            FetchDeadline deadline = FetchDeadline{});
// t as name/value fields (in full) plus t itself as the typed claims.
void TdxClaimFields(const TdxClaims& t, const char* kind, VerifiedClaims* out);
// AppraiseTdxClaims on claims whose typed part is TdxClaims.
Status AppraiseTdxTypedClaims(const VerifiedClaims& claims, const Policy& policy);

// Verification then appraisal, claims of kind tdx-quote: for tests and
// tools that hold one bare quote.
Status VerifyTdxQuote(ByteView quote, const Binding* binding,
                      const Policy& policy, std::time_t now,
                      VerifiedClaims* out);

// Kinds whose claims are TdxClaims share the TDX appraisal; VerifyAs
// checks a quote whose REPORTDATA must be report_data (nullptr: not
// compared), replays the tdx-eventlog item of all (if any) against its
// RTMRs (verify/tdx_eventlog_check.h), and fills TDX claims of this kind.
class TdxFamilyKind : public EvidenceKind {
 public:
  std::vector<std::string> companions() const override { return {kEvidenceTdxEventLog}; }
  Status Appraise(const VerifiedClaims& claims, const Policy& policy) const override;
  KnownRecordSpec KnownFields() const override;
  std::vector<std::string> PinLines(const VerifiedClaims& claims) const override;

 protected:
  Status VerifyAs(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                  const Binding* report_data, const VerifyContext& ctx,
                  VerifiedClaims* out) const;
};

// The registry's entries (verify/kind_registry.cpp).
const EvidenceKind* TdxQuoteKind();
// REPORTDATA = SHA-512(binding) (trustauthority-cli).
const EvidenceKind* TdxQuoteSha512Kind();

// The quote's QE report must come from Intel's TD quoting enclave.
Status CheckIntelTdQeIdentity(const SgxReportBody& qe_report);

}  // namespace ra
