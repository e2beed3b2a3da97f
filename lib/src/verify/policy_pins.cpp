#include "verify/policy_pins.h"

#include <algorithm>

namespace ra {

std::string PinPolicyText(const std::vector<VerifiedItem>& items) {
  const Policy defaults;
  std::string out;
  for (const VerifiedItem& vi : items) {
    const EvidenceKind* kind = FindKind(vi.claims.kind);
    if (kind == nullptr) continue;
    const std::vector<std::string> lines = kind->PinLines(vi.claims);
    if (lines.empty()) continue;
    out += "# " + vi.claims.kind + "\n";
    const auto& def = defaults.accepted_types;
    if (std::find(def.begin(), def.end(), vi.claims.kind) == def.end())
      out += "# not accepted by default: the policy needs AcceptEvidence " + vi.claims.kind +
             " (with its other kinds)\n";
    for (const std::string& l : lines) out += l + "\n";
  }
  return out;
}

Status CheckPinsAccept(const std::string& base_text, const std::string& name,
                       const std::string& pins, const std::vector<EvidenceItem>& items,
                       std::time_t now) {
  Policy pinned;
  std::string text = base_text;
  if (!text.empty() && text.back() != '\n') text += '\n';
  Status s = ParsePolicy(text + pins, name, &pinned);
  if (!s.ok()) return Status::Fail("pinned policy", "does not parse: " + s.message());
  s = Evaluate(items, pinned, nullptr, now, nullptr);
  if (!s.ok()) return Status::Fail("pinned policy", "refuses the evidence: " + s.message());
  return Status();
}

}  // namespace ra
