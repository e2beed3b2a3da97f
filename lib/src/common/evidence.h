// The two interfaces every evidence kind implements: a provider (attester
// side: binding -> evidence items) and a verifier (relying-party side:
// evidence item + binding + policy -> accepted or the failed check).
// One file per kind in parse/, verify/ and policy/; the registry in
// verify/verifier_registry.cpp maps a wire type to its verifier.
#pragma once

#include <array>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ra {

constexpr size_t kBindingLen = 64;
using Binding = std::array<uint8_t, kBindingLen>;

struct EvidenceItem {
  std::string type;  // wire type, e.g. "tdx-quote"
  Bytes data;
};

struct Policy;  // policy/policy.h

// What a verifier established, for the one-line summary and `ssh-attest`.
struct VerifiedClaims {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;  // ordered
};

struct VerifyContext {
  const Policy* policy = nullptr;
  Binding binding{};
  std::time_t now = 0;  // verification time (certificate validity, ages)
};

class EvidenceVerifier {
 public:
  virtual ~EvidenceVerifier() = default;
  virtual const char* type() const = 0;
  // item is one of all; a kind that needs companion items (a token and its
  // runtime data, say) finds them in all.  Parse, verify, then policy.
  virtual Status Verify(const EvidenceItem& item,
                        const std::vector<EvidenceItem>& all,
                        const VerifyContext& ctx,
                        VerifiedClaims* out) const = 0;
};

// nullptr for an unknown type (which the caller skips).
const EvidenceVerifier* FindVerifier(const std::string& type);

class EvidenceProvider {
 public:
  virtual ~EvidenceProvider() = default;
  virtual Status Collect(const Binding& binding,
                         std::vector<EvidenceItem>* out) = 0;
};

// spec as in ra_provider_open().
Status OpenProvider(const std::string& spec,
                    std::unique_ptr<EvidenceProvider>* out);

}  // namespace ra
