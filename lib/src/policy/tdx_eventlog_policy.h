// Appraisal of a TD's RTMR event log (the tdx-eventlog item beside a TDX
// quote): its section of the policy (RtmrEvent, RtmrEventLog) and the
// claims verify/tdx_eventlog_check.h establishes.  Applies to every TDX
// quote kind's claims (policy/tdx_policy.h AppraiseTdxClaims).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"
#include "policy/policy_keywords.h"

namespace ra {

// One event the replay vouches for: an event of an RTMR whose replayed
// value equals the quote's.
struct TdxLogEvent {
  uint32_t rtmr = 0;        // 0..3 (CCEL MR index 1..4)
  uint32_t event_type = 0;  // TCG event type
  Bytes sha384;             // the digest extended into the RTMR
  std::string description;  // decoded event data, "" if none (not measured)
};

struct TdxEventLogClaims {
  std::vector<TdxLogEvent> events;  // in log order
  // The replayed registers.  Bit n of explained: RTMR n has events in the
  // log (and so equals the quote's); an RTMR without events is extended
  // at run time by something that does not log to CCEL, or not at all.
  std::array<Bytes, 4> rtmr;
  uint8_t explained = 0;
};

// RtmrEvent N HEX[,HEX...]: each digest must be among RTMR N's events.
struct RtmrEventPin {
  uint32_t rtmr = 0;
  Bytes sha384;
};

struct TdxEventLogPolicyValues : PolicySectionValues {
  bool required = false;  // RtmrEventLog required (implied by RtmrEvent)
  std::vector<RtmrEventPin> pins;
};

constexpr const char kTdxEventLogSection[] = "tdx-eventlog";

// The section's keywords (registered in verify/kind_registry.cpp).
const PolicySection& TdxEventLogPolicySection();

// log: the quote's verified log, nullptr when none was sent.  No log is
// refused only when the policy requires one; every pin must be found.
Status AppraiseTdxEventLog(const TdxEventLogClaims* log, const Policy& policy);

}  // namespace ra
