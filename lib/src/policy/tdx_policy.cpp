#include "policy/tdx_policy.h"

#include <algorithm>

#include "common/bytes_util.h"
#include "policy/tdx_eventlog_policy.h"

namespace ra {
namespace {

const char kCheck[] = "tdx policy";

// An empty list accepts any value.  Entries are public reference values,
// so a plain comparison is fine here.
template <size_t N>
Status CheckOneOf(const char* name, const std::array<uint8_t, N>& value,
                  const std::vector<Bytes>& allowed) {
  if (allowed.empty()) return Status();
  for (const auto& a : allowed)
    if (a.size() == value.size() && std::equal(a.begin(), a.end(), value.begin()))
      return Status();
  return Status::Fail(kCheck, std::string(name) + " " +
                                  HexEncode(ByteView(value.data(), value.size())) +
                                  " not in policy");
}

std::string TdAttributeBitName(unsigned bit) {
  for (const auto& b : kTdAttributeBits)
    if (b.bit == bit) return b.name;
  return "reserved";
}

// Which set bits a policy allows: the named bits it lists (the by_default
// ones when it lists none) and the bits a mask:value sets; DEBUG
// also with AllowDebug.  Every mask:value must hold.
Status CheckTdAttributes(const std::array<uint8_t, 8>& raw, const Policy& policy) {
  const uint64_t attrs = Le64(raw);
  const uint64_t debug = uint64_t{1} << kTdAttributeDebugBit;
  uint64_t allowed = 0;
  if (policy.td_attributes_given) {
    allowed = policy.td_attributes_allowed;
  } else {
    for (const auto& b : kTdAttributeBits)
      if (b.by_default) allowed |= uint64_t{1} << b.bit;
  }
  for (const auto& mv : policy.td_attributes_masks) {
    if ((attrs & mv.first) != mv.second)
      return Status::Fail(kCheck, "TDATTRIBUTES " + HexEncode(raw) +
                                      " does not match TdAttributes mask:value");
    allowed |= mv.second;
  }
  if ((attrs & debug) && !policy.allow_debug && !(allowed & debug))
    return Status::Fail(kCheck,
                        "debug TD (TDATTRIBUTES.DEBUG set) refused" + std::string(kDebugHint));
  allowed |= policy.allow_debug ? debug : 0;
  const uint64_t extra = attrs & ~allowed;
  if (extra == 0) return Status();
  unsigned bit = 0;
  while (!((extra >> bit) & 1)) bit++;
  return Status::Fail(kCheck, "TDATTRIBUTES " + HexEncode(raw) + ": bit " +
                                  std::to_string(bit) + " (" + TdAttributeBitName(bit) +
                                  ") set but not allowed by TdAttributes");
}

// Intel orders TCB levels by TEE_TCB_SVN component by component (each of
// the 16 bytes at least the level's, TCB info's tdxtcbcomponents), not as
// one number: so does the minimum here.
Status CheckTeeTcbSvn(const std::array<uint8_t, 16>& svn, const Bytes& min) {
  if (min.empty()) return Status();
  for (size_t i = 0; i < svn.size() && i < min.size(); i++)
    if (svn[i] < min[i])
      return Status::Fail(kCheck, "TEE_TCB_SVN " + HexEncode(svn) + " below TeeTcbSvn " +
                                      HexEncode(min) + " (component " + std::to_string(i) +
                                      ")");
  return Status();
}

}  // namespace

Status CheckTdxReferenceValues(const TdReportBody& body, const Policy& policy,
                               bool has_servtd) {
  RA_RETURN_IF_ERROR(CheckTdAttributes(body.td_attributes, policy));
  RA_RETURN_IF_ERROR(CheckOneOf("MRTD", body.mr_td, policy.mrtd));
  static const char* const kRtmr[4] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};
  for (size_t i = 0; i < 4; i++)
    RA_RETURN_IF_ERROR(CheckOneOf(kRtmr[i], body.rtmr[i], policy.rtmr[i]));
  RA_RETURN_IF_ERROR(CheckOneOf("MRSEAM", body.mr_seam, policy.mrseam));
  RA_RETURN_IF_ERROR(CheckOneOf("MRCONFIGID", body.mr_config_id, policy.mrconfigid));
  RA_RETURN_IF_ERROR(CheckOneOf("MROWNER", body.mr_owner, policy.mrowner));
  RA_RETURN_IF_ERROR(CheckOneOf("MROWNERCONFIG", body.mr_owner_config, policy.mrownerconfig));
  RA_RETURN_IF_ERROR(CheckOneOf("XFAM", body.xfam, policy.xfam));
  RA_RETURN_IF_ERROR(CheckTeeTcbSvn(body.tee_tcb_svn, policy.min_tee_tcb_svn));
  if (!policy.mrservicetd.empty() && !has_servtd)
    return Status::Fail(kCheck, "MrServiceTd is pinned but the quote has no MRSERVICETD "
                                "(TDX 1.0 body, e.g. a v4 quote)");
  if (has_servtd)
    RA_RETURN_IF_ERROR(CheckOneOf("MRSERVICETD", body.mr_service_td, policy.mrservicetd));
  return Status();
}

namespace {

// AllowedTcbStatus, with TcbGracePeriod: an OutOfDate platform within the
// grace counts as the status it would have if it were up to date.
bool TcbStatusAllowed(const TdxClaims& c, const std::vector<std::string>& allowed) {
  auto has = [&](const std::string& s) {
    return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
  };
  if (has(c.tcb_status)) return true;
  // TDRelaunchAdvised: the TD's launch TCB is OutOfDate, the one it runs
  // on is not; what accepts the former accepts it.
  if (c.tcb_status == "TDRelaunchAdvised" && has("OutOfDate")) return true;
  if (c.tcb_status == "TDRelaunchAdvisedConfigurationNeeded" &&
      has("OutOfDateConfigurationNeeded"))
    return true;
  if (!c.tcb_within_grace) return false;
  if (c.tcb_status == "OutOfDate") return has("UpToDate");
  if (c.tcb_status == "OutOfDateConfigurationNeeded") return has("ConfigurationNeeded");
  return false;
}

}  // namespace

Status AppraiseTdxClaims(const TdxClaims& c, const Policy& policy) {
  if (c.tcb_evaluated && !TcbStatusAllowed(c, policy.allowed_tcb_status))
    return Status::Fail("tcb status", c.tcb_status + " not in AllowedTcbStatus");
  RA_RETURN_IF_ERROR(CheckTdxReferenceValues(c.body, policy, c.body_type == kTdxBodyTypeTdx15));
  return AppraiseTdxEventLog(c.eventlog.get(), policy);
}

}  // namespace ra
