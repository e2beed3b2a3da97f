// Shared by the TDX tests: the real quotes in tests/vectors/tdx, their
// pinned verification times, and small helpers.  A missing vector fails
// the test (ADD_FAILURE), it never skips.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/base64.h"
#include "common/status.h"
#include "parse/tdx_quote.h"
#include "parse/jwt_token.h"
#include "ra_test_util.h"

namespace ra_tdx_test {

inline std::string VectorPath(const std::string& rel) {
  return std::string(RA_VECTORS_DIR) + "/" + rel;
}

// Reads a vector; a missing or empty file is a test failure.
inline ra::Bytes ReadVector(const std::string& rel) {
  ra::Bytes b;
  ra::Status s = ra::ReadFileBounded(VectorPath(rel), 1 << 22, &b);
  if (!s.ok() || b.empty())
    ADD_FAILURE() << "missing test vector " << VectorPath(rel) << ": "
                  << s.message();
  return b;
}

// A base64url member ("hcl_report", "td_quote") of the Azure TDX CVM
// evidence vector.  The vector pads its base64url; the library's decoder is
// strict (JWS style, no padding), so the padding is stripped here.
inline ra::Bytes AzureEvidenceMember(const char* name) {
  ra::Bytes file = ReadVector("tdx/trustee_azure_tdx_vtpm_evidence-v1.json");
  ra::JsonPtr doc;
  ra::Status s = ra::ParseJsonObject(std::string(file.begin(), file.end()), "vector", &doc);
  std::string b64;
  if (s.ok()) s = ra::JsonGetString(doc.get(), name, "vector", &b64);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  ra::Bytes out;
  if (s.ok()) s = ra::Base64UrlDecode(b64, &out);
  if (!s.ok()) ADD_FAILURE() << "Azure evidence vector, " << name << ": " << s.message();
  return out;
}

inline std::time_t Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  struct tm t = {};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  return timegm(&t);
}

struct QuoteVector {
  const char* file;
  int version;
  int body_type;
  const char* fmspc;
  size_t trailing_bytes;
  std::time_t pinned;  // inside the PCK certificate's validity
};

// Pinned times (vectors/README.md): inside each quote's PCK validity.
inline std::vector<QuoteVector> AllQuotes() {
  return {
      {"tdx/gotdx_quote_v4_SPR_E4.dat", 4, 2, "50806f000000", 39,
       Utc(2023, 6, 20)},
      {"tdx/gotdx_quote_v5_EMR.dat", 5, 3, "90c06f000000", 0, Utc(2026, 2, 15)},
      {"tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat", 4, 2, "00806f050000",
       8000 - 4935, Utc(2025, 10, 1)},
      {"tdx/trustee_tdx_quote_6_v4.dat", 4, 2, "00a06d080000", 70,
       Utc(2025, 10, 29)},
      {"tdx/trustee_tdx_quote_5_v5.dat", 5, 3, "90c06f000000", 0,
       Utc(2025, 10, 1)},
  };
}

// The SPR quote most tests start from, and a time inside its PCK validity.
constexpr std::time_t kSprTime = 1687219200;  // 2023-06-20T00:00:00Z
inline ra::Bytes SprQuote() { return ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat"); }

// Every quote vector, read and parsed: `for (const auto& [v, raw, q] :
// ParsedQuotes())`.  A vector that does not parse is a test failure (the
// parse itself is tested in tdx_quote_parse_test) and is left out.
struct ParsedQuote {
  QuoteVector v;
  ra::Bytes raw;
  ra::TdxQuote q;
};

inline std::vector<ParsedQuote> ParsedQuotes() {
  std::vector<ParsedQuote> out;
  for (const QuoteVector& v : AllQuotes()) {
    ParsedQuote p{v, ReadVector(v.file), {}};
    ra::Status s = ra::ParseTdxQuote(p.raw, &p.q);
    if (!s.ok()) {
      ADD_FAILURE() << v.file << ": " << s.message();
      continue;
    }
    out.push_back(std::move(p));
  }
  return out;
}

// A temporary directory (ra_test::TempDir) that links collateral vectors.
class ScratchDir : public ra_test::TempDir {
 public:
  // Links a collateral vector into the directory under its own name.
  void Link(const std::string& rel) {
    std::string src = VectorPath(rel);
    std::string dst = path() + "/" + rel.substr(rel.rfind('/') + 1);
    if (access(src.c_str(), R_OK) != 0)
      ADD_FAILURE() << "missing test vector " << src;
    else if (symlink(src.c_str(), dst.c_str()) != 0)
      ADD_FAILURE() << "symlink " << dst;
  }
  void Write(const std::string& name, const std::string& content) {
    ra_test::WriteFile(path() + "/" + name, content);
  }
};

inline std::string ToString(const ra::Bytes& b) {
  return std::string(b.begin(), b.end());
}

}  // namespace ra_tdx_test
