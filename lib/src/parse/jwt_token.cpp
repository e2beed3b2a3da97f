#include "parse/jwt_token.h"

#include <arpa/inet.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace ra {
namespace {

const char kFormat[] = "jwt format";

}  // namespace

Status ParseJsonObject(const std::string& text, const std::string& what,
                       JsonPtr* out) {
  json_error_t jerr;
  // JSON_REJECT_DUPLICATES: {"iss":"good","iss":"evil"} must not parse at
  // all, or the verifier and some later reader may disagree on the value.
  // jansson refuses \u0000 inside strings by default (no JSON_ALLOW_NUL),
  // so a C-string view of a claim is never shorter than the claim.
  JsonPtr j(json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &jerr));
  if (!j) return Status::Fail(what, std::string("invalid JSON: ") + jerr.text);
  if (!json_is_object(j.get())) return Status::Fail(what, "not a JSON object");
  *out = std::move(j);
  return Status();
}

Status ParseJwt(const std::string& text, JwtToken* out) {
  if (text.size() > kMaxJwtLen)
    return Status::Fail(kFormat, "token longer than " + std::to_string(kMaxJwtLen) +
                                     " bytes");
  size_t begin = 0, end = text.size();
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (begin < end && ws(text[begin])) begin++;
  while (end > begin && ws(text[end - 1])) end--;
  const std::string t = text.substr(begin, end - begin);
  if (t.empty()) return Status::Fail(kFormat, "empty token");

  size_t dot1 = t.find('.');
  size_t dot2 = dot1 == std::string::npos ? dot1 : t.find('.', dot1 + 1);
  if (dot1 == std::string::npos || dot2 == std::string::npos)
    return Status::Fail(kFormat, "not three dot-separated parts");
  if (t.find('.', dot2 + 1) != std::string::npos)
    return Status::Fail(kFormat,
                        "more than three parts (a JWE or a tampered token)");
  const std::string h64 = t.substr(0, dot1);
  const std::string p64 = t.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string s64 = t.substr(dot2 + 1);
  if (h64.empty() || p64.empty())
    return Status::Fail(kFormat, "empty header or payload");

  Bytes h, p, s;
  Status st = Base64UrlDecode(h64, &h);
  if (!st.ok()) return Status::Fail(kFormat, "header: " + st.detail());
  st = Base64UrlDecode(p64, &p);
  if (!st.ok()) return Status::Fail(kFormat, "payload: " + st.detail());
  st = Base64UrlDecode(s64, &s);
  if (!st.ok()) return Status::Fail(kFormat, "signature: " + st.detail());

  JwtToken tok;
  st = ParseJsonObject(std::string(h.begin(), h.end()), kFormat, &tok.header);
  if (!st.ok()) return Status::Fail(kFormat, "header: " + st.detail());
  st = ParseJsonObject(std::string(p.begin(), p.end()), kFormat, &tok.payload);
  if (!st.ok()) return Status::Fail(kFormat, "payload: " + st.detail());
  tok.signing_input = t.substr(0, dot2);
  tok.signature = std::move(s);
  *out = std::move(tok);
  return Status();
}

namespace {

// Looks key up in obj; fails if obj is not an object or key is missing and
// required.  *v is nullptr when absent (and allowed to be).
Status Lookup(const json_t* obj, const char* key, const std::string& check,
              bool* present, const json_t** v) {
  *v = nullptr;
  if (!json_is_object(obj)) return Status::Fail(check, "claims are not an object");
  const json_t* m = json_object_get(obj, key);
  if (present) *present = m != nullptr;
  if (!m && !present) return Status::Fail(check, std::string("missing '") + key + "'");
  *v = m;
  return Status();
}

const char* TypeName(const json_t* v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
  }
  return "unknown";
}

Status WrongType(const std::string& check, const char* key, const char* want,
                 const json_t* v) {
  return Status::Fail(check, std::string("'") + key + "' is " + TypeName(v) +
                                 ", not " + want);
}

}  // namespace

Status JsonGetString(const json_t* obj, const char* key, const std::string& check,
                     std::string* out, bool* present) {
  const json_t* v;
  RA_RETURN_IF_ERROR(Lookup(obj, key, check, present, &v));
  if (!v) return Status();
  if (!json_is_string(v)) return WrongType(check, key, "a string", v);
  out->assign(json_string_value(v), json_string_length(v));
  return Status();
}

Status JsonGetBool(const json_t* obj, const char* key, const std::string& check,
                   bool* out, bool* present) {
  const json_t* v;
  RA_RETURN_IF_ERROR(Lookup(obj, key, check, present, &v));
  if (!v) return Status();
  if (!json_is_boolean(v)) return WrongType(check, key, "a boolean", v);
  *out = json_is_true(v);
  return Status();
}

Status JsonGetObject(const json_t* obj, const char* key, const std::string& check,
                     const json_t** out, bool* present) {
  const json_t* v;
  RA_RETURN_IF_ERROR(Lookup(obj, key, check, present, &v));
  if (!v) return Status();
  if (!json_is_object(v)) return WrongType(check, key, "an object", v);
  *out = v;
  return Status();
}

Status JsonGetNumericDate(const json_t* obj, const char* key,
                          const std::string& check, int64_t* out, bool* present) {
  const json_t* v;
  RA_RETURN_IF_ERROR(Lookup(obj, key, check, present, &v));
  if (!v) return Status();
  // Year 10000; beyond it a value is a unit mistake or an attack on
  // arithmetic (exp + skew overflowing), not a date.
  constexpr int64_t kMax = 253402300800LL;
  int64_t t;
  if (json_is_integer(v)) {
    t = json_integer_value(v);
  } else if (json_is_real(v)) {
    double d = json_real_value(v);
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMax))
      return Status::Fail(check, std::string("'") + key + "' out of range");
    t = static_cast<int64_t>(d);
  } else {
    return WrongType(check, key, "a number", v);
  }
  if (t < 0 || t > kMax)
    return Status::Fail(check, std::string("'") + key + "' out of range");
  *out = t;
  return Status();
}

std::string JsonDump(const json_t* j, bool indent) {
  size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
  if (indent) flags |= JSON_INDENT(2);
  char* s = json_dumps(j, flags);
  if (!s) return std::string();
  std::string r(s);
  free(s);
  return r;
}

// Trailing slashes dropped; nullptr, or why the path has a second spelling.
static const char* CanonicalUrlPath(std::string* path) {
  while (!path->empty() && path->back() == '/') path->pop_back();
  // Dot segments would make "/a/../b" and "/b" two spellings of one path.
  size_t pos = 0;
  while (pos < path->size()) {
    size_t next = path->find('/', pos + 1);
    std::string seg = path->substr(pos + 1, next == std::string::npos ? std::string::npos
                                                                      : next - pos - 1);
    if (seg == "." || seg == "..") return "dot segment in path";
    if (seg.empty() && next != std::string::npos) return "empty path segment";
    pos = next == std::string::npos ? path->size() : next;
  }
  return nullptr;
}

Status NormalizeHttpsUrl(const std::string& url, std::string* out) {
  const char kCheck[] = "url";
  auto fail = [&](const std::string& why) {
    return Status::Fail(kCheck, "'" + url + "': " + why);
  };
  if (url.size() > 2048) return Status::Fail(kCheck, "longer than 2048 characters");
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return fail("whitespace, control or non-ASCII character");
    if (c == '?' || c == '#') return fail("query or fragment");
    if (c == '%') return fail("percent-escapes are not accepted");
    if (c == '\\') return fail("backslash");
  }
  const std::string kScheme = "https://";
  if (url.size() < kScheme.size()) return fail("not an https URL");
  std::string scheme = url.substr(0, kScheme.size());
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != kScheme) return fail("not an https URL");
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? std::string() : rest.substr(slash);
  if (authority.find('@') != std::string::npos) return fail("user info");
  std::string host, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return fail("unterminated IPv6 literal");
    // Parsed and printed back, so "[::A]", "[::a]" and "[0::a]" are one
    // issuer, as they are one address; "[]" and anything inet_pton does
    // not take (zone ids included) are refused.
    std::string literal = authority.substr(1, close - 1);
    struct in6_addr a6;
    char canon[INET6_ADDRSTRLEN];
    if (literal.empty() || literal.size() >= INET6_ADDRSTRLEN ||
        inet_pton(AF_INET6, literal.c_str(), &a6) != 1 ||
        inet_ntop(AF_INET6, &a6, canon, sizeof(canon)) == nullptr)
      return fail("bad IPv6 literal");
    host = "[" + std::string(canon) + "]";
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("garbage after IPv6 literal");
      port = after.substr(1);
      if (port.empty()) return fail("empty port");
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return fail("empty port");
    }
    if (host.empty()) return fail("empty host");
    for (char& c : host) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
        return fail("invalid character in host");
    }
    // Empty labels ("a..b", ".a", "a.") are refused: a trailing dot names
    // the same DNS host as none, which would be a second spelling.
    if (host.front() == '.' || host.back() == '.' ||
        host.find("..") != std::string::npos)
      return fail("empty label in host");
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return fail("invalid port");
    long p = std::strtol(port.c_str(), nullptr, 10);
    if (p < 1 || p > 65535) return fail("port out of range");
    port = p == 443 ? std::string() : std::to_string(p);  // also drops leading zeros
  }
  const char* why = CanonicalUrlPath(&path);
  if (why != nullptr) return fail(why);
  *out = kScheme + host + (port.empty() ? "" : ":" + port) + path;
  return Status();
}

}  // namespace ra
