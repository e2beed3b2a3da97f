// The TD report layout, checked against a real Azure TD report (inside the
// HCL report of vectors/tdx/trustee_azure_tdx_vtpm_evidence-v1.json) and
// the quote IMDS made from it: every field of the quote body must come
// from the offset the parser reads it at.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstring>
#include <string>

#include "common/base64.h"
#include "parse/hcl_report.h"
#include "parse/jwt_token.h"
#include "parse/td_report.h"
#include "parse/tdx_quote.h"
#include "tdx_test_vectors.h"

namespace {

TEST(TdReport, RealAzureReportMatchesItsQuote) {
  ra::HclReport hcl;
  ASSERT_TRUE(ra::ParseHclReport(ra_tdx_test::AzureEvidenceMember("hcl_report"), &hcl).ok());
  ra::TdReport r;
  ra::Status s = ra::ParseTdReport(hcl.hw_report, &r);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::Bytes quote = ra_tdx_test::AzureEvidenceMember("td_quote");
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(quote, &q).ok());
  ASSERT_EQ(q.body_type, ra::kTdxBodyTypeTdx10);
  // The quote body is byte for byte the fields of the report.
  ra::Bytes body = ra::TdQuoteBody10(r.body);
  ASSERT_EQ(body.size(), ra::kTdxBody10Len);
  const size_t body_off = q.signed_region.size() - ra::kTdxBody10Len;
  EXPECT_EQ(0, std::memcmp(body.data(), q.signed_region.data() + body_off, body.size()));

  // The REPORTMACSTRUCT hashes cover the two info structures (SHA-384).
  const ra::Bytes& raw = hcl.hw_report;
  uint8_t h[SHA384_DIGEST_LENGTH];
  SHA384(raw.data() + ra::kTeeTcbInfoOffset, ra::kTeeTcbInfoLen, h);
  EXPECT_EQ(0, std::memcmp(h, r.tee_tcb_info_hash.data(), sizeof(h)));
  SHA384(raw.data() + ra::kTdInfoOffset, ra::kTdInfoLen, h);
  EXPECT_EQ(0, std::memcmp(h, r.tee_info_hash.data(), sizeof(h)));
}

// TdReportStruct puts every field back where ParseTdReport took it from:
// parsing what it writes gives the same fields, and wherever it writes a
// byte that is not zero, the real report has that byte.
TEST(TdReport, WritesWhatItParses) {
  ra::HclReport hcl;
  ASSERT_TRUE(ra::ParseHclReport(ra_tdx_test::AzureEvidenceMember("hcl_report"), &hcl).ok());
  ra::TdReport r;
  ASSERT_TRUE(ra::ParseTdReport(hcl.hw_report, &r).ok());
  ra::Bytes written = ra::TdReportStruct(r);
  ASSERT_EQ(written.size(), ra::kTdReportStructLen);
  ra::TdReport again;
  ASSERT_TRUE(ra::ParseTdReport(written, &again).ok());
  EXPECT_EQ(ra::TdQuoteBody10(again.body), ra::TdQuoteBody10(r.body));
  EXPECT_EQ(again.cpu_svn, r.cpu_svn);
  EXPECT_EQ(again.tee_tcb_info_hash, r.tee_tcb_info_hash);
  EXPECT_EQ(again.tee_info_hash, r.tee_info_hash);
  EXPECT_EQ(again.mac, r.mac);
  EXPECT_EQ(again.tee_tcb_info_valid, r.tee_tcb_info_valid);
  size_t set = 0;
  for (size_t i = 0; i < written.size(); i++) {
    if (written[i] == 0) continue;
    set++;
    EXPECT_EQ(written[i], hcl.hw_report[i]) << "offset " << i;
  }
  EXPECT_GT(set, 200u);  // the two hashes, the MAC, MRSEAM, MRTD, ...: not a blank
}

TEST(TdReport, Refusals) {
  ra::TdReport r;
  ra::Bytes b(ra::kTdReportStructLen, 0);
  b[0] = ra::kTdReportTypeTdx;
  EXPECT_TRUE(ra::ParseTdReport(b, &r).ok());
  ra::Bytes shorter(b.begin(), b.end() - 1);
  EXPECT_NE(ra::ParseTdReport(shorter, &r).message().find("length 1023"), std::string::npos);
  ra::Bytes longer = b;
  longer.push_back(0);
  EXPECT_NE(ra::ParseTdReport(longer, &r).message().find("length 1025"), std::string::npos);
  b[0] = 0x00;  // an SGX report type
  EXPECT_NE(ra::ParseTdReport(b, &r).message().find("is not TDX"), std::string::npos);
}

}  // namespace
