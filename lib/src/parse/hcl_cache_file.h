// The text form of azure-vtpm's cached HCL report (provider/azure_hcl_cache.h):
//
//   ra-ssh-azure-hcl-v1
//   made_at DECIMAL            (seconds since the epoch, when it was read)
//   hcl BASE64                 (the HCL report as NV 0x01400001 held it)
//   tdquote BASE64             (IMDS's quote of its TD report), or
//   snpcerts BASE64            (an SNP report's: THIM's VCEK, ASK and ARK
//                               as an SNP certificate table)
//
// each line ending in "\n", nothing else, at most kMaxHclCacheFileLen.
// Form only: what the report and quote say is checked by the provider on
// every use (the file is ours, but a check that costs microseconds is not
// worth trusting a file over).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

constexpr size_t kMaxHclCacheFileLen = 64 * 1024;
constexpr const char kHclCacheMagic[] = "ra-ssh-azure-hcl-v1";

struct CachedHclReport {
  int64_t made_at = 0;
  Bytes hcl_report;
  Bytes td_quote;   // a TDX report's, or
  Bytes snp_certs;  // an SNP report's (exactly one is set)
};

std::string FormatHclCache(const CachedHclReport& entry);
// Fails "azure-vtpm cache" naming the line that is wrong.
Status ParseHclCache(const std::string& text, CachedHclReport* out);

}  // namespace ra
