// The TDX section's keywords (docs/policy.md): trust anchor, collateral,
// reference values of every TD report field, debug and TCB status.  Values are recorded here; the
// files they name are loaded by verify/policy_materials.cpp.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "parse/jwt_token.h"
#include "common/bytes_util.h"
#include "policy/policy_keywords.h"
#include "policy/tdx_policy.h"

namespace ra {
namespace {

const char* const kKnownTcbStatus[] = {
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "TDRelaunchAdvised",
    "TDRelaunchAdvisedConfigurationNeeded",
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

// As IssuerKeyCache: judged (and ignored if need be) when used.
Status ApplyCollateralCache(const PolicyLine& l, Policy* p) {
  RA_RETURN_IF_ERROR(ParsePolicyCacheDir("CollateralCache", l, &p->collateral_cache));
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
  return ParsePolicyYesNo("CheckRevocation", l.tok[1], &p->check_revocation);
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

Status ApplyMrConfigId(const PolicyLine& l, Policy* p) {
  return AddMeasurements(l, &p->mrconfigid);
}
Status ApplyMrOwner(const PolicyLine& l, Policy* p) { return AddMeasurements(l, &p->mrowner); }
Status ApplyMrOwnerConfig(const PolicyLine& l, Policy* p) {
  return AddMeasurements(l, &p->mrownerconfig);
}
Status ApplyMrServiceTd(const PolicyLine& l, Policy* p) {
  return AddMeasurements(l, &p->mrservicetd);
}

// Exactly n bytes of hex (2n digits), as the quote carries them.
Status ParseFixedHex(const std::string& keyword, const std::string& hex, size_t n, Bytes* out) {
  if (hex.size() != 2 * n || !HexDecode(hex, out).ok())
    return Status::Fail(keyword + ": '" + hex + "' is not " + std::to_string(2 * n) +
                        " hex digits");
  return Status();
}

uint64_t Le64Of(const Bytes& b) {
  std::array<uint8_t, 8> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return Le64(a);
}

Status ApplyXfam(const PolicyLine& l, Policy* p) {
  std::vector<std::string> items;
  RA_RETURN_IF_ERROR(SplitPolicyList(l.tok[1], &items));
  for (const std::string& it : items) {
    Bytes v;
    RA_RETURN_IF_ERROR(ParseFixedHex(l.tok[0], it, 8, &v));
    p->xfam.push_back(std::move(v));
  }
  return Status();
}

Status ApplyTeeTcbSvn(const PolicyLine& l, Policy* p) {
  return ParseFixedHex(l.tok[0], l.tok[1], 16, &p->min_tee_tcb_svn);
}

// A list of named bits (kTdAttributeBits) and MASK:VALUE pairs, each 16
// hex digits in the quote's byte order, VALUE within MASK.
Status ApplyTdAttributes(const PolicyLine& l, Policy* p) {
  std::vector<std::string> items;
  RA_RETURN_IF_ERROR(SplitPolicyList(l.tok[1], &items));
  for (const std::string& it : items) {
    size_t colon = it.find(':');
    if (colon != std::string::npos) {
      Bytes mask, value;
      RA_RETURN_IF_ERROR(ParseFixedHex(l.tok[0], it.substr(0, colon), 8, &mask));
      RA_RETURN_IF_ERROR(ParseFixedHex(l.tok[0], it.substr(colon + 1), 8, &value));
      uint64_t m = Le64Of(mask), v = Le64Of(value);
      if ((v & ~m) != 0)
        return Status::Fail(l.tok[0] + ": value '" + it + "' sets bits outside its mask");
      p->td_attributes_masks.emplace_back(m, v);
      continue;
    }
    const TdAttributeBit* named = nullptr;
    for (const auto& b : kTdAttributeBits)
      if (LowerAscii(it) == LowerAscii(b.name)) named = &b;
    if (!named) {
      std::string known;
      for (const auto& b : kTdAttributeBits)
        known += std::string(known.empty() ? "" : ", ") + b.name;
      return Status::Fail(l.tok[0] + ": unknown attribute '" + it + "' (named: " + known +
                          "; or MASK:VALUE)");
    }
    p->td_attributes_allowed |= uint64_t{1} << named->bit;
  }
  p->td_attributes_given = true;
  return Status();
}

Status ApplyAllowDebug(const PolicyLine& l, Policy* p) {
  return ParsePolicyYesNo("AllowDebug", l.tok[1], &p->allow_debug);
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
      {"CollateralCA", 1, false, false, ApplyPolicyPath<&Policy::collateral_ca_file>},
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
      {"MrConfigId", 1, true, false, ApplyMrConfigId},
      {"MrOwner", 1, true, false, ApplyMrOwner},
      {"MrOwnerConfig", 1, true, false, ApplyMrOwnerConfig},
      {"MrServiceTd", 1, true, false, ApplyMrServiceTd},
      {"Xfam", 1, true, false, ApplyXfam},
      {"TdAttributes", 1, false, false, ApplyTdAttributes},
      {"TeeTcbSvn", 1, false, false, ApplyTeeTcbSvn},
      {"AllowDebug", 1, false, false, ApplyAllowDebug},
      {"AllowedTcbStatus", 1, false, false, ApplyAllowedTcbStatus},
  };
}

}  // namespace ra

namespace ra {

// The keywords above, read backwards: what pins claims.  The TD's own
// identity (MRTD, RTMR0-2, owner and config IDs, attributes, XFAM) is
// pinned; what is extended at run time (RTMR3) or belongs to the
// platform and moves with its updates (MRSEAM, TEE_TCB_SVN, MRSERVICETD)
// is written as a comment for the operator to decide.
std::vector<std::string> TdxPinLines(const TdxClaims& t) {
  const TdReportBody& b = t.body;
  std::vector<std::string> out = {
      "MRTD " + HexEncode(b.mr_td),
      "RTMR0 " + HexEncode(b.rtmr[0]),
      "RTMR1 " + HexEncode(b.rtmr[1]),
      "RTMR2 " + HexEncode(b.rtmr[2]),
      "# RTMR3 is extended at run time; pin it only if the TD's run time is fixed:",
      "# RTMR3 " + HexEncode(b.rtmr[3]),
      "MrConfigId " + HexEncode(b.mr_config_id),
      "MrOwner " + HexEncode(b.mr_owner),
      "MrOwnerConfig " + HexEncode(b.mr_owner_config),
      "Xfam " + HexEncode(b.xfam),
  };
  // Every attribute bit exactly, except DEBUG, which stays AllowDebug's
  // (a mask:value that sets it would allow a debug TD).
  std::array<uint8_t, 8> mask;
  mask.fill(0xff);
  mask[0] = static_cast<uint8_t>(~(1u << kTdAttributeDebugBit));
  std::array<uint8_t, 8> value = b.td_attributes;
  value[0] &= mask[0];
  out.push_back("TdAttributes " + HexEncode(ByteView(mask.data(), mask.size())) + ":" +
                HexEncode(ByteView(value.data(), value.size())));
  if (TdxIsDebug(b))
    out.push_back("# this is a DEBUG TD (its memory is readable by the host): refused unless "
                  "AllowDebug yes");
  out.push_back("# the platform (changes with TDX module and firmware updates):");
  out.push_back("# MRSEAM " + HexEncode(b.mr_seam));
  out.push_back("# TeeTcbSvn " + HexEncode(b.tee_tcb_svn));
  if (t.body_type == kTdxBodyTypeTdx15)
    out.push_back("# MrServiceTd " + HexEncode(b.mr_service_td));
  return out;
}

}  // namespace ra
