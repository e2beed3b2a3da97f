// The HCL report parser on a real Azure TDX CVM's report (vectors/tdx
// trustee_azure_tdx_vtpm_evidence-v1.json), each structural check failed on
// its own, and the runtime JSON reader.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstring>
#include <string>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "parse/hcl_report.h"
#include "parse/jwt_token.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "tdx_test_vectors.h"
#include "verify/azure_tdx_quote_verifier.h"

namespace {

void PutLe32(ra::Bytes* b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; i++) (*b)[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A minimal well-formed TDX HCL report around json.
ra::Bytes MakeReport(const std::string& json) {
  ra::Bytes b(ra::kHclRuntimeJsonOffset + json.size() + 64, 0);
  std::memcpy(b.data(), "HCLA", 4);
  PutLe32(&b, 4, 2);
  PutLe32(&b, 8, static_cast<uint32_t>(ra::kHclRuntimeJsonOffset + json.size()));
  PutLe32(&b, 12, 2);
  PutLe32(&b, ra::kHclRuntimeHeaderOffset, static_cast<uint32_t>(json.size() + 20));
  PutLe32(&b, ra::kHclRuntimeHeaderOffset + 4, 1);
  PutLe32(&b, ra::kHclRuntimeHeaderOffset + 8, ra::kHclReportTypeTdx);
  PutLe32(&b, ra::kHclRuntimeHeaderOffset + 12, ra::kHclHashSha256);
  PutLe32(&b, ra::kHclRuntimeHeaderOffset + 16, static_cast<uint32_t>(json.size()));
  std::memcpy(b.data() + ra::kHclRuntimeJsonOffset, json.data(), json.size());
  return b;
}

void ExpectRefused(const ra::Bytes& report, const std::string& needle) {
  ra::HclReport r;
  ra::Status s = ra::ParseHclReport(report, &r);
  ASSERT_FALSE(s.ok()) << "accepted; wanted: " << needle;
  EXPECT_EQ(s.check(), "hcl report");
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(HclReport, RealAzureTdxReport) {
  ra::Bytes raw = ra_tdx_test::AzureEvidenceMember("hcl_report");
  ra::HclReport r;
  ra::Status s = ra::ParseHclReport(raw, &r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.report_type, ra::kHclReportTypeTdx);
  EXPECT_EQ(r.hash_type, ra::kHclHashSha256);
  ASSERT_EQ(r.hw_report.size(), ra::kTdReportLen);
  EXPECT_EQ(r.runtime_json.size(), 1201u);
  EXPECT_EQ(r.runtime_json.front(), '{');
  EXPECT_EQ(r.runtime_json.back(), '}');

  // The paravisor's binding: REPORTDATA[0:32] = SHA-256(runtime JSON).
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(r.runtime_json.data(), r.runtime_json.size(), h);
  std::array<uint8_t, 64> rd = ra::TdReportReportData(r.hw_report);
  EXPECT_EQ(0, std::memcmp(rd.data(), h, sizeof(h)));

  ra::AzureRuntimeData rt;
  s = ra::ParseAzureRuntimeJson(r.runtime_json, &rt);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(rt.has_user_data);
  EXPECT_EQ(rt.user_data, ra::Bytes(64, 0));
  EXPECT_EQ(rt.ak_pub_n.rfind("yJsXggAApem3", 0), 0u) << rt.ak_pub_n;
  EXPECT_EQ(rt.ak_pub_e, "AQAB");
}

// The report's runtime JSON and the quote IMDS made from its TD report
// verify together, against the real Intel root, with the Azure verifier.
TEST(HclReport, RealAzureQuoteVerifiesWithItsRuntimeData) {
  ra::Bytes raw = ra_tdx_test::AzureEvidenceMember("hcl_report");
  ra::Bytes quote = ra_tdx_test::AzureEvidenceMember("td_quote");
  ra::HclReport r;
  ASSERT_TRUE(ra::ParseHclReport(raw, &r).ok());
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(quote, &q).ok());
  std::array<uint8_t, 64> rd = ra::TdReportReportData(r.hw_report);
  EXPECT_EQ(0, std::memcmp(rd.data(), q.body.report_data.data(), rd.size()));

  ra::Policy pol;  // built-in Intel root
  ra::Binding zeros{};
  ra::VerifiedClaims c;
  const std::time_t at = ra_tdx_test::Utc(2024, 6, 1);
  ra::Status s = ra::VerifyAzureTdxQuote(quote, r.runtime_json, &zeros, pol, at, &c);
  EXPECT_TRUE(s.ok()) << s.message();

  // One flipped byte in the runtime JSON breaks the hash binding.
  ra::Bytes json = r.runtime_json;
  json[json.size() / 2] ^= 1;
  s = ra::VerifyAzureTdxQuote(quote, json, &zeros, pol, at, &c);
  EXPECT_EQ(s.check(), "report data binding") << s.message();
  // Another binding than the echoed user-data is refused.
  ra::Binding other{};
  other[0] = 1;
  s = ra::VerifyAzureTdxQuote(quote, r.runtime_json, &other, pol, at, &c);
  EXPECT_EQ(s.check(), "runtime data binding") << s.message();
}

TEST(HclReport, SyntheticRoundTrip) {
  const std::string json = "{\"user-data\":\"" + std::string(128, 'a') + "\"}";
  ra::HclReport r;
  ra::Status s = ra::ParseHclReport(MakeReport(json), &r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(std::string(r.runtime_json.begin(), r.runtime_json.end()), json);
}

TEST(HclReport, EachStructureCheck) {
  const std::string json = "{}";
  ra::Bytes good = MakeReport(json);
  const size_t rt = ra::kHclRuntimeHeaderOffset;

  ExpectRefused(ra::Bytes(good.begin(), good.begin() + ra::kHclRuntimeJsonOffset - 1),
                "truncated");
  ExpectRefused(ra::Bytes(), "truncated");
  ra::Bytes big = good;
  big.resize(ra::kMaxHclReportLen + 1);
  ExpectRefused(big, "larger than");

  ra::Bytes b = good;
  b[3] = 'B';
  ExpectRefused(b, "signature is not HCLA");
  // One field at a time set to a value the parser must refuse.
  const struct {
    size_t offset;
    uint32_t value;
    const char* why;
  } fields[] = {
      {rt + 8, 3, "unknown report type 3"},
      {rt + 12, 0, "unknown hash type 0"},
      {rt + 12, 4, "unknown hash type 4"},
      {rt + 16, 0, "runtime data size 0"},
      // would wrap an offset computed first
      {rt + 16, 0xFFFFFFFFu, "runtime data size 4294967295"},
      {rt + 16, static_cast<uint32_t>(good.size() - ra::kHclRuntimeJsonOffset + 1), "bytes left"},
      {rt + 16, static_cast<uint32_t>(json.size() + 1), "runtime header data size"},
      {rt, static_cast<uint32_t>(json.size() + 21), "runtime header data size"},
      {8, 0, "report size 0 disagrees"},
  };
  for (const auto& f : fields) {
    b = good;
    PutLe32(&b, f.offset, f.value);
    ExpectRefused(b, f.why);
  }

  // An SNP report keeps the whole 1184-byte hardware area.
  b = good;
  PutLe32(&b, rt + 8, ra::kHclReportTypeSnp);
  ra::HclReport r;
  ASSERT_TRUE(ra::ParseHclReport(b, &r).ok());
  EXPECT_EQ(r.hw_report.size(), ra::kHclHwReportLen);
}

void ExpectRuntimeRefused(const std::string& json, const std::string& needle) {
  ra::AzureRuntimeData rt;
  ra::Status s = ra::ParseAzureRuntimeJson(
      ra::ByteView(reinterpret_cast<const uint8_t*>(json.data()), json.size()), &rt);
  ASSERT_FALSE(s.ok()) << "accepted: " << json;
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(AzureRuntimeJson, Checks) {
  const std::string hex(128, 'F');
  ra::AzureRuntimeData rt;
  std::string ok = "{\"user-data\":\"" + hex + "\",\"keys\":[{\"kid\":\"HCLEkPub\"},"
                   "{\"kid\":\"HCLAkPub\",\"n\":\"AQ\",\"e\":\"AQAB\"}]}";
  ASSERT_TRUE(ra::ParseAzureRuntimeJson(
                  ra::ByteView(reinterpret_cast<const uint8_t*>(ok.data()), ok.size()), &rt)
                  .ok());
  EXPECT_EQ(rt.user_data, ra::Bytes(64, 0xFF));
  EXPECT_EQ(rt.ak_pub_n, "AQ");
  std::string none = "{}";
  ASSERT_TRUE(ra::ParseAzureRuntimeJson(
                  ra::ByteView(reinterpret_cast<const uint8_t*>(none.data()), none.size()), &rt)
                  .ok());
  EXPECT_FALSE(rt.has_user_data);

  ExpectRuntimeRefused("", "empty");
  ExpectRuntimeRefused(std::string(ra::kMaxRuntimeJsonLen + 1, ' '), "larger than");
  ExpectRuntimeRefused("[]", "azure runtime data");
  ExpectRuntimeRefused("{\"user-data\":\"" + hex + "\",\"user-data\":\"" + hex + "\"}",
                       "azure runtime data");
  ExpectRuntimeRefused("{\"user-data\":5}", "user-data");
  ExpectRuntimeRefused("{\"user-data\":\"" + hex.substr(2) + "\"}", "128 hex digits");
  ExpectRuntimeRefused("{\"user-data\":\"" + hex.substr(1) + "g\"}", "128 hex digits");
  ExpectRuntimeRefused("{\"keys\":{}}", "keys is not an array");
  ExpectRuntimeRefused("{\"keys\":[1]}", "keys[0] is not an object");
  ExpectRuntimeRefused("{\"keys\":[{\"kid\":7}]}", "kid");
  ExpectRuntimeRefused("{\"keys\":[{\"kid\":\"HCLAkPub\",\"e\":\"AQAB\"}]}", "n");
  ExpectRuntimeRefused("{\"keys\":[{\"kid\":\"HCLAkPub\",\"n\":\"\",\"e\":\"AQAB\"}]}",
                       "empty n or e");
  ExpectRuntimeRefused("{\"keys\":[{\"kid\":\"HCLAkPub\",\"n\":\"AQ\",\"e\":\"AQAB\"},"
                       "{\"kid\":\"HCLAkPub\",\"n\":\"AQ\",\"e\":\"AQAB\"}]}",
                       "HCLAkPub given twice");
}

}  // namespace
