// The tdx-eventlog item beside a TDX quote (parse/tdx_eventlog.h),
// replayed into RTMR0-3 (CCEL MR index n extends RTMR n-1 with SHA-384,
// verify/eventlog_replay.h) and compared with the quote's RTMRs.
//
// An RTMR the log has events for must come out exactly as quoted, else
// the log is refused naming the RTMR.  An RTMR the log has no event for
// is not compared: Linux and agents such as dstack extend RTMR3 at run
// time without writing to CCEL, and a log that says nothing about a
// register vouches for nothing in it (its claims list no event of it, so
// an RtmrEvent pin on it refuses).
#pragma once

#include <memory>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"
#include "parse/tcg_eventlog.h"
#include "parse/tdx_quote.h"
#include "policy/tdx_eventlog_policy.h"

namespace ra {

// *out: null when all has no tdx-eventlog item; more than one is refused.
Status VerifyTdxEventLog(const std::vector<EvidenceItem>& all, const TdReportBody& body,
                         std::shared_ptr<const TdxEventLogClaims>* out);

// The replay and comparison alone, for one parsed log (tests, tools).
Status ReplayTdxEventLog(const TcgEventLog& log, const TdReportBody& body,
                         TdxEventLogClaims* out);

}  // namespace ra
