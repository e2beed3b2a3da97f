// The evidence bundle file (docs/protocol.md "Evidence bundle"): the items
// of a token response as JSON,
//   {"version": 1, "items": [{"type": "<wire type>", "data": "<base64>"}, ...]}
// and optionally "verdict": {...}, what the writer concluded (ignored on
// reading: the items are verified again),
// standard base64 (padded), types as on the wire, order kept, and the
// wire's limits (ra_attest.h): at most RA_MAX_EVIDENCE_ITEMS items, types
// of printable ASCII without spaces or commas up to
// RA_MAX_EVIDENCE_TYPE_LEN, items up to RA_MAX_EVIDENCE_ITEM_LEN bytes.
#pragma once

#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

constexpr int kEvidenceBundleVersion = 1;
// The largest bundle file: every item at its limit, base64, plus framing.
constexpr size_t kMaxEvidenceBundleLen =
    RA_MAX_EVIDENCE_ITEMS * (RA_MAX_EVIDENCE_ITEM_LEN / 3 * 4 + 4 + RA_MAX_EVIDENCE_TYPE_LEN + 64) +
    64;

// A wire evidence type: non-empty, <= RA_MAX_EVIDENCE_TYPE_LEN, printable
// ASCII, no space or comma (it travels in comma-separated lists).
Status CheckEvidenceType(const std::string& type);

// Strict: unknown members, a wrong version, bad base64 or any limit
// exceeded refuse the whole file (check "evidence bundle").
Status ParseEvidenceBundle(const std::string& text, std::vector<EvidenceItem>* out);
// True when text looks like a bundle (a JSON object after blanks), so a
// caller can tell a bundle from a bare item without parsing it twice.
bool LooksLikeEvidenceBundle(const std::string& text);
// Refuses items a reader would refuse.
Status EvidenceBundleJson(const std::vector<EvidenceItem>& items, std::string* out);

}  // namespace ra
