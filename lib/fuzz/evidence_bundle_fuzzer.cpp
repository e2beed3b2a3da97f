// libFuzzer target: the evidence bundle reader (ra::ParseEvidenceBundle),
// then the front door on what it accepts.  Seeds: bundles written by
// `ssh-attest quote` for the sim and sim-azure providers (scripts/fuzz.sh
// can make them as it makes the sim quotes), and the malformed cases of
// lib/tests/evidence_bundle_test.cpp.
//
// Invariants on success: the wire's limits hold for every item, and the
// writer reproduces a bundle that reads back to the same items.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/evidence_bundle.h"
#include "policy/policy.h"
#include "verify/evaluate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<ra::EvidenceItem> items;
  ra::Status s = ra::ParseEvidenceBundle(text, &items);
  if (!s.ok()) {
    if (s.check() != "evidence bundle" || s.detail().empty()) abort();
    return 0;
  }
  if (items.size() > RA_MAX_EVIDENCE_ITEMS) abort();
  for (const auto& it : items)
    if (!ra::CheckEvidenceType(it.type).ok() || it.data.size() > RA_MAX_EVIDENCE_ITEM_LEN)
      abort();
  std::string again;
  if (!ra::EvidenceBundleJson(items, &again).ok()) abort();
  std::vector<ra::EvidenceItem> back;
  if (!ra::ParseEvidenceBundle(again, &back).ok() || back.size() != items.size()) abort();
  for (size_t i = 0; i < items.size(); i++)
    if (back[i].type != items[i].type || back[i].data != items[i].data) abort();
  // Whatever the items, the front door refuses them cleanly: the built-in
  // root signs nothing a fuzzer can make, and no real quote among the
  // seeds carries this binding (one of them carries all zeros, which a
  // genuine GCP quote verifies against).
  ra::Binding b;
  b.fill(0x5a);
  s = ra::Evaluate(items, ra::Policy(), &b, 0, nullptr);
  if (s.ok() || s.message().empty()) abort();
  return 0;
}
