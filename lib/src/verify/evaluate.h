// The front door: the one function that turns the items of an answer and
// a policy into a verdict.  ssh (through ra_verify in the C ABI),
// `ssh-attest verify`, the emulators and the fuzzers all come here; nothing
// else calls a kind's Verify or Appraise.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"

namespace ra {

struct VerifiedItem {
  size_t index = 0;  // position in the answer
  VerifiedClaims claims;
};

struct Verdict {
  std::vector<VerifiedItem> items;  // every accepted item, in answer order
  std::string summary;              // one line: "KIND verified: ...; ..."
  // What was measured when the evidence verified but the appraisal
  // refused it: the refused item, so a user can see what to pin.
  std::vector<VerifiedItem> refused;
};

// Every item of a type the policy accepts is verified by its kind (which
// finds its companions among items) and then appraised; one refused item
// refuses all.  Items of other types are skipped.  Each RequireEvidence
// type must be present, and at least one accepted item.  binding nullptr:
// nothing is compared to a binding (offline inspection only).  now 0: the
// current time.  On failure the Status names the check and out->items is
// empty; when an item verified but its appraisal refused it, out->refused
// holds its claims (otherwise it is empty).  A required type that is
// missing while the server sent a service-error item is refused with the
// server's text.  deadline: every fetch a kind makes (collateral, issuer keys) ends by
// then, a spent deadline refusing it; {}: each fetcher's own bound.
Status Evaluate(const std::vector<EvidenceItem>& items, const Policy& policy,
                const Binding* binding, std::time_t now, Verdict* out,
                FetchDeadline deadline = FetchDeadline{});

// The types a client asks the server for: the accepted ones, each followed
// by the companion items its kind needs.  Comma-separated.
std::string AcceptedKindsList(const Policy& policy);

}  // namespace ra
