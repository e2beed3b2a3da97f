#include "policy/maa_tdx_policy.h"

#include <algorithm>

#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/jwt_token.h"

namespace ra {
namespace {

const char kCheck[] = "maa tdx claims";
constexpr size_t kMeasurementLen = 48;

// A 48-byte measurement claim (96 hex digits).  Required when the policy
// lists values for it; otherwise only its type is checked (when present).
Status CheckMeasurement(const json_t* claims, const char* claim, const char* name,
                        const std::vector<Bytes>& allowed, VerifiedClaims* out) {
  bool present = false;
  std::string hex;
  RA_RETURN_IF_ERROR(JsonGetString(claims, claim, kCheck, &hex, &present));
  if (!present) {
    if (!allowed.empty())
      return Status::Fail(kCheck, std::string("missing '") + claim + "' (policy lists " +
                                      name + " values)");
    return Status();
  }
  Bytes value;
  if (hex.size() != 2 * kMeasurementLen || !HexDecode(hex, &value).ok())
    return Status::Fail(kCheck, std::string("'") + claim + "' is not 96 hex digits");
  if (out) out->fields.emplace_back(claim + 4, HexEncode(value));  // "tdx_mrtd" -> "mrtd"
  if (allowed.empty()) return Status();
  // Public reference values: a plain comparison is fine.
  for (const Bytes& a : allowed)
    if (a == value) return Status();
  return Status::Fail("tdx policy", std::string(name) + " " + HexEncode(value) +
                                        " not in policy");
}

}  // namespace

Status CheckMaaTdxClaims(const json_t* claims, const Binding* binding,
                         const Policy& policy, VerifiedClaims* out) {
  if (!json_is_object(claims)) return Status::Fail(kCheck, "claims are not an object");
  VerifiedClaims vc;
  vc.kind = "maa-token";

  std::string type, compliance;
  RA_RETURN_IF_ERROR(JsonGetString(claims, "x-ms-attestation-type", kCheck, &type));
  if (type != "tdxvm")
    return Status::Fail(kCheck, "x-ms-attestation-type is '" + type + "', not tdxvm");
  RA_RETURN_IF_ERROR(JsonGetString(claims, "x-ms-compliance-status", kCheck, &compliance));
  // The service's verdict on the CVM as a whole (firmware, paravisor, TCB):
  // anything else means it attested something it does not vouch for.
  if (compliance != "azure-compliant-cvm")
    return Status::Fail(kCheck, "x-ms-compliance-status is '" + compliance +
                                    "', not azure-compliant-cvm");

  bool debug = true;
  RA_RETURN_IF_ERROR(JsonGetBool(claims, "tdx_td_attributes_debug", kCheck, &debug));
  if (debug && !policy.allow_debug)
    return Status::Fail("tdx policy", "debug TD (tdx_td_attributes_debug true) refused");

  const json_t* runtime = nullptr;
  RA_RETURN_IF_ERROR(JsonGetObject(claims, "x-ms-runtime", kCheck, &runtime));
  std::string user_data;
  RA_RETURN_IF_ERROR(JsonGetString(runtime, "user-data", kCheck, &user_data));
  Bytes ud;
  if (user_data.size() != 2 * kBindingLen || !HexDecode(user_data, &ud).ok())
    return Status::Fail(kCheck, "x-ms-runtime user-data is not 128 hex digits");
  // Decoding first makes the comparison case-insensitive; the comparison
  // itself is constant-time, as for REPORTDATA.
  const char* how = "";
  if (binding && !UserDataMatchesBinding(ud, *binding, &how))
    return Status::Fail("runtime data binding",
                        "x-ms-runtime user-data does not match the expected binding");

  vc.fields.emplace_back("attestation_type", type);
  vc.fields.emplace_back("compliance", compliance);
  vc.fields.emplace_back("debug", debug ? "yes" : "no");
  RA_RETURN_IF_ERROR(CheckMeasurement(claims, "tdx_mrtd", "MRTD", policy.mrtd, &vc));
  static const char* const kClaim[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
  static const char* const kName[4] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};
  for (size_t i = 0; i < 4; i++)
    RA_RETURN_IF_ERROR(CheckMeasurement(claims, kClaim[i], kName[i], policy.rtmr[i], &vc));
  RA_RETURN_IF_ERROR(CheckMeasurement(claims, "tdx_mrseam", "MRSEAM", policy.mrseam, &vc));
  vc.fields.emplace_back("user_data", HexEncode(ud));
  vc.fields.emplace_back("binding_checked", binding ? "yes" : "no");
  if (binding) vc.fields.emplace_back("user_data_is", how);
  if (out) *out = std::move(vc);
  return Status();
}

}  // namespace ra
