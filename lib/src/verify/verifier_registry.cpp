// Maps a wire evidence type to its verifier.  Unknown types return nullptr
// and are skipped by the caller (DESIGN: "an unknown type is skipped, not
// fatal").  Add one line per evidence kind.
#include "common/evidence.h"
#include "verify/azure_tdx_quote_verifier.h"
#include "verify/maa_token_verifier.h"
#include "verify/tdx_quote_verifier.h"

namespace ra {

const EvidenceVerifier* FindVerifier(const std::string& type) {
  const EvidenceVerifier* const kAll[] = {TdxQuoteVerifier(), TdxQuoteSha512Verifier(),
                                          MaaTokenVerifier(), AzureTdxQuoteVerifier()};
  for (const EvidenceVerifier* v : kAll)
    if (type == v->type()) return v;
  return nullptr;
}

}  // namespace ra
