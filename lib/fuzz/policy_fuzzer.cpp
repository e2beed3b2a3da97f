// libFuzzer target: the policy file parser (ra::ParsePolicy) on arbitrary
// text.  Seed with docs/policy.md's examples and the policies that
// scripts/fuzz.sh writes.  TrustAnchor/Collateral paths must exist for a
// policy to parse; the fuzzer runs in a directory where a few do (fuzz.sh
// passes RA_FUZZ_SIM_DIR), so relative and absolute names both get past
// the existence check sometimes.
//
// Invariants checked on success: every reference value is 48 bytes, the
// accepted-type list is non-empty, times are non-negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ra::Policy p;
  ra::Status s = ra::ParsePolicy(text, "fuzz.policy", &p);
  if (!s.ok()) {
    if (s.message().empty()) abort();  // a failure must say why
    return 0;
  }
  auto check48 = [](const std::vector<ra::Bytes>& v) {
    for (const ra::Bytes& b : v)
      if (b.size() != 48) abort();
  };
  check48(p.mrtd);
  check48(p.mrseam);
  for (const auto& r : p.rtmr) check48(r);
  if (p.accepted_types.empty()) abort();
  if (p.max_age < 0 || p.clock_skew < 0) abort();
  return 0;
}
