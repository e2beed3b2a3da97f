#include "verify/evaluate.h"

#include <algorithm>

namespace ra {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Received(const std::vector<EvidenceItem>& items) {
  std::string r;
  for (const EvidenceItem& it : items) r += (r.empty() ? "" : ",") + it.type;
  return r.empty() ? std::string("nothing") : r;
}

// Why a required type is missing, when the server said: its service's
// error (a service-error item), so the refusal names the outage.
std::string ServiceErrorOf(const std::vector<EvidenceItem>& items) {
  constexpr size_t kMaxShown = 300;
  for (const EvidenceItem& it : items) {
    if (it.type != kEvidenceServiceError) continue;
    std::string why;
    for (size_t i = 0; i < it.data.size() && why.size() < kMaxShown; i++) {
      const char ch = static_cast<char>(it.data[i]);
      why += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    }
    return why;
  }
  return "";
}

Status MissingRequired(const std::string& type, const std::vector<EvidenceItem>& items) {
  const std::string why = ServiceErrorOf(items);
  if (!why.empty())
    return Status::Fail("evidence", "policy requires " + type +
                                        "; the server's attestation service failed: " + why);
  return Status::Fail("evidence",
                      "policy requires " + type + " (received " + Received(items) + ")");
}

}  // namespace

Status Evaluate(const std::vector<EvidenceItem>& items, const Policy& policy,
                const Binding* binding, std::time_t now, Verdict* out, FetchDeadline deadline) {
  VerifyContext ctx;
  ctx.deadline = deadline;
  ctx.policy = &policy;
  if (binding) ctx.binding = *binding;
  ctx.check_binding = binding != nullptr;
  ctx.now = now != 0 ? now : std::time(nullptr);
  Verdict v;
  if (out) {
    out->items.clear();
    out->refused.clear();
  }
  for (size_t i = 0; i < items.size(); i++) {
    const EvidenceItem& item = items[i];
    if (!Contains(policy.accepted_types, item.type)) continue;
    const EvidenceKind* kind = FindKind(item.type);
    if (kind == nullptr) continue;
    VerifiedItem vi;
    vi.index = i;
    // One refused item refuses all: a server that sends a good and a bad
    // quote is not one we can reason about.
    RA_RETURN_IF_ERROR(kind->Verify(item, items, ctx, &vi.claims));
    if (vi.claims.kind.empty()) vi.claims.kind = item.type;
    Status appraisal = kind->Appraise(vi.claims, policy);
    if (!appraisal.ok()) {
      // Genuine but not what the policy wants: keep what was measured.
      if (out) out->refused.push_back(std::move(vi));
      return appraisal;
    }
    v.summary += (v.summary.empty() ? "" : "; ") + kind->Summary(vi.claims);
    v.items.push_back(std::move(vi));
  }
  for (const std::string& t : policy.required_types) {
    bool present = std::any_of(items.begin(), items.end(),
                               [&](const EvidenceItem& it) { return it.type == t; });
    if (!present) return MissingRequired(t, items);
  }
  if (v.items.empty()) {
    const std::string why = ServiceErrorOf(items);
    return Status::Fail("evidence",
                        "none of an accepted type (policy accepts " + AcceptedKindsList(policy) +
                            "; received " + Received(items) + ")" +
                            (why.empty() ? "" : "; the server's attestation service failed: " + why));
  }
  if (out) *out = std::move(v);
  return Status();
}

std::string AcceptedKindsList(const Policy& policy) {
  std::string list;
  for (const std::string& t : policy.accepted_types) {
    list += (list.empty() ? "" : ",") + t;
    // The server sends only the kinds asked for; a kind that needs a
    // companion item asks for it too (it is not verified on its own).
    // A companion of several kinds (tdx-eventlog) is named once.
    if (const EvidenceKind* k = FindKind(t))
      for (const std::string& c : k->companions())
        if (("," + list + ",").find("," + c + ",") == std::string::npos) list += "," + c;
  }
  return list;
}

}  // namespace ra
