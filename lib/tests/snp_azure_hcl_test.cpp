// The Azure SNP CVM evidence (vTPM HCL report with an SNP report at 0x20):
// the SNP report inside verifies with the VCEK shipped beside it and AMD's
// built-in Genoa chain, and its REPORT_DATA binds the HCL's runtime JSON
// (SHA-256 in the first 32 bytes, zeros after) as Azure documents.  Through
// the front door: kind azure-snp-report (report + runtime JSON + VCEK) and
// tpm-quote, whose AK (HCLAkPub) the SNP report vouches for.
#include <gtest/gtest.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "parse/hcl_report.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_pcrs.h"
#include "policy/policy.h"
#include "snp_test_vectors.h"
#include "verify/evaluate.h"
#include "verify/policy_pins.h"

namespace {

using namespace ra_snp_test;

struct AzureSnpEvidence {
  ra::Bytes hcl;
  std::string vcek_pem;
  ra::Bytes quote, signature;
  std::vector<ra::Bytes> pcrs;
};

ra::Bytes IntArray(const json_t* a) {
  ra::Bytes b;
  size_t i;
  json_t* v;
  json_array_foreach(a, i, v) b.push_back(static_cast<uint8_t>(json_integer_value(v)));
  return b;
}

AzureSnpEvidence LoadEvidence() {
  AzureSnpEvidence e;
  ra::Bytes file = ReadVector("snp/trustee_azure_snp_vtpm_evidence-genoa.json");
  json_error_t err;
  json_t* doc = json_loadb(reinterpret_cast<const char*>(file.data()), file.size(), 0, &err);
  if (!doc) {
    ADD_FAILURE() << "evidence JSON: " << err.text;
    return e;
  }
  e.hcl = IntArray(json_object_get(doc, "report"));
  const json_t* q = json_object_get(doc, "quote");
  e.quote = IntArray(json_object_get(q, "message"));
  e.signature = IntArray(json_object_get(q, "signature"));
  size_t i;
  json_t* v;
  json_array_foreach(json_object_get(q, "pcrs"), i, v) e.pcrs.push_back(IntArray(v));
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

ra::Bytes Str2B(const std::string& s) { return ra::Bytes(s.begin(), s.end()); }

ra::Status Eval(const std::vector<ra::EvidenceItem>& items, const std::string& policy_text,
                const ra::Binding* binding, ra::Verdict* v = nullptr) {
  ra::Policy pol;
  ra::Status s = ra::ParsePolicy(policy_text, "test-policy", &pol);
  if (!s.ok()) return ra::Status::Fail("policy parse", s.message());
  ra::Verdict tmp;
  return ra::Evaluate(items, pol, binding, Utc(2025, 6, 1), v ? v : &tmp);
}

std::string Field(const ra::Verdict& v, const std::string& name) {
  return v.items.empty() ? "" : ra::ClaimField(v.items[0].claims, name);
}

const char kAccept[] = "AcceptEvidence azure-snp-report\n";

std::vector<ra::EvidenceItem> ReportItems(const AzureSnpEvidence& e) {
  ra::HclReport hcl;
  EXPECT_TRUE(ra::ParseHclReport(e.hcl, &hcl).ok());
  return {{ra::kEvidenceAzureSnpReport, hcl.hw_report},
          {ra::kEvidenceAzureRuntimeData, hcl.runtime_json},
          {ra::kEvidenceSnpVcek, Str2B(e.vcek_pem)}};
}

// The runtime JSON's user-data is 64 zero bytes: that is the binding.
TEST(SnpAzure, AzureSnpReportKindVerifiesTheRealReport) {
  AzureSnpEvidence e = LoadEvidence();
  auto items = ReportItems(e);
  ra::Binding zero{};
  ra::Verdict v;
  ra::Status s = Eval(items, kAccept, &zero, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "product"), "Genoa");
  EXPECT_EQ(Field(v, "user_data"), std::string(128, '0'));
  EXPECT_EQ(Field(v, "user_data_is"), "binding");
  EXPECT_EQ(Field(v, "binding_checked"), "yes");
  // Not accepted as a plain snp-report, nor without being listed.
  EXPECT_FALSE(Eval(items, "AcceptEvidence snp-report\n", &zero).ok());
  // Another session's binding.
  ra::Binding other{};
  other[0] = 1;
  s = Eval(items, kAccept, &other);
  EXPECT_EQ(s.check(), "runtime data binding") << s.message();
  // Runtime JSON changed by one byte: no longer the one REPORT_DATA names.
  auto bad = items;
  bad[1].data[bad[1].data.size() / 2] ^= 1;
  s = Eval(bad, kAccept, &zero);
  EXPECT_EQ(s.check(), "report data binding") << s.message();
  // No runtime JSON, or two.
  bad = items;
  bad.erase(bad.begin() + 1);
  s = Eval(bad, kAccept, &zero);
  EXPECT_EQ(s.check(), "azure runtime data") << s.message();
  bad = items;
  bad.push_back(items[1]);
  s = Eval(bad, kAccept, &zero);
  EXPECT_EQ(s.check(), "azure runtime data") << s.message();
  // No certificate and no SnpKds.
  bad = items;
  bad.pop_back();
  s = Eval(bad, kAccept, &zero);
  EXPECT_EQ(s.check(), "snp certs") << s.message();
  // The report's signature broken.
  bad = items;
  bad[0].data[0x2A0 + 3] ^= 1;
  s = Eval(bad, kAccept, &zero);
  EXPECT_EQ(s.check(), "snp report signature") << s.message();
  // The SNP appraisal applies: another measurement pinned.
  s = Eval(items, std::string(kAccept) + "SnpMeasurement " + std::string(96, 'a') + "\n", &zero);
  EXPECT_EQ(s.check(), "snp policy") << s.message();
  s = Eval(items, std::string(kAccept) + "SnpMeasurement " + Field(v, "measurement") + "\n",
           &zero);
  EXPECT_TRUE(s.ok()) << s.message();
}

std::vector<ra::EvidenceItem> QuoteItems(const AzureSnpEvidence& e) {
  // TPMT_SIGNATURE: RSASSA, SHA-256, TPM2B of the raw signature.
  ra::Bytes tpmt = {0x00, 0x14, 0x00, 0x0b, static_cast<uint8_t>(e.signature.size() >> 8),
                    static_cast<uint8_t>(e.signature.size())};
  tpmt.insert(tpmt.end(), e.signature.begin(), e.signature.end());
  ra::TpmPcrValues pcrs;
  for (size_t i = 0; i < e.pcrs.size(); i++)
    pcrs[ra::kTpmAlgSha256][static_cast<uint32_t>(i)] = e.pcrs[i];
  return {{ra::kEvidenceTpmQuote, e.quote},
          {ra::kEvidenceTpmSignature, tpmt},
          {ra::kEvidenceTpmPcrs, Str2B(ra::TpmPcrsToJson(pcrs))},
          {ra::kEvidenceAzureHclReport, e.hcl},
          {ra::kEvidenceSnpVcek, Str2B(e.vcek_pem)}};
}

TEST(SnpAzure, VtpmQuoteTrustedThroughTheSnpReport) {
  AzureSnpEvidence e = LoadEvidence();
  ASSERT_EQ(e.pcrs.size(), 24u);
  auto items = QuoteItems(e);
  const char* pol = "AcceptEvidence tpm-quote\n";
  ra::Verdict v;
  ra::Status s = Eval(items, pol, nullptr, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "ak_trust"), "azure-snp");
  EXPECT_EQ(Field(v, "snp.product"), "Genoa");
  EXPECT_EQ(Field(v, "snp.measurement").size(), 96u);
  EXPECT_EQ(Field(v, "pcr23.sha256").size(), 64u);
  // The SNP appraisal applies to the report behind the AK.
  s = Eval(items, std::string(pol) + "SnpMeasurement " + std::string(96, 'a') + "\n", nullptr);
  EXPECT_EQ(s.check(), "snp policy") << s.message();
  // Without the VCEK (and no SnpKds) HCLAkPub is not trusted.
  auto bad = items;
  bad.pop_back();
  s = Eval(bad, pol, nullptr);
  EXPECT_EQ(s.check(), "snp certs") << s.message();
  // The runtime JSON (HCLAkPub's home) changed: REPORT_DATA no longer names it.
  bad = items;
  bad[3].data[ra::kHclRuntimeJsonOffset + 40] ^= 1;
  s = Eval(bad, pol, nullptr);
  EXPECT_FALSE(s.ok());
  // A signed field of the SNP report changed (MEASUREMENT).
  bad = items;
  bad[3].data[ra::kHclHeaderLen + 0x90] ^= 1;
  s = Eval(bad, pol, nullptr);
  EXPECT_EQ(s.check(), "snp report signature") << s.message();
  // The HCL report says TDX over the SNP report: its TD quote is missing.
  bad = items;
  bad[3].data[ra::kHclRuntimeHeaderOffset + 8] = ra::kHclReportTypeTdx;
  s = Eval(bad, pol, nullptr);
  EXPECT_EQ(s.check(), "tpm ak azure") << s.message();
  // After the VCEK expired: refused, not silently trusted.
  ra::Policy p;
  ASSERT_TRUE(ra::ParsePolicy(pol, "p", &p).ok());
  ra::Verdict tmp;
  EXPECT_FALSE(ra::Evaluate(items, p, nullptr, Utc(2033, 1, 1), &tmp).ok());
}

// Reference values (ssh-attest scan/policy): azure-snp-report pins as an
// snp-report does, and tpm-quote on Azure SNP pins its PCRs and the SNP
// report that vouched for the AK; the pins accept the evidence they came
// from and refuse another measurement.
TEST(SnpAzure, PinLinesOfTheReportAndOfTheQuote) {
  AzureSnpEvidence e = LoadEvidence();
  const std::time_t at = Utc(2025, 6, 1);
  for (const bool quote : {false, true}) {
    const auto items = quote ? QuoteItems(e) : ReportItems(e);
    const std::string base = quote ? "AcceptEvidence tpm-quote\n" : kAccept;
    ra::Verdict v;
    ASSERT_TRUE(Eval(items, base, nullptr, &v).ok());
    const std::string pins = ra::PinPolicyText(v.items);
    EXPECT_NE(pins.find(quote ? "# tpm-quote" : "# azure-snp-report"), std::string::npos)
        << pins;
    const size_t m = pins.find("\nSnpMeasurement ");
    ASSERT_NE(m, std::string::npos) << pins;
    EXPECT_NE(pins.find("\nSnpHostData "), std::string::npos) << pins;
    if (quote) {
      EXPECT_NE(pins.find("\nPCR0 sha256:"), std::string::npos) << pins;
    }
    ra::Status s = ra::CheckPinsAccept(base, "base", pins, items, at);
    EXPECT_TRUE(s.ok()) << s.message();
    std::string bad = pins;
    const size_t at_hex = m + 16;
    bad[at_hex] = bad[at_hex] == '0' ? '1' : '0';
    s = Eval(items, base + bad, nullptr);
    EXPECT_EQ(s.check(), "snp policy") << s.message();
  }
}

}  // namespace
