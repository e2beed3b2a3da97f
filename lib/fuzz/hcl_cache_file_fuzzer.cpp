// libFuzzer target: azure-vtpm's cached HCL report file
// (parse/hcl_cache_file.h).  Seeds (fuzz/gen_tpm_seeds.py): the cache
// file made of the real Azure HCL report and TD quote vector, and
// truncated and reordered variants; the real Azure SNP HCL report with a
// VCEK certificate table (snpcerts).
//
// Invariants (abort on violation): failures name "azure-vtpm cache" and
// say why; an accepted entry's parts are within their bounds, it holds
// exactly one of a TD quote and an SNP certificate table, and formatting
// it back parses to the same entry.
#include <string>

#include "fuzz_checks.h"
#include "parse/hcl_cache_file.h"
#include "parse/hcl_report.h"
#include "parse/snp_cert_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::CachedHclReport e;
  ra::Status s = ra::ParseHclCache(std::string(reinterpret_cast<const char*>(data), size), &e);
  fuzz::CheckFailureIs(s, "azure-vtpm cache");
  if (!s.ok()) return 0;
  if (e.made_at < 0 || e.hcl_report.empty() || e.hcl_report.size() > ra::kMaxHclReportLen ||
      e.td_quote.empty() == e.snp_certs.empty() || e.snp_certs.size() > ra::kMaxSnpCertTableLen)
    fuzz::Die("accepted an entry out of bounds");
  ra::CachedHclReport again;
  if (!ra::ParseHclCache(ra::FormatHclCache(e), &again).ok() || again.made_at != e.made_at ||
      again.hcl_report != e.hcl_report || again.td_quote != e.td_quote ||
      again.snp_certs != e.snp_certs)
    fuzz::Die("round trip differs");
  return 0;
}
