#include "policy/tdx_policy.h"

#include <algorithm>

#include "common/bytes_util.h"

namespace ra {
namespace {

const char kCheck[] = "tdx policy";

// An empty list accepts any value.  Entries are public reference values,
// so a plain comparison is fine here.
Status CheckOneOf(const char* name, const Mr48& value,
                  const std::vector<Bytes>& allowed) {
  if (allowed.empty()) return Status();
  for (const auto& a : allowed)
    if (a.size() == value.size() &&
        std::equal(a.begin(), a.end(), value.begin()))
      return Status();
  return Status::Fail(kCheck, std::string(name) + " " +
                                  HexEncode(ByteView(value.data(), value.size())) +
                                  " not in policy");
}

}  // namespace

Status CheckTdxReferenceValues(const TdReportBody& body, const Policy& policy) {
  if (TdxIsDebug(body) && !policy.allow_debug)
    return Status::Fail(kCheck,
                        "debug TD (TDATTRIBUTES.DEBUG set) refused" + std::string(kDebugHint));
  RA_RETURN_IF_ERROR(CheckOneOf("MRTD", body.mr_td, policy.mrtd));
  static const char* const kRtmr[4] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};
  for (size_t i = 0; i < 4; i++)
    RA_RETURN_IF_ERROR(CheckOneOf(kRtmr[i], body.rtmr[i], policy.rtmr[i]));
  RA_RETURN_IF_ERROR(CheckOneOf("MRSEAM", body.mr_seam, policy.mrseam));
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
  if (!c.tcb_within_grace) return false;
  if (c.tcb_status == "OutOfDate") return has("UpToDate");
  if (c.tcb_status == "OutOfDateConfigurationNeeded") return has("ConfigurationNeeded");
  return false;
}

}  // namespace

Status AppraiseTdxClaims(const TdxClaims& c, const Policy& policy) {
  if (c.tcb_evaluated && !TcbStatusAllowed(c, policy.allowed_tcb_status))
    return Status::Fail("tcb status", c.tcb_status + " not in AllowedTcbStatus");
  return CheckTdxReferenceValues(c.body, policy);
}

}  // namespace ra
