// libFuzzer target: /dev/sev-guest's MSG_REPORT_RSP wrapper
// (ra::ParseSnpReportResponse) on arbitrary bytes, and the report it
// carries through ra::ParseSnpReport.  Seeds (fuzz/gen_seeds.py): the real
// reports in ../shared/vectors/snp wrapped in a 4000-byte response, with
// REPORT_SIZE right, one past the buffer and zero.
//
// Invariants (abort on violation), re-derived from the input bytes: an
// accepted response has its 32-byte header, STATUS and REPORT_SIZE are the
// little-endian words at 0 and 4, and the report view is exactly
// REPORT_SIZE bytes at offset 32, inside the input; a refused one is
// shorter than the header or claims more than follows it, and names its
// check.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_checks.h"
#include "parse/snp_report.h"
#include "parse/snp_report_response.h"

namespace {

using fuzz::Die;

uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::SnpReportResponse r;
  ra::Status s = ra::ParseSnpReportResponse(ra::ByteView(data, size), &r);
  const bool fits = size >= 32 && Le32(data + 4) <= size - 32;
  if (!s.ok()) {
    fuzz::CheckFailureIs(s, "snp report response");
    if (fits) Die("refused a response whose report fits");
    return 0;
  }
  if (!fits) Die("accepted a response whose report does not fit");
  if (r.status != Le32(data) || r.report_size != Le32(data + 4))
    Die("STATUS or REPORT_SIZE differs from its bytes");
  if (r.report.data != data + 32 || r.report.size != r.report_size)
    Die("the report view is not REPORT_SIZE bytes at offset 32");
  ra::SnpReport report;
  (void)ra::ParseSnpReport(r.report, &report);
  return 0;
}
