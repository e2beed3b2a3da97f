// Strict base64 (RFC 4648 section 4) and base64url (section 5).
#pragma once

#include <string>

#include "common/status.h"

namespace ra {

// Base64url without padding (RFC 7515 section 2), strict: only the
// url-safe alphabet, no '=', no whitespace, and unused trailing bits zero,
// so each byte string has exactly one encoding.
Status Base64UrlDecode(const std::string& in, Bytes* out);
std::string Base64UrlEncode(ByteView in);
// Standard base64 with mandatory padding (x5c certificates, RFC 7517 4.7;
// Intel's trustauthority-cli output), equally strict.
Status Base64Decode(const std::string& in, Bytes* out);
std::string Base64Encode(ByteView in);

}  // namespace ra
