// The TDX section's keywords (docs/policy.md): trust anchor, collateral,
// reference values, debug and TCB status.  Values are recorded here; the
// files they name are loaded by verify/policy_materials.cpp.
#include <algorithm>
#include <string>
#include <vector>

#include "policy/policy_keywords.h"

namespace ra {
namespace {

const char* const kKnownTcbStatus[] = {
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "Revoked",
};

// Only "TrustAnchor tdx" comes here (first_arg below).
Status ApplyTrustAnchor(const PolicyLine& l, Policy* p) {
  p->tdx_trust_anchor = l.Resolve(l.tok[2]);
  p->tdx_anchor_certs.reset();
  return Status();
}

Status ApplyCollateral(const PolicyLine& l, Policy* p) {
  p->collateral_dir = l.Resolve(l.tok[1]);
  return Status();
}

Status AddMeasurements(const PolicyLine& l, std::vector<Bytes>* dst) {
  Status s = ParseMeasurementList(l.tok[1], dst);
  return s.ok() ? s : Status::Fail(l.tok[0] + ": " + s.check());
}

Status ApplyMrtd(const PolicyLine& l, Policy* p) { return AddMeasurements(l, &p->mrtd); }
Status ApplyMrseam(const PolicyLine& l, Policy* p) { return AddMeasurements(l, &p->mrseam); }
template <size_t I>
Status ApplyRtmr(const PolicyLine& l, Policy* p) {
  return AddMeasurements(l, &p->rtmr[I]);
}

Status ApplyAllowDebug(const PolicyLine& l, Policy* p) {
  std::string v = LowerAscii(l.tok[1]);
  if (v != "yes" && v != "no")
    return Status::Fail("AllowDebug wants yes or no, not '" + l.tok[1] + "'");
  p->allow_debug = v == "yes";
  return Status();
}

Status ApplyAllowedTcbStatus(const PolicyLine& l, Policy* p) {
  std::vector<std::string> names;
  RA_RETURN_IF_ERROR(SplitPolicyList(l.tok[1], &names));
  std::vector<std::string> allowed;
  for (const std::string& nm : names) {
    const char* canon = nullptr;
    for (const char* k : kKnownTcbStatus)
      if (LowerAscii(nm) == LowerAscii(k)) canon = k;
    if (!canon) return Status::Fail("unknown TCB status '" + nm + "'");
    if (std::find(allowed.begin(), allowed.end(), canon) == allowed.end())
      allowed.push_back(canon);
  }
  p->allowed_tcb_status = std::move(allowed);
  return Status();
}

}  // namespace

std::vector<PolicyKeyword> TdxPolicyKeywords() {
  return {
      {"TrustAnchor", 2, false, true, ApplyTrustAnchor, "tdx"},
      {"Collateral", 1, false, false, ApplyCollateral},
      {"MRTD", 1, true, false, ApplyMrtd},
      {"RTMR0", 1, true, false, ApplyRtmr<0>},
      {"RTMR1", 1, true, false, ApplyRtmr<1>},
      {"RTMR2", 1, true, false, ApplyRtmr<2>},
      {"RTMR3", 1, true, false, ApplyRtmr<3>},
      {"MRSEAM", 1, true, false, ApplyMrseam},
      {"AllowDebug", 1, false, false, ApplyAllowDebug},
      {"AllowedTcbStatus", 1, false, false, ApplyAllowedTcbStatus},
  };
}

}  // namespace ra
