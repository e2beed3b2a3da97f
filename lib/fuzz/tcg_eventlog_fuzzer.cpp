// libFuzzer target: the TCG event log (parse/tcg_eventlog.h), its event
// decoding and replay (verify/eventlog_replay.h), and the CCEL table +
// log area (parse/ccel_table.h: the first 56 bytes as the table, the rest
// as the area).  Seeds (fuzz/gen_tpm_seeds.py): the shared TPM and CCEL
// logs, the go-attestation legacy log, and CCEL table || area pairs.
//
// Invariants (abort on violation): a parsed log's events lie inside the
// input in order, end at used_len, and what follows is padding of one
// kind; digests have the sizes the Spec ID event declares; replays of
// a parsed log either fail with a reason or give values of the bank's
// size; a parsed CCEL table has the "CCEL" signature and a zero checksum.
#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_checks.h"
#include "parse/ccel_table.h"
#include "parse/tcg_eventlog.h"
#include "parse/tpm_json_view.h"
#include "verify/eventlog_replay.h"

namespace {

using fuzz::Die;
using fuzz::CheckFailure;
using fuzz::CheckJson;

void CheckLog(const uint8_t* data, size_t size, const ra::TcgEventLog& log) {
  size_t prev = 0;
  for (const auto& e : log.events) {
    if (e.offset < prev || e.offset >= log.used_len) Die("event offsets out of order");
    prev = e.offset + 1;
    for (const auto& d : e.digests) {
      bool declared = false;
      for (const auto& a : log.algorithms) declared |= a.alg == d.alg && a.size == d.digest.size();
      if (!declared) Die("digest of an undeclared algorithm or size");
    }
    ra::TcgEventInfo info;
    CheckFailure(ra::DecodeTcgEvent(e, &info));
    CheckFailure(ra::CheckTcgEventDataDigest(e, ra::kTpmAlgSha256));
  }
  bool secure_boot = false;
  CheckFailure(ra::EfiSecureBootEnabled(log, ra::kTpmAlgSha256, &secure_boot));
  if (log.used_len > size) Die("used_len beyond the input");
  if (log.used_len < size) {
    uint8_t fill = data[log.used_len];
    if (fill != 0 && fill != 0xFF) Die("accepted trailing garbage");
    for (size_t i = log.used_len; i < size; i++)
      if (data[i] != fill) Die("accepted mixed padding");
  }
  for (uint16_t alg : {ra::kTpmAlgSha1, ra::kTpmAlgSha256, ra::kTpmAlgSha384}) {
    ra::ReplayedPcrs r;
    ra::Status s = ra::ReplayTcgEventLog(log, alg, &r);
    CheckFailure(s);
    if (s.ok())
      for (const auto& v : r.value)
        if (v.size() != ra::TpmHashSize(alg)) Die("replayed value size");
  }
  std::array<ra::Rtmr, 4> rtmrs;
  CheckFailure(ra::ReplayCcelRtmrs(log, &rtmrs));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::TcgEventLog log;
  ra::Status s = ra::ParseTcgEventLog(ra::ByteView(data, size), &log);
  CheckFailure(s);
  if (s.ok()) CheckLog(data, size, log);
  if (s.ok()) CheckJson(ra::TcgEventLogToJson(log));

  if (size >= ra::kCcelTableLen) {
    ra::CcelTable t;
    ra::TcgEventLog clog;
    s = ra::ParseCcelEventLog(ra::ByteView(data, ra::kCcelTableLen),
                              ra::ByteView(data + ra::kCcelTableLen, size - ra::kCcelTableLen),
                              &t, &clog);
    CheckFailure(s);
    if (s.ok()) {
      uint8_t sum = 0;
      for (size_t i = 0; i < ra::kCcelTableLen; i++) sum = static_cast<uint8_t>(sum + data[i]);
      if (memcmp(data, "CCEL", 4) != 0 || sum != 0) Die("accepted a bad table");
      if (t.laml != size - ra::kCcelTableLen) Die("LAML disagrees with the area");
      CheckLog(data + ra::kCcelTableLen, size - ra::kCcelTableLen, clog);
    }
  }
  return 0;
}
