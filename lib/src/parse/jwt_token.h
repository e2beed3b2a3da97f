// Compact JWS (RFC 7515) parsing for attestation-service tokens.  This
// layer only decodes: it says nothing about whether the token is genuine
// (verify/jwt_verifier.h does).  It is strict because the input comes from
// the peer: exactly three base64url parts, no padding, a bounded size, and
// header and payload JSON objects without duplicate members (a duplicate
// "alg" or "iss" is how two parsers are made to see two different tokens).
#pragma once

#include <jansson.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/base64.h"
#include "common/status.h"

namespace ra {

// Far above any real attestation token (MAA's are 4-12 KiB), far below
// what would let a peer make us allocate much.
constexpr size_t kMaxJwtLen = 64 * 1024;

struct JsonFree {
  void operator()(json_t* j) const { json_decref(j); }
};
using JsonPtr = std::unique_ptr<json_t, JsonFree>;

struct JwtToken {
  JsonPtr header;   // a JSON object
  JsonPtr payload;  // a JSON object (the claims)
  std::string signing_input;  // ASCII(base64url(header) '.' base64url(payload))
  Bytes signature;  // may be empty (an unsecured JWS; the verifier refuses it)
};

// Parses text (surrounding ASCII whitespace, such as a trailing newline
// in a file, is ignored).  Failures name the check "jwt format".
Status ParseJwt(const std::string& text, JwtToken* out);

// Parses a JSON text that must be an object, refusing duplicate members.
Status ParseJsonObject(const std::string& text, const std::string& what,
                       JsonPtr* out);

// Typed claim accessors.  A member of the wrong JSON type is always an
// error; a missing member is an error unless present is given, in which
// case *present says whether it was there.  check names the failing check.
Status JsonGetString(const json_t* obj, const char* key, const std::string& check,
                     std::string* out, bool* present = nullptr);
Status JsonGetBool(const json_t* obj, const char* key, const std::string& check,
                   bool* out, bool* present = nullptr);
// An object member (not an array, not null).  *out is borrowed from obj.
Status JsonGetObject(const json_t* obj, const char* key, const std::string& check,
                     const json_t** out, bool* present = nullptr);
// A JWT NumericDate (RFC 7519 section 2): a JSON number of seconds since
// the epoch, non-negative; a fractional value is truncated.
Status JsonGetNumericDate(const json_t* obj, const char* key,
                          const std::string& check, int64_t* out,
                          bool* present = nullptr);

// An https URL normalized for exact comparison of token issuers: scheme
// and host lowercased, the default port (443) elided, trailing slashes of
// the path removed.  Refused (never "cleaned up", so two spellings cannot
// name one issuer): other schemes, user info, query, fragment, '%'
// escapes, "." or ".." segments, whitespace, control or non-ASCII bytes,
// and hosts outside [a-z0-9.-] (or an IPv6 literal in brackets).
Status NormalizeHttpsUrl(const std::string& url, std::string* out);

// Compact JSON text of a value, keys in document order.
std::string JsonDump(const json_t* j, bool indent = false);

}  // namespace ra
