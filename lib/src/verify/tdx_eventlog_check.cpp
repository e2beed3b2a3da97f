#include "verify/tdx_eventlog_check.h"

#include <openssl/crypto.h>

#include <cstring>

#include "parse/tdx_eventlog.h"
#include "parse/tpm_alg.h"
#include "verify/eventlog_replay.h"
#include "verify/lone_item.h"

namespace ra {
namespace {

constexpr const char* kCheck = "tdx eventlog";

// Bit n: the log extends RTMR n (MR index n + 1).
uint8_t ExtendedRtmrs(const TcgEventLog& log) {
  uint8_t mask = 0;
  for (const TcgEvent& e : log.events)
    if (e.event_type != kEvNoAction && e.pcr_index >= 1 && e.pcr_index <= 4)
      mask = static_cast<uint8_t>(mask | (1u << (e.pcr_index - 1)));
  return mask;
}

}  // namespace

Status ReplayTdxEventLog(const TcgEventLog& log, const TdReportBody& body,
                         TdxEventLogClaims* out) {
  std::array<Rtmr, 4> replayed;
  RA_RETURN_IF_ERROR(ReplayCcelRtmrs(log, &replayed));
  TdxEventLogClaims c;
  c.explained = ExtendedRtmrs(log);
  for (size_t i = 0; i < 4; i++) {
    c.rtmr[i].assign(replayed[i].begin(), replayed[i].end());
    if (!(c.explained & (1u << i))) continue;
    if (CRYPTO_memcmp(replayed[i].data(), body.rtmr[i].data(), 48) != 0)
      return Status::Fail("event log replay",
                          "the tdx-eventlog does not reproduce the quote's RTMR" +
                              std::to_string(i));
  }
  for (const TcgEvent& e : log.events) {
    if (e.event_type == kEvNoAction || e.pcr_index == 0) continue;
    const Bytes* d = e.DigestFor(kTpmAlgSha384);
    if (d == nullptr) return Status::Fail(kCheck, "event without SHA-384 digest");  // replay refused it
    c.events.push_back({e.pcr_index - 1, e.event_type, *d, DescribeTcgEvent(e)});
  }
  *out = std::move(c);
  return Status();
}

Status VerifyTdxEventLog(const std::vector<EvidenceItem>& all, const TdReportBody& body,
                         std::shared_ptr<const TdxEventLogClaims>* out) {
  const EvidenceItem* item = nullptr;
  RA_RETURN_IF_ERROR(FindLoneItem(all, kEvidenceTdxEventLog, kCheck, &item));
  out->reset();
  if (item == nullptr) return Status();
  CcelTable table;
  TcgEventLog log;
  RA_RETURN_IF_ERROR(ParseTdxEventLogItem(item->data, &table, &log));
  auto c = std::make_shared<TdxEventLogClaims>();
  RA_RETURN_IF_ERROR(ReplayTdxEventLog(log, body, c.get()));
  *out = std::move(c);
  return Status();
}

}  // namespace ra
