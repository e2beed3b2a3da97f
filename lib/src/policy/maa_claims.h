// What the Azure MAA token kinds (SNP and TDX) share: the service's verdict
// and x-ms-runtime's user-data, the session binding the CVM's runtime JSON
// carried.
#pragma once

#include <jansson.h>

#include <string>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

// Reads x-ms-attestation-type, which must be want_type, and
// x-ms-compliance-status, which must be azure-compliant-cvm: the service's
// verdict on the CVM as a whole (firmware, paravisor, TCB); anything else
// means it attested something it does not vouch for.  Fails as `check`.
Status ReadMaaServiceVerdict(const json_t* claims, const char* check, const char* want_type,
                             std::string* attestation_type, std::string* compliance);

// Reads x-ms-runtime.user-data (128 hex digits, failing as `check`) into
// *user_data; when binding is given it must match it (as the binding or
// its SHA-512, said in *user_data_is), else "runtime data binding" fails.
// *binding_checked says whether it was compared.
Status ReadMaaRuntimeBinding(const json_t* claims, const Binding* binding, const char* check,
                             Bytes* user_data, bool* binding_checked, std::string* user_data_is);

}  // namespace ra
