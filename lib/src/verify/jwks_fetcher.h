// Token-signing keys of a trusted issuer, fetched from {issuer}/certs.
// Only ever called with an issuer the policy lists (never a URL a token
// names), over TLS with verification always on.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"
#include "policy/policy.h"
#include "verify/jwt_verifier.h"

namespace ra {

// How long a fetched key set is used before it is fetched again, in this
// process and in the on-disk cache alike.
constexpr std::time_t kIssuerKeyLifetimeS = 3600;

// issuer: normalized https URL the policy lists.  Uses the policy's
// IssuerCA (PEM CA(s) to trust instead of the system store), ClockSkew and
// IssuerKeyCache.  Results are cached per (issuer, CA file) for
// kIssuerKeyLifetimeS in memory and, with IssuerKeyCache, on disk, so that
// one process per connection (ssh) still fetches once per lifetime.  A
// cache that is missing, unsafe or unreadable is ignored (the reason goes
// to policy.debug) and never fails the verification: the keys are then
// fetched.  now: the verification time (unused: cache ages are wall-clock
// ages, whatever time the evidence is judged at).  deadline: a fetch ends
// by then (ssh: what is left of AttestationTimeout), a spent one starts
// none; {}: the fetcher's own 10 s.
Status FetchIssuerKeys(const std::string& issuer, const Policy& policy, std::time_t now,
                       std::vector<JwtKey>* out, FetchDeadline deadline = FetchDeadline{});

// The file that caches issuer's keys fetched with ca_file under dir (for
// tests and for users who want to remove one entry).
std::string IssuerKeyCacheFile(const std::string& dir, const std::string& issuer,
                               const std::string& ca_file);

// Forgets every key set cached in memory (tests; a policy reload could use
// it too).  The on-disk cache is left alone.
void ClearIssuerKeyCache();

}  // namespace ra
