// Shared by the TPM, event-log and IMA tests: readers for the real
// evidence in tests/vectors/tpm, ima and tdx.  A missing vector fails
// the test (ADD_FAILURE), it never skips.
#pragma once

#include <gtest/gtest.h>
#include <jansson.h>

#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_pcrs.h"
#include "tdx_test_vectors.h"

namespace ra_tpm_test {

// The vectors most TPM tests read (tests/vectors/README.md).
constexpr const char* kCos85 = "tpm/gotpmtools_gce_cos85_attestation_nonce9009.decoded.json";
constexpr const char* kAzure = "tdx/trustee_azure_tdx_vtpm_evidence-v1.json";
constexpr const char* kImaAscii = "ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt";

struct JsonDecref {
  void operator()(json_t* j) const { json_decref(j); }
};
using Json = std::unique_ptr<json_t, JsonDecref>;

inline Json LoadJsonVector(const std::string& rel) {
  ra::Bytes b = ra_tdx_test::ReadVector(rel);
  json_error_t err;
  Json j(json_loadb(reinterpret_cast<const char*>(b.data()), b.size(), 0, &err));
  if (!j) ADD_FAILURE() << rel << ": " << err.text;
  return j;
}

inline const json_t* Path(const json_t* j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    j = j ? json_object_get(j, k) : nullptr;
  }
  if (!j) ADD_FAILURE() << "vector member missing";
  return j;
}

inline std::string Str(const json_t* j) {
  const char* s = j ? json_string_value(j) : nullptr;
  if (!s) ADD_FAILURE() << "vector member is not a string";
  return s ? s : "";
}

inline ra::Bytes Hex(const std::string& h) {
  ra::Bytes b;
  ra::Status s = ra::HexDecode(h, &b);
  if (!s.ok()) ADD_FAILURE() << "bad hex in vector: " << s.message();
  return b;
}

inline ra::Bytes B64(const std::string& v) {
  ra::Bytes b;
  ra::Status s = ra::Base64Decode(v, &b);
  if (!s.ok()) ADD_FAILURE() << "bad base64 in vector: " << s.message();
  return b;
}

// A *.pcrs.json vector ({"source":..., "sha1":{...}, "sha256":{...}}).
inline ra::TpmPcrValues PcrsVector(const std::string& rel) {
  Json j = LoadJsonVector(rel);
  if (j) json_object_del(j.get(), "source");
  char* text = j ? json_dumps(j.get(), 0) : nullptr;
  ra::TpmPcrValues pcrs;
  ra::Status s = text ? ra::ParseTpmPcrsJson(text, &pcrs) : ra::Status::Fail("load");
  free(text);
  if (!s.ok()) ADD_FAILURE() << rel << ": " << s.message();
  return pcrs;
}

// The Azure TDX vTPM evidence (kAzure) as items: the quote, its
// TPMT_SIGNATURE (RSASSA, SHA-256, TPM2B of the raw signature), the
// published PCRs (also into *pcrs when given), the HCL report and TD quote.
inline std::vector<ra::EvidenceItem> AzureVtpmItems(ra::TpmPcrValues* pcrs_out = nullptr) {
  Json j = LoadJsonVector(kAzure);
  ra::Bytes sig = Hex(Str(Path(j.get(), {"tpm_quote", "signature"})));
  ra::Bytes tpmt = {0x00, 0x14, 0x00, 0x0b, static_cast<uint8_t>(sig.size() >> 8),
                    static_cast<uint8_t>(sig.size())};
  tpmt.insert(tpmt.end(), sig.begin(), sig.end());
  ra::TpmPcrValues pcrs;
  const json_t* list = Path(j.get(), {"tpm_quote", "pcrs"});
  for (size_t i = 0; i < json_array_size(list); i++)
    pcrs[ra::kTpmAlgSha256][static_cast<uint32_t>(i)] = Hex(Str(json_array_get(list, i)));
  const std::string pcr_json = ra::TpmPcrsToJson(pcrs);
  if (pcrs_out) *pcrs_out = pcrs;
  return {{ra::kEvidenceTpmQuote, Hex(Str(Path(j.get(), {"tpm_quote", "message"})))},
          {ra::kEvidenceTpmSignature, tpmt},
          {ra::kEvidenceTpmPcrs, ra::Bytes(pcr_json.begin(), pcr_json.end())},
          {ra::kEvidenceAzureHclReport, ra_tdx_test::AzureEvidenceMember("hcl_report")},
          {ra::kEvidenceAzureTdxQuote, ra_tdx_test::AzureEvidenceMember("td_quote")}};
}

}  // namespace ra_tpm_test
