// The age rule for cached evidence (verify/cached_evidence.h).
#include "verify/cached_evidence.h"

#include <string>

namespace ra {

Status CheckCachedEvidenceAge(const CommonPolicy& pol, uint64_t made_at, int64_t now) {
  if (!pol.accept_cached_evidence)
    return Status::Fail("cached evidence",
                        "the server sent evidence made for its host key, not for this "
                        "connection, and the policy does not accept that "
                        "(AcceptCachedEvidence no)");
  if (now < 0) return Status::Fail("cached evidence age", "the client's clock is before 1970");
  const uint64_t unow = static_cast<uint64_t>(now);
  const uint64_t skew = static_cast<uint64_t>(pol.clock_skew);
  if (made_at > unow) {
    // Compared without adding to made_at, which is the server's and may be
    // anything up to 2^64 - 1.
    if (made_at - unow > skew)
      return Status::Fail("cached evidence age",
                          "made " + std::to_string(made_at - unow) +
                              " s in the future by the server's clock (ClockSkew " +
                              std::to_string(pol.clock_skew) + ")");
    return Status();
  }
  const uint64_t age = unow - made_at;
  if (age > static_cast<uint64_t>(pol.max_evidence_age))
    return Status::Fail("cached evidence age",
                        "made " + std::to_string(age) + " s ago, older than MaxEvidenceAge " +
                            std::to_string(pol.max_evidence_age));
  return Status();
}

}  // namespace ra
