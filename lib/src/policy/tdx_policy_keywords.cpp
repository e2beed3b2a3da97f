// The TDX section's keywords (docs/policy.md): trust anchor, collateral,
// reference values, debug and TCB status.  Values are recorded here; the
// files they name are loaded by verify/policy_materials.cpp.
#include <algorithm>
#include <string>
#include <vector>

#include "parse/jwt_token.h"
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

// A URL fetches from Intel's PCS or a PCCS; anything else is a directory
// (./https: for one so named).
Status ApplyCollateral(const PolicyLine& l, Policy* p) {
  p->collateral_dir.clear();
  p->collateral_url.clear();
  if (LowerAscii(l.tok[1].substr(0, 7)) == "http://")
    return Status::Fail("Collateral: '" + l.tok[1] + "': https only");
  if (LowerAscii(l.tok[1].substr(0, 8)) != "https://") {
    p->collateral_dir = l.Resolve(l.tok[1]);
    return Status();
  }
  Status s = NormalizeHttpsUrl(l.tok[1], &p->collateral_url);
  return s.ok() ? s : Status::Fail("Collateral: " + s.detail());
}

Status ApplyCollateralCa(const PolicyLine& l, Policy* p) {
  p->collateral_ca_file = l.Resolve(l.tok[1]);
  return Status();
}

// As IssuerKeyCache: only "none" turns it off, and a cache problem is
// judged (and ignored) when used, never here.
Status ApplyCollateralCache(const PolicyLine& l, Policy* p) {
  if (l.tok[1] == "none") {
    p->collateral_cache.clear();
  } else {
    if (LowerAscii(l.tok[1]) == "none")
      return Status::Fail("CollateralCache: '" + l.tok[1] + "': write none, or ./" + l.tok[1] +
                          " for a directory of that name");
    p->collateral_cache = l.Resolve(l.tok[1]);
  }
  p->collateral_cache_given = true;
  return Status();
}

constexpr int64_t kMaxCollateralSeconds = 10LL * 365 * 24 * 3600;

Status ApplySeconds(const PolicyLine& l, int64_t max, int64_t* out) {
  Status s = ParsePolicySeconds(l.tok[1], max, out);
  return s.ok() ? s : Status::Fail(l.tok[0] + ": " + s.check());
}

Status ApplyCollateralGrace(const PolicyLine& l, Policy* p) {
  return ApplySeconds(l, kMaxCollateralSeconds, &p->collateral_grace);
}

Status ApplyCollateralMaxAge(const PolicyLine& l, Policy* p) {
  return ApplySeconds(l, kMaxCollateralSeconds, &p->collateral_max_age);
}

Status ApplyMinTcbEvaluationDataNumber(const PolicyLine& l, Policy* p) {
  const std::string& a = l.tok[1];
  if (a.empty() || a.size() > 9 ||
      !std::all_of(a.begin(), a.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Status::Fail("MinTcbEvaluationDataNumber: '" + a + "' is not a number");
  p->min_tcb_evaluation_data_number = std::stoll(a);
  return Status();
}

Status ApplyTcbGracePeriod(const PolicyLine& l, Policy* p) {
  const std::string& a = l.tok[1];
  if (a.empty() || a.size() > 4 ||
      !std::all_of(a.begin(), a.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Status::Fail("TcbGracePeriod: '" + a + "' is not a number of days (at most 9999)");
  p->tcb_grace_period = std::stoll(a) * 86400;
  return Status();
}

Status ApplyCheckRevocation(const PolicyLine& l, Policy* p) {
  std::string v = LowerAscii(l.tok[1]);
  if (v != "yes" && v != "no")
    return Status::Fail("CheckRevocation wants yes or no, not '" + l.tok[1] + "'");
  p->check_revocation = v == "yes";
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
      {"CollateralCA", 1, false, false, ApplyCollateralCa},
      {"CollateralCache", 1, false, false, ApplyCollateralCache},
      {"CollateralGrace", 1, false, false, ApplyCollateralGrace},
      {"CollateralMaxAge", 1, false, false, ApplyCollateralMaxAge},
      {"CheckRevocation", 1, false, false, ApplyCheckRevocation},
      {"MinTcbEvaluationDataNumber", 1, false, false, ApplyMinTcbEvaluationDataNumber},
      {"TcbGracePeriod", 1, false, false, ApplyTcbGracePeriod},
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
