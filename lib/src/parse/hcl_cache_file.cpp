#include "parse/hcl_cache_file.h"

#include <vector>

#include "common/base64.h"
#include "parse/hcl_report.h"
#include "parse/snp_cert_table.h"

namespace ra {
namespace {

const char kCheck[] = "azure-vtpm cache";
// A TD quote with its certification data is a few KiB; the bound only
// keeps a damaged file from costing more than reading it.
constexpr size_t kMaxTdQuoteLen = 32 * 1024;

// "KEY VALUE" -> VALUE.
Status Field(const std::string& line, const std::string& key, std::string* value) {
  if (line.compare(0, key.size() + 1, key + " ") != 0)
    return Status::Fail(kCheck, "expected a '" + key + "' line");
  *value = line.substr(key.size() + 1);
  return Status();
}

Status Decimal(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return Status::Fail(kCheck, "made_at is not a time");
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::Fail(kCheck, "made_at is not a time");
    v = v * 10 + (c - '0');
  }
  *out = v;
  return Status();
}

Status Base64Field(const std::string& line, const std::string& key, size_t max, Bytes* out) {
  std::string v;
  RA_RETURN_IF_ERROR(Field(line, key, &v));
  if (v.empty() || v.size() > (max + 2) / 3 * 4)
    return Status::Fail(kCheck, key + ": empty or over " + std::to_string(max) + " bytes");
  Status s = Base64Decode(v, out);
  if (!s.ok()) return Status::Fail(kCheck, key + ": " + s.message());
  return Status();
}

}  // namespace

std::string FormatHclCache(const CachedHclReport& e) {
  const bool snp = !e.snp_certs.empty();
  return std::string(kHclCacheMagic) + "\nmade_at " + std::to_string(e.made_at) + "\nhcl " +
         Base64Encode(e.hcl_report) + (snp ? "\nsnpcerts " : "\ntdquote ") +
         Base64Encode(snp ? e.snp_certs : e.td_quote) + "\n";
}

Status ParseHclCache(const std::string& text, CachedHclReport* out) {
  if (text.size() > kMaxHclCacheFileLen)
    return Status::Fail(kCheck, "over " + std::to_string(kMaxHclCacheFileLen) + " bytes");
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return Status::Fail(kCheck, "last line not terminated");
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() != 4) return Status::Fail(kCheck, "not 4 lines");
  if (lines[0] != kHclCacheMagic) return Status::Fail(kCheck, "not a " + std::string(kHclCacheMagic) + " file");
  CachedHclReport e;
  std::string made_at;
  RA_RETURN_IF_ERROR(Field(lines[1], "made_at", &made_at));
  RA_RETURN_IF_ERROR(Decimal(made_at, &e.made_at));
  RA_RETURN_IF_ERROR(Base64Field(lines[2], "hcl", kMaxHclReportLen, &e.hcl_report));
  if (lines[3].compare(0, 9, "snpcerts ") == 0)
    RA_RETURN_IF_ERROR(Base64Field(lines[3], "snpcerts", kMaxSnpCertTableLen, &e.snp_certs));
  else
    RA_RETURN_IF_ERROR(Base64Field(lines[3], "tdquote", kMaxTdQuoteLen, &e.td_quote));
  *out = std::move(e);
  return Status();
}

}  // namespace ra
