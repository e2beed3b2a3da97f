// libFuzzer target: the tdx-eventlog item (parse/tdx_eventlog.h: a CCEL
// table, then the log), its replay against a quote's RTMRs (verify/
// tdx_eventlog_check.h), the providers' builder (table || whole area ->
// item) and the event descriptions.  Seeds (fuzz/gen_tpm_seeds.py): items
// made from the GCP COS-113 CCEL and from trustee's GRUB log.
//
// Invariants (abort on violation): a parsed item has a TDX table with a
// zero checksum and a log no longer than its LAML; its replay reproduces
// its own replayed RTMRs and lists only events of RTMR0-3 with SHA-384
// digests; an item the builder made parses again; descriptions are
// printable ASCII.
#include <cstdint>
#include <cstring>
#include <memory>

#include "fuzz_checks.h"
#include "parse/tdx_eventlog.h"
#include "parse/tdx_quote.h"
#include "verify/eventlog_replay.h"
#include "verify/tdx_eventlog_check.h"

namespace {

using fuzz::CheckFailure;
using fuzz::Die;

void CheckItem(const uint8_t* data, size_t size, const ra::TcgEventLog& log,
               const ra::CcelTable& t) {
  uint8_t sum = 0;
  for (size_t i = 0; i < ra::kCcelTableLen; i++) sum = static_cast<uint8_t>(sum + data[i]);
  if (sum != 0 || std::memcmp(data, "CCEL", 4) != 0) Die("accepted a bad table");
  if (t.cc_type != ra::kCcTypeTdx) Die("accepted a non-TDX table");
  if (size - ra::kCcelTableLen > t.laml) Die("log beyond LAML");
  std::array<ra::Rtmr, 4> rtmrs;
  ra::Status s = ra::ReplayCcelRtmrs(log, &rtmrs);
  CheckFailure(s);
  if (!s.ok()) return;
  ra::TdReportBody body{};
  for (size_t i = 0; i < 4; i++) body.rtmr[i] = rtmrs[i];
  ra::TdxEventLogClaims c;
  s = ra::ReplayTdxEventLog(log, body, &c);
  if (!s.ok()) Die("log does not reproduce its own replay: " + s.message());
  for (const auto& e : c.events) {
    if (e.rtmr > 3 || e.sha384.size() != 48) Die("event claim out of range");
    for (char ch : e.description)
      if (ch < 0x20 || ch > 0x7e) Die("unprintable description");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::CcelTable t;
  ra::TcgEventLog log;
  ra::Status s = ra::ParseTdxEventLogItem(ra::ByteView(data, size), &t, &log);
  CheckFailure(s);
  if (s.ok()) CheckItem(data, size, log, t);
  if (size >= ra::kCcelTableLen) {
    ra::Bytes item;
    s = ra::BuildTdxEventLogItem(ra::ByteView(data, ra::kCcelTableLen),
                                 ra::ByteView(data + ra::kCcelTableLen, size - ra::kCcelTableLen),
                                 &item);
    CheckFailure(s);
    if (s.ok()) {
      if (item.size() > ra::kMaxTdxEventLogItemLen) Die("built an oversized item");
      s = ra::ParseTdxEventLogItem(item, &t, &log);
      if (!s.ok()) Die("built item does not parse: " + s.message());
    }
  }
  return 0;
}
