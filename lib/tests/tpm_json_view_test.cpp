// The JSON views of TPM quotes, event logs and IMA lists (what
// `ssh-attest inspect` / `eventlog` print), on the real vectors.
#include <gtest/gtest.h>

#include "parse/tpm_json_view.h"
#include "tpm_test_vectors.h"

namespace {

using namespace ra_tpm_test;

Json Parse(const std::string& text) {
  json_error_t err;
  Json j(json_loads(text.c_str(), 0, &err));
  EXPECT_TRUE(j) << err.text;
  return j;
}

TEST(TpmJsonView, Quote) {
  Json v = LoadJsonVector("tpm/gotpmtools_gce_cos85_attestation_nonce9009.decoded.json");
  ra::TpmQuote q;
  ASSERT_TRUE(ra::ParseTpmQuote(Hex(Str(json_object_get(json_array_get(Path(v.get(), {"quotes"}), 2), "tpms_attest"))), &q).ok());
  Json j = Parse(ra::TpmQuoteToJson(q));
  EXPECT_EQ(Str(Path(j.get(), {"extra_data"})), "9009");
  const json_t* sel = json_array_get(Path(j.get(), {"pcr_select"}), 0);
  EXPECT_EQ(Str(json_object_get(sel, "bank")), "sha384");
  EXPECT_EQ(json_array_size(json_object_get(sel, "pcrs")), 24u);
  EXPECT_EQ(Str(Path(j.get(), {"pcr_digest"})).size(), 64u);
}

TEST(TpmJsonView, EventLog) {
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(ra_tdx_test::ReadVector("tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin"), &log).ok());
  Json j = Parse(ra::TcgEventLogToJson(log));
  const json_t* events = Path(j.get(), {"events"});
  ASSERT_EQ(json_array_size(events), log.events.size());
  bool secure_boot = false;
  size_t i;
  const json_t* e;
  json_array_foreach(events, i, e) {
    const json_t* var = json_object_get(e, "efi_variable");
    if (var && Str(json_object_get(var, "name")) == "SecureBoot") {
      secure_boot = true;
      EXPECT_EQ(Str(json_object_get(e, "type")), "EV_EFI_VARIABLE_DRIVER_CONFIG");
      EXPECT_EQ(Str(json_object_get(var, "guid")), "8be4df61-93ca-11d2-aa0d-00e098032b8c");
      EXPECT_EQ(Str(json_object_get(var, "data")), "01");
      EXPECT_EQ(Str(Path(e, {"digests", "sha256"})).size(), 64u);
    }
  }
  EXPECT_TRUE(secure_boot);
}

TEST(TpmJsonView, ImaList) {
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaAsciiLog(ra_tdx_test::ToString(ra_tdx_test::ReadVector(
      "ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt")), &log).ok());
  Json j = Parse(ra::ImaLogToJson(log));
  const json_t* e1 = json_array_get(Path(j.get(), {"entries"}), 1);
  EXPECT_EQ(Str(json_object_get(e1, "name")), "/init");
  EXPECT_EQ(Str(json_object_get(e1, "digest")), "19f13b42c2745066347e76454788c0fe083643f3");
  EXPECT_EQ(Str(json_object_get(e1, "template_hash")), "c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63");
}

}  // namespace
