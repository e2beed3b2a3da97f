// Cached evidence (ra-ssh AttestationCache, docs/design.md "Cached
// evidence"): evidence the server made earlier for its host key rather
// than for this session.  The caller recomputes its binding (label, this
// connection's host key, the made_at and random value sent with it) and
// verifies it like any evidence; this judges only whether the policy
// accepts such evidence at its age.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// made_at: when the server says it made the evidence (seconds since the
// epoch, its clock); now: the client's clock.  Refused unless the policy
// says AcceptCachedEvidence yes; refused when made_at is after now by more
// than ClockSkew (a clock that far ahead, or a value that is not a time);
// refused when now - made_at exceeds MaxEvidenceAge.  A made_at ahead by
// at most ClockSkew counts as age 0: the skew never lengthens the window.
Status CheckCachedEvidenceAge(const CommonPolicy& pol, uint64_t made_at, int64_t now);

}  // namespace ra
