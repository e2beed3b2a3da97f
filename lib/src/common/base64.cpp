// Strict base64 and base64url: one alphabet each, no whitespace, unused
// trailing bits zero, so each byte string has exactly one encoding (a
// lenient decoder lets two different texts carry the same signed bytes).
#include "common/base64.h"

#include <cstdint>

namespace ra {
namespace {

// Value of c in the alphabet, -1 if not in it.
int B64Value(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (url) {
    if (c == '-') return 62;
    if (c == '_') return 63;
  } else {
    if (c == '+') return 62;
    if (c == '/') return 63;
  }
  return -1;
}

// Decodes unpadded symbols (len % 4 != 1), refusing non-zero unused bits.
Status DecodeSymbols(const char* p, size_t n, bool url, const char* check,
                     Bytes* out) {
  if (n % 4 == 1) return Status::Fail(check, "impossible base64 length");
  Bytes b;
  b.reserve(n * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = B64Value(p[i], url);
    if (v < 0)
      return Status::Fail(check, std::string("invalid base64") + (url ? "url" : "") +
                                     " character at offset " + std::to_string(i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      b.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, or several strings decode to one value.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return Status::Fail(check, "non-canonical base64 (unused bits set)");
  *out = std::move(b);
  return Status();
}

std::string Encode(ByteView in, const char* alpha, bool pad) {
  std::string s;
  s.reserve((in.size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size; i += 3) {
    uint32_t v = (uint32_t{in.data[i]} << 16) | (uint32_t{in.data[i + 1]} << 8) |
                 in.data[i + 2];
    s += alpha[(v >> 18) & 63];
    s += alpha[(v >> 12) & 63];
    s += alpha[(v >> 6) & 63];
    s += alpha[v & 63];
  }
  if (in.size - i == 1) {
    uint32_t v = uint32_t{in.data[i]} << 16;
    s += alpha[(v >> 18) & 63];
    s += alpha[(v >> 12) & 63];
    if (pad) s += "==";
  } else if (in.size - i == 2) {
    uint32_t v = (uint32_t{in.data[i]} << 16) | (uint32_t{in.data[i + 1]} << 8);
    s += alpha[(v >> 18) & 63];
    s += alpha[(v >> 12) & 63];
    s += alpha[(v >> 6) & 63];
    if (pad) s += '=';
  }
  return s;
}

}  // namespace

Status Base64UrlDecode(const std::string& in, Bytes* out) {
  return DecodeSymbols(in.data(), in.size(), true, "base64url", out);
}

Status Base64Decode(const std::string& in, Bytes* out) {
  const char kCheck[] = "base64";
  if (in.size() % 4 != 0) return Status::Fail(kCheck, "length not a multiple of 4");
  size_t n = in.size();
  size_t pad = 0;
  while (pad < 2 && n > 0 && in[n - 1] == '=') {
    n--;
    pad++;
  }
  return DecodeSymbols(in.data(), n, false, kCheck, out);
}

std::string Base64UrlEncode(ByteView in) {
  return Encode(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                false);
}

std::string Base64Encode(ByteView in) {
  return Encode(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                true);
}

}  // namespace ra
