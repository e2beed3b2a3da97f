// Token-signing keys of a trusted issuer, fetched from {issuer}/certs.
// Only ever called with an issuer the policy lists (never a URL a token
// names), over TLS with verification always on.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "common/status.h"
#include "verify/jwt_verifier.h"

namespace ra {

// issuer: normalized https URL.  ca_file: PEM CA(s) to trust instead of
// the system store ("" for the system store).  Results are cached per
// issuer (and CA file) for a bounded lifetime.
Status FetchIssuerKeys(const std::string& issuer, const std::string& ca_file,
                       std::time_t now, std::vector<JwtKey>* out);

// Forgets every cached key set (tests; a policy reload could use it too).
void ClearIssuerKeyCache();

}  // namespace ra
