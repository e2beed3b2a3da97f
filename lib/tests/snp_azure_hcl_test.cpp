// The Azure SNP CVM evidence (vTPM HCL report with an SNP report at 0x20):
// the SNP report inside verifies with the VCEK shipped beside it and AMD's
// built-in Genoa chain, and its REPORT_DATA binds the HCL's runtime JSON
// (SHA-256 in the first 32 bytes, zeros after) as Azure documents.
#include <gtest/gtest.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "parse/hcl_report.h"
#include "snp_test_vectors.h"

namespace {

using namespace ra_snp_test;

struct AzureSnpEvidence {
  ra::Bytes hcl;
  std::string vcek_pem;
};

AzureSnpEvidence LoadEvidence() {
  AzureSnpEvidence e;
  ra::Bytes file = ReadVector("snp/trustee_azure_snp_vtpm_evidence-genoa.json");
  json_error_t err;
  json_t* doc = json_loadb(reinterpret_cast<const char*>(file.data()), file.size(), 0, &err);
  if (!doc) {
    ADD_FAILURE() << "evidence JSON: " << err.text;
    return e;
  }
  size_t i;
  json_t* v;
  json_array_foreach(json_object_get(doc, "report"), i, v)
      e.hcl.push_back(static_cast<uint8_t>(json_integer_value(v)));
  const char* pem = json_string_value(json_object_get(doc, "vcek"));
  if (pem) e.vcek_pem = pem;
  json_decref(doc);
  return e;
}

TEST(SnpAzure, HclReportCarriesAVerifiableGenoaReportBindingTheRuntimeJson) {
  AzureSnpEvidence e = LoadEvidence();
  ra::HclReport hcl;
  ra::Status s = ra::ParseHclReport(e.hcl, &hcl);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(hcl.report_type, ra::kHclReportTypeSnp);
  // The SNP report is HCL bytes 0x20..0x4C0, the shared .bin vector.
  EXPECT_EQ(hcl.hw_report, ReadVector("snp/trustee_azure_genoa_report_v3.bin"));
  ra::X509Ptr vcek;
  ASSERT_TRUE(ra::SnpKeyCertFromBytes(ra::Bytes(e.vcek_pem.begin(), e.vcek_pem.end()), &vcek).ok());
  std::array<uint8_t, 64> binding{};
  SHA256(hcl.runtime_json.data(), hcl.runtime_json.size(), binding.data());
  ra::SnpVerifyOptions o;
  o.now = Utc(2025, 6, 1);
  o.expected_report_data = &binding;
  ra::SnpClaims c;
  s = ParseAndVerify(hcl.hw_report, vcek.get(), o, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.product, ra::SnpProduct::kGenoa);
  EXPECT_EQ(c.product_name.substr(0, 5), "Genoa");
  // One changed byte of the runtime JSON breaks the binding.
  hcl.runtime_json[hcl.runtime_json.size() / 2] ^= 1;
  SHA256(hcl.runtime_json.data(), hcl.runtime_json.size(), binding.data());
  s = ParseAndVerify(hcl.hw_report, vcek.get(), o, nullptr);
  EXPECT_EQ(s.check(), "snp report data");
}

}  // namespace
