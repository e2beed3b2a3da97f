#include "policy/maa_claims.h"

#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/jwt_token.h"

namespace ra {

Status ReadMaaServiceVerdict(const json_t* claims, const char* check, const char* want_type,
                             std::string* attestation_type, std::string* compliance) {
  RA_RETURN_IF_ERROR(JsonGetString(claims, "x-ms-attestation-type", check, attestation_type));
  if (*attestation_type != want_type)
    return Status::Fail(check, "x-ms-attestation-type is '" + *attestation_type + "', not " +
                                   want_type);
  RA_RETURN_IF_ERROR(JsonGetString(claims, "x-ms-compliance-status", check, compliance));
  if (*compliance != "azure-compliant-cvm")
    return Status::Fail(check, "x-ms-compliance-status is '" + *compliance +
                                   "', not azure-compliant-cvm");
  return Status();
}

Status ReadMaaRuntimeBinding(const json_t* claims, const Binding* binding, const char* check,
                             Bytes* user_data, bool* binding_checked, std::string* user_data_is) {
  const json_t* runtime = nullptr;
  RA_RETURN_IF_ERROR(JsonGetObject(claims, "x-ms-runtime", check, &runtime));
  std::string hex;
  RA_RETURN_IF_ERROR(JsonGetString(runtime, "user-data", check, &hex));
  if (hex.size() != 2 * kBindingLen || !HexDecode(hex, user_data).ok())
    return Status::Fail(check, "x-ms-runtime user-data is not 128 hex digits");
  // Decoding first makes the comparison case-insensitive; the comparison
  // itself is constant-time, as for REPORTDATA.
  const char* how = "";
  if (binding && !UserDataMatchesBinding(*user_data, *binding, &how))
    return Status::Fail("runtime data binding",
                        "x-ms-runtime user-data does not match the expected binding");
  *binding_checked = binding != nullptr;
  if (binding) *user_data_is = how;
  return Status();
}

}  // namespace ra
