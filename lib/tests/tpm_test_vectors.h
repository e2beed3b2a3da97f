// Shared by the TPM, event-log and IMA tests: readers for the real
// evidence in tests/vectors/tpm, ima and tdx.  A missing vector fails
// the test (ADD_FAILURE), it never skips.
#pragma once

#include <gtest/gtest.h>
#include <jansson.h>

#include <memory>
#include <string>

#include "common/base64.h"
#include "common/bytes_util.h"
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

}  // namespace ra_tpm_test
