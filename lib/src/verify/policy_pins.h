// Reference values from a running server: the policy text that pins what
// verified evidence measured (`ssh-attest scan`, `ssh-attest policy`), as
// ssh-keyscan prints keys.  Each kind says which keywords pin its claims
// (EvidenceKind::PinLines, through the kind registry); nothing here knows
// a kind.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"
#include "verify/evaluate.h"

namespace ra {

// The lines for items, each kind's under a "# KIND" comment, ready to be
// appended to a policy that names the trust anchors and collateral.  A
// kind the built-in default does not accept gets a comment saying which
// AcceptEvidence line it needs.  Empty when no kind has anything to pin.
std::string PinPolicyText(const std::vector<VerifiedItem>& items);

// The self-check behind the printed text: base_text (a policy file's text,
// may be empty) followed by pins must parse and accept items (the answer
// they came from), and refuse nothing the base accepted.  name: for
// messages and relative paths.  Fails naming what does not hold.
Status CheckPinsAccept(const std::string& base_text, const std::string& name,
                       const std::string& pins, const std::vector<EvidenceItem>& items,
                       std::time_t now);

}  // namespace ra
