// libFuzzer target: the SEV-SNP claims of an Azure Attestation token
// (ra::ReadMaaSnpClaims, then ra::AppraiseMaaSnpClaims) on arbitrary JSON
// text, as they arrive once a token's signature has verified: the claims
// object is the attacker-shaped part (MAA copies the report's fields into
// it).  Seeds (fuzz/gen_seeds.py): Azure's documented sevsnpvm claim set
// bound to the fuzzer's binding, and variants.
//
// Invariants (abort on violation), re-derived from the input: claims that
// are read say sevsnpvm and azure-compliant-cvm, carry the binding (or its
// SHA-512) as x-ms-runtime user-data, a launch measurement that is the
// claim's 48 bytes and a VMPL of at most 3; claims the policy accepts are
// not debuggable, have the pinned measurement, VMPL 0 and a TCB at least
// the minimum; failures name their check and say why.
#include <jansson.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/bytes_util.h"
#include "fuzz_checks.h"
#include "parse/jwt_token.h"
#include "policy/maa_snp_policy.h"
#include "policy/policy.h"

namespace {

using fuzz::CheckFailure;
using fuzz::Die;

const std::string kMeasurement = std::string(96, 'a');
ra::Binding g_binding;
ra::Policy g_policy;

void CheckRead(const json_t* doc, const ra::MaaSnpClaims& m) {
  if (m.attestation_type != "sevsnpvm" || m.compliance != "azure-compliant-cvm")
    Die("accepted claims of type '" + m.attestation_type + "', '" + m.compliance + "'");
  uint8_t h[SHA512_DIGEST_LENGTH];
  SHA512(g_binding.data(), g_binding.size(), h);
  ra::Bytes b(g_binding.begin(), g_binding.end()), hb(h, h + sizeof(h));
  if (m.user_data != b && m.user_data != hb) Die("accepted user-data that is not the binding");
  const char* hex = json_string_value(json_object_get(doc, "x-ms-sevsnpvm-launchmeasurement"));
  ra::Bytes want;
  if (!hex || !ra::HexDecode(hex, &want).ok() ||
      want != ra::Bytes(m.measurement.begin(), m.measurement.end()))
    Die("the measurement is not the claim's bytes");
  if (m.vmpl > 3) Die("VMPL above 3");
}

void CheckAppraised(const ra::MaaSnpClaims& m) {
  if (m.debug) Die("a debuggable VM passed without AllowDebug");
  if (ra::HexEncode(m.measurement) != kMeasurement) Die("another measurement passed");
  if (m.vmpl != 0) Die("VMPL other than SnpVmpl passed");
  if (!m.tcb || m.tcb->bootloader < 2 || m.tcb->snp < 8 || m.tcb->microcode < 100)
    Die("a TCB below SnpMinTcb passed");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (size_t i = 0; i < g_binding.size(); i++) g_binding[i] = static_cast<uint8_t>(i * 5 + 3);
  ra::Status s = ra::ParsePolicy("SnpMeasurement " + kMeasurement +
                                     "\nSnpMinTcb bl=2,tee=0,snp=8,ucode=100\n",
                                 "/fuzz-policy", &g_policy);
  if (!s.ok()) Die("policy: " + s.message());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  ra::JsonPtr doc;
  ra::Status s = ra::ParseJsonObject(std::string(data, data + size), "claims", &doc);
  if (!s.ok()) return 0;
  ra::VerifiedClaims vc;
  s = ra::ReadMaaSnpClaims(doc.get(), &g_binding, &vc);
  CheckFailure(s);
  if (!s.ok()) return 0;
  const ra::MaaSnpClaims* m = std::any_cast<ra::MaaSnpClaims>(&vc.typed);
  if (!m) Die("read claims without typed claims");
  CheckRead(doc.get(), *m);
  s = ra::AppraiseMaaSnpClaims(*m, g_policy);
  CheckFailure(s);
  if (s.ok()) CheckAppraised(*m);
  return 0;
}
