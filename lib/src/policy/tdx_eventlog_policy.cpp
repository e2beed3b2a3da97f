// The tdx-eventlog section: keywords and appraisal (docs/policy.md,
// "RTMR event logs").
#include "policy/tdx_eventlog_policy.h"

#include <algorithm>

#include "common/bytes_util.h"

namespace ra {
namespace {

constexpr const char* kCheck = "tdx eventlog policy";

TdxEventLogPolicyValues* Values(Policy* p) {
  return p->Section<TdxEventLogPolicyValues>(kTdxEventLogSection);
}

// RtmrEvent N HEX[,HEX...]: N 0..3, each HEX a SHA-384 digest.
Status ApplyRtmrEvent(const PolicyLine& l, Policy* p) {
  const std::string& n = l.tok[1];
  if (n.size() != 1 || n[0] < '0' || n[0] > '3')
    return Status::Fail(l.tok[0] + ": RTMR index '" + n + "' is not 0, 1, 2 or 3");
  std::vector<Bytes> digests;
  Status s = ParseMeasurementList(l.tok[2], &digests);
  if (!s.ok()) return Status::Fail(l.tok[0] + ": " + s.check());
  TdxEventLogPolicyValues* v = Values(p);
  for (Bytes& d : digests) v->pins.push_back({static_cast<uint32_t>(n[0] - '0'), std::move(d)});
  v->required = true;
  return Status();
}

Status ApplyRtmrEventLog(const PolicyLine& l, Policy* p) {
  std::string v = LowerAscii(l.tok[1]);
  if (v != "required" && v != "optional")
    return Status::Fail("RtmrEventLog wants required or optional, not '" + l.tok[1] + "'");
  Values(p)->required = v == "required";
  return Status();
}

// RtmrEventLog optional beside RtmrEvent contradicts itself.
Status FinishTdxEventLog(Policy* p) {
  const auto* v = static_cast<const Policy*>(p)->Section<TdxEventLogPolicyValues>(
      kTdxEventLogSection);
  if (v && !v->pins.empty() && !v->required)
    return Status::Fail("RtmrEventLog optional contradicts RtmrEvent, which needs the log");
  return Status();
}

}  // namespace

const PolicySection& TdxEventLogPolicySection() {
  static const PolicySection s{kTdxEventLogSection,
                               {{"RtmrEvent", 2, true, false, ApplyRtmrEvent},
                                {"RtmrEventLog", 1, false, false, ApplyRtmrEventLog}},
                               /*load=*/nullptr,
                               FinishTdxEventLog};
  return s;
}

Status AppraiseTdxEventLog(const TdxEventLogClaims* log, const Policy& policy) {
  const auto* v = policy.Section<TdxEventLogPolicyValues>(kTdxEventLogSection);
  if (v == nullptr) return Status();
  if (log == nullptr) {
    if (!v->required) return Status();
    return Status::Fail(kCheck, "the policy requires the RTMR event log (" +
                                    std::string(v->pins.empty() ? "RtmrEventLog" : "RtmrEvent") +
                                    ") but the server sent no tdx-eventlog");
  }
  for (const RtmrEventPin& pin : v->pins) {
    bool found = std::any_of(log->events.begin(), log->events.end(), [&](const TdxLogEvent& e) {
      return e.rtmr == pin.rtmr && e.sha384 == pin.sha384;
    });
    if (!found)
      return Status::Fail(kCheck, "RtmrEvent " + std::to_string(pin.rtmr) + " " +
                                      HexEncode(pin.sha384) +
                                      " is not in the verified event log of RTMR" +
                                      std::to_string(pin.rtmr));
  }
  return Status();
}

}  // namespace ra
