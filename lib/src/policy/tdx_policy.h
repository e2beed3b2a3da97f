// Appraisal of a TDX quote's claims (TCB status, debug, reference values)
// against a Policy, after verify/tdx_quote_verifier.cpp established that
// the quote is genuine and bound to this session.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"

namespace ra {

struct TdxEventLogClaims;  // policy/tdx_eventlog_policy.h

// What a verified TDX quote establishes (kinds tdx-quote, tdx-quote-sha512
// and azure-tdx-quote): filled by VerifyTdxQuoteClaims, read here.
struct TdxClaims {
  uint16_t version = 0;
  uint16_t body_type = 0;  // 2: TDX 1.0 body, 3: TDX 1.5 (MRSERVICETD)
  TdReportBody body;
  std::string fmspc;  // hex; "" when the PCK extensions did not parse
  bool tcb_evaluated = false;  // the policy named Collateral
  std::string tcb_status = "not evaluated";
  // OutOfDate within TcbGracePeriod of the newer level's date.
  bool tcb_within_grace = false;
  bool binding_checked = false;
  // SHA-256 of the DER of the policy's trust anchor the PCK chain ended
  // in (hex): which root vouched, for known attestations.
  std::string anchor_sha256;
  // The tdx-eventlog beside the quote, replayed to its RTMRs; null: none
  // was sent (verify/tdx_eventlog_check.h).
  std::shared_ptr<const TdxEventLogClaims> eventlog;
};

// TDATTRIBUTES bits with a name (Intel TDX module ABI specification,
// TDATTRIBUTES; the Linux kernel's TDX_ATTR_* and QEMU agree).  Bits 0-7
// are the TUD group ("TD under debug": with any of them set the TD is not
// trusted): DEBUG 0 and the profiling bits HGS_PLUS_PROF 4, PERF_PROF 5,
// PMT_PROF 6.  Bits 16-31 (SEC) and 32-63 (OTHER): ICSSD 16, LASS 27,
// SEPT_VE_DISABLE 28, MIGRATABLE 29, PKS 30, KL 31, TPA 62, PERFMON 63.
// by_default: set without a TdAttributes line is accepted (features a
// production TD may use: never a TUD bit, nor a bit whose effect on the
// TD's isolation this code does not know).  Every other bit, named or
// reserved, refuses unless a policy's TdAttributes names it.
struct TdAttributeBit {
  const char* name;
  unsigned bit;
  bool by_default;
};
constexpr TdAttributeBit kTdAttributeBits[] = {
    {"DEBUG", 0, false},         {"HGS_PLUS_PROF", 4, false},  {"PERF_PROF", 5, false},
    {"PMT_PROF", 6, false},      {"ICSSD", 16, false},         {"LASS", 27, true},
    {"SEPT_VE_DISABLE", 28, true}, {"MIGRATABLE", 29, true},   {"PKS", 30, true},
    {"KL", 31, true},            {"TPA", 62, false},           {"PERFMON", 63, true},
};
constexpr unsigned kTdAttributeDebugBit = 0;

// An 8-byte little-endian field (TDATTRIBUTES, XFAM) as a number.
inline uint64_t Le64(const std::array<uint8_t, 8>& b) {
  uint64_t v = 0;
  for (size_t i = 8; i-- > 0;) v = (v << 8) | b[i];
  return v;
}

// TDATTRIBUTES bit 0: the TD is debuggable (its memory is readable by the
// host), so nothing it attests means anything.
inline bool TdxIsDebug(const TdReportBody& b) { return (b.td_attributes[0] & 0x01) != 0; }
inline bool TdxIsDebug(const TdxQuote& q) { return TdxIsDebug(q.body); }

// What a refused debug TD's message adds: what to do about it.
constexpr const char kDebugHint[] =
    " (rebuild the TD without debug, or set AllowDebug yes for testing)";

// TDATTRIBUTES (debug unless AllowDebug, TdAttributes, reserved bits);
// MRTD, RTMR0-3, MRSEAM, MRCONFIGID, MROWNER, MROWNERCONFIG, XFAM in their
// lists; TEE_TCB_SVN at least TeeTcbSvn.  MRSERVICETD needs the claims'
// body type (AppraiseTdxClaims); here it is compared only when has_servtd.
Status CheckTdxReferenceValues(const TdReportBody& body, const Policy& policy,
                               bool has_servtd = false);
inline Status CheckTdxPolicy(const TdxQuote& q, const Policy& policy) {
  return CheckTdxReferenceValues(q.body, policy, q.body_type == kTdxBodyTypeTdx15);
}

// TCB status in AllowedTcbStatus (when evaluated), then the above.
Status AppraiseTdxClaims(const TdxClaims& claims, const Policy& policy);

// The policy lines that pin these claims (EvidenceKind::PinLines):
// keywords of policy/tdx_policy_keywords.cpp, and comments for the values
// an operator should think about before pinning.
std::vector<std::string> TdxPinLines(const TdxClaims& claims);

}  // namespace ra
