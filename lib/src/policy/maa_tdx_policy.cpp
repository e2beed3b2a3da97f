#include "policy/maa_tdx_policy.h"

#include <algorithm>

#include "common/bytes_util.h"
#include "parse/jwt_token.h"
#include "policy/maa_claims.h"
#include "policy/tdx_policy.h"

namespace ra {
namespace {

const char kCheck[] = "maa tdx claims";
constexpr size_t kMeasurementLen = 48;
const char* const kRtmrClaim[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
const char* const kRtmrName[4] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};

// A 48-byte measurement claim (96 hex digits), when present.
Status ReadMeasurement(const json_t* claims, const char* claim, std::optional<Bytes>* out,
                       VerifiedClaims* vc) {
  bool present = false;
  std::string hex;
  RA_RETURN_IF_ERROR(JsonGetString(claims, claim, kCheck, &hex, &present));
  if (!present) return Status();
  Bytes value;
  if (hex.size() != 2 * kMeasurementLen || !HexDecode(hex, &value).ok())
    return Status::Fail(kCheck, std::string("'") + claim + "' is not 96 hex digits");
  vc->fields.emplace_back(claim + 4, HexEncode(value));  // "tdx_mrtd" -> "mrtd"
  *out = std::move(value);
  return Status();
}

// Required when the policy lists values for it.
Status CheckMeasurement(const std::optional<Bytes>& value, const char* claim, const char* name,
                        const std::vector<Bytes>& allowed) {
  if (allowed.empty()) return Status();
  if (!value)
    return Status::Fail(kCheck, std::string("missing '") + claim + "' (policy lists " + name +
                                    " values)");
  // Public reference values: a plain comparison is fine.
  for (const Bytes& a : allowed)
    if (a == *value) return Status();
  return Status::Fail("tdx policy", std::string(name) + " " + HexEncode(*value) +
                                        " not in policy");
}

Status ReadServiceVerdict(const json_t* claims, MaaTdxClaims* m) {
  RA_RETURN_IF_ERROR(
      ReadMaaServiceVerdict(claims, kCheck, "tdxvm", &m->attestation_type, &m->compliance));
  return JsonGetBool(claims, "tdx_td_attributes_debug", kCheck, &m->debug);
}

}  // namespace

Status ReadMaaTdxClaims(const json_t* claims, const Binding* binding, VerifiedClaims* out) {
  if (!json_is_object(claims)) return Status::Fail(kCheck, "claims are not an object");
  MaaTdxClaims m;
  RA_RETURN_IF_ERROR(ReadServiceVerdict(claims, &m));
  RA_RETURN_IF_ERROR(ReadMaaRuntimeBinding(claims, binding, kCheck, &m.user_data,
                                           &m.binding_checked, &m.user_data_is));

  VerifiedClaims vc;
  vc.kind = kEvidenceMaaToken;
  vc.fields.emplace_back("attestation_type", m.attestation_type);
  vc.fields.emplace_back("compliance", m.compliance);
  vc.fields.emplace_back("debug", m.debug ? "yes" : "no");
  RA_RETURN_IF_ERROR(ReadMeasurement(claims, "tdx_mrtd", &m.mrtd, &vc));
  for (size_t i = 0; i < 4; i++)
    RA_RETURN_IF_ERROR(ReadMeasurement(claims, kRtmrClaim[i], &m.rtmr[i], &vc));
  RA_RETURN_IF_ERROR(ReadMeasurement(claims, "tdx_mrseam", &m.mrseam, &vc));
  vc.fields.emplace_back("user_data", HexEncode(m.user_data));
  vc.fields.emplace_back("binding_checked", binding ? "yes" : "no");
  if (binding) vc.fields.emplace_back("user_data_is", m.user_data_is);
  vc.typed = std::move(m);
  if (out) *out = std::move(vc);
  return Status();
}

// Reference values for TD report fields a token's claims do not carry
// here: refused rather than silently unchecked, unless the policy also
// requires a raw TDX quote, whose appraisal checks them.
Status CheckNoUncarriedPins(const Policy& p) {
  for (const std::string& t : p.required_types)
    if (t == kEvidenceTdxQuote || t == kEvidenceTdxQuoteSha512 || t == kEvidenceAzureTdxQuote)
      return Status();
  const char* pinned = !p.mrconfigid.empty()      ? "MrConfigId"
                       : !p.mrowner.empty()       ? "MrOwner"
                       : !p.mrownerconfig.empty() ? "MrOwnerConfig"
                       : !p.mrservicetd.empty()   ? "MrServiceTd"
                       : !p.xfam.empty()          ? "Xfam"
                       : p.td_attributes_given    ? "TdAttributes"
                       : !p.min_tee_tcb_svn.empty() ? "TeeTcbSvn"
                                                    : nullptr;
  if (pinned)
    return Status::Fail(kCheck, std::string("the policy pins ") + pinned +
                                    ", which an attestation token does not carry");
  return Status();
}

Status AppraiseMaaTdxClaims(const MaaTdxClaims& m, const Policy& policy) {
  RA_RETURN_IF_ERROR(CheckNoUncarriedPins(policy));
  if (m.debug && !policy.allow_debug)
    return Status::Fail("tdx policy", "debug TD (tdx_td_attributes_debug true) refused" +
                                           std::string(kDebugHint));
  RA_RETURN_IF_ERROR(CheckMeasurement(m.mrtd, "tdx_mrtd", "MRTD", policy.mrtd));
  for (size_t i = 0; i < 4; i++)
    RA_RETURN_IF_ERROR(CheckMeasurement(m.rtmr[i], kRtmrClaim[i], kRtmrName[i], policy.rtmr[i]));
  return CheckMeasurement(m.mrseam, "tdx_mrseam", "MRSEAM", policy.mrseam);
}

Status CheckMaaTdxClaims(const json_t* claims, const Binding* binding, const Policy& policy,
                         VerifiedClaims* out) {
  VerifiedClaims vc;
  RA_RETURN_IF_ERROR(ReadMaaTdxClaims(claims, binding, &vc));
  RA_RETURN_IF_ERROR(AppraiseMaaTdxClaims(std::any_cast<const MaaTdxClaims&>(vc.typed), policy));
  if (out) *out = std::move(vc);
  return Status();
}

}  // namespace ra
