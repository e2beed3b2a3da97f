// Verification of attestation-service tokens (compact JWS), generic part:
// everything that does not depend on what the token attests.
//
// Order, and why: the header `alg` is checked against a fixed allowlist
// first (RS256, PS256, PS384, ES256, ES384), so `none` and HMAC never reach
// key selection, whatever key a `kid` would find (the classic confusion:
// an RSA public key used as an HMAC secret).  The unverified `iss` only
// selects which trusted issuer's keys to try; it must equal a policy
// Issuer exactly after normalization (never a suffix match), and a `jku`,
// if present, must equal that issuer's /certs exactly.  Keys come from
// the policy (pinned) or from that issuer's /certs, never from the token.
// The key is chosen by `kid`, its type must match `alg`, and the signature
// is verified with OpenSSL.  Only then are `exp` (required), `nbf` and
// `iat` judged, with ClockSkew and MaxAge.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"
#include "parse/jwt_token.h"
#include "policy/policy.h"
#include "verify/x509_util.h"

namespace ra {

// A token-signing key of a trusted issuer.
struct JwtKey {
  std::string kid;
  EvpPkeyPtr key;
  std::string alg;         // JWK "alg" if given: the key signs only that
  bool has_validity = false;  // from an x5c certificate
  std::time_t not_before = 0, not_after = 0;
  // Pinned by the operator (IssuerKeys/IssuerKey) rather than fetched.
  // Pinned RSA keys may be 1024-bit (the real 2021 MAA vector is); keys
  // fetched over the network must be at least 2048-bit.
  bool pinned = false;
  std::string source;  // file or URL, for messages
};

// A JWKS document {"keys":[...]}: each key has a "kid" and either "x5c"
// (standard base64 DER certificates, the first one's key is used, as
// Azure Attestation's /certs serves them) or kty RSA n/e or kty EC
// crv/x/y.  Duplicate kids and symmetric ("oct") keys are refused.
Status ParseJwks(const std::string& json, const std::string& source, bool pinned,
                 std::vector<JwtKey>* out);
Status LoadJwksFile(const std::string& path, std::vector<JwtKey>* out);
// A PEM public key (SubjectPublicKeyInfo) or certificate pinned for kid.
Status LoadPemKeyFile(const std::string& kid, const std::string& path, JwtKey* out);
// Every key the policy pins (IssuerKeys and IssuerKey), kids unique.
Status LoadPinnedIssuerKeys(const Policy& policy, std::vector<JwtKey>* out);

struct VerifiedJwt {
  std::string alg;
  std::string kid;
  std::string issuer;  // normalized; one of the policy's Issuers
  std::string key_source;
  std::string attestation_type;  // x-ms-attestation-type, "" if absent
  int64_t iat = -1, nbf = -1, exp = -1;  // -1: absent
  JsonPtr header;
  JsonPtr claims;  // the verified payload, for kind-specific checks
};

// The generic checks with an explicit key set (tests, and the fetcher's
// caller).  issuers: normalized URLs.  now: verification time (not 0).
Status VerifyJwtWithKeys(const JwtToken& tok, const std::vector<std::string>& issuers,
                         const std::vector<JwtKey>& keys, int64_t clock_skew,
                         int64_t max_age, std::time_t now, VerifiedJwt* out);

// Parses token and runs the generic checks against policy: its Issuers,
// its pinned keys (or, without any, the issuer's /certs), ClockSkew and
// MaxAge.  now 0: the current time.  The TDX claim checks are not run
// (policy/maa_tdx_policy.h); out->attestation_type says what it attests.
Status VerifyJwtToken(const std::string& token, const Policy& policy,
                      std::time_t now, VerifiedJwt* out,
                      FetchDeadline deadline = FetchDeadline{});

// The header's "alg" is one we verify.  Exposed for tests.
bool JwtAlgAllowed(const std::string& alg);

}  // namespace ra
