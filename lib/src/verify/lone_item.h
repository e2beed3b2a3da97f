// Evidence kinds that take a companion item (runtime data, an event log,
// a TPM signature) take exactly one of it.
#pragma once

#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

// The one item of type t in all (*out nullptr if none).  A second fails as
// `check`: two would leave the choice to the sender.
inline Status FindLoneItem(const std::vector<EvidenceItem>& all, const char* t, const char* check,
                           const EvidenceItem** out) {
  *out = nullptr;
  for (const EvidenceItem& it : all) {
    if (it.type != t) continue;
    if (*out) return Status::Fail(check, std::string("more than one ") + t + " item");
    *out = &it;
  }
  return Status();
}

}  // namespace ra
