// SEV-SNP verification (verify/snp_report_verifier, verify/amd_cert_chain,
// verify/amd_roots) on the real reports: each verifies with its VCEK/VLEK
// and AMD's built-in roots at a pinned time; every one-byte change to the
// signed part or the signature, a VCEK of another chip, a wrong binding,
// a wrong root and a time outside the validity refuse.
#include <gtest/gtest.h>

#include <set>

#include "parse/snp_cert_table.h"
#include "snp_test_vectors.h"
#include "verify/amd_roots.h"
#include "verify/snp_evidence.h"

namespace {

using namespace ra_snp_test;

ra::SnpVerifyOptions At(std::time_t t) {
  ra::SnpVerifyOptions o;
  o.now = t;
  return o;
}

// AMD's built-in ASK and ARK of a product.
ra::AmdBuiltinCerts BuiltinVcekChain(ra::SnpProduct p) {
  ra::AmdBuiltinCerts c;
  ra::Status s = ra::AmdBuiltinChain(p, ra::SnpSigningKey::kVcek, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

TEST(SnpVerify, EveryRealReportVerifiesWithBuiltInRoots) {
  for (const SnpVector& v : AllSnpVectors()) {
    SCOPED_TRACE(v.report);
    auto [b, cert] = LoadReport(v.report, v.cert);
    ASSERT_TRUE(cert);
    std::array<uint8_t, 64> binding;
    std::copy(b.begin() + 0x50, b.begin() + 0x90, binding.begin());
    ra::SnpVerifyOptions o = At(v.pinned);
    o.expected_report_data = &binding;
    ra::SnpClaims c;
    ra::Status s = ParseAndVerify(b, cert.get(), o, &c);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(c.product, v.product);
    EXPECT_EQ(c.signer, v.signer);
    EXPECT_EQ(c.report.vmpl, v.vmpl);
    EXPECT_EQ(ra::HexEncode(ra::ByteView(c.report.measurement.data(), 48)),
              ra::HexEncode(ra::ByteView(b.data() + 0x90, 48)));
    // REPORTED_TCB byte 7 is the microcode SPL on Milan and Genoa.
    EXPECT_EQ(c.reported_tcb.microcode, b[0x187]);
    EXPECT_EQ(c.reported_tcb.bootloader, b[0x180]);
    if (v.signer == ra::SnpSigningKey::kVlek) {
      EXPECT_FALSE(c.csp_id.empty());
    }
  }
}

TEST(SnpVerify, EveryOneByteChangeToTheSignedPartOrSignatureRefuses) {
  for (const SnpVector& v : AllSnpVectors()) {
    SCOPED_TRACE(v.report);
    auto [b, cert] = LoadReport(v.report, v.cert);
    ASSERT_TRUE(cert);
    std::set<size_t> offsets;
    for (size_t off = 0; off < 0x2A0; off += 13) offsets.insert(off);
    for (size_t off : {0x00, 0x08, 0x30, 0x48, 0x50, 0x8F, 0x90, 0x180, 0x187, 0x1A0, 0x29F})
      offsets.insert(off);
    for (size_t off = 0x2A0; off < 0x2A0 + 144; off += 5) offsets.insert(off);
    offsets.insert(0x2A0 + 47);  // top byte of r
    offsets.insert(0x2E8 + 47);  // top byte of s
    for (size_t off : offsets) {
      ra::Bytes m = b;
      m[off] ^= 0x01;
      ra::Status s = ParseAndVerify(m, cert.get(), At(v.pinned));
      EXPECT_FALSE(s.ok()) << "offset 0x" << std::hex << off;
    }
  }
}

TEST(SnpVerify, AVcekOfAnotherChipRefuses) {
  auto [b, other] = LoadReport("snp/gosev_milan_report.bin", "snp/trustee_milan_vcek.der");
  ra::Status s = ParseAndVerify(b, other.get(), At(Utc(2025, 6, 1)));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp report signature") << s.message();
}

TEST(SnpVerify, WrongBindingRefuses) {
  auto [b, cert] = LoadReport("snp/dstack_milan_report_v3.bin", "snp/dstack_milan_vcek.pem");
  std::array<uint8_t, 64> binding;
  std::copy(b.begin() + 0x50, b.begin() + 0x90, binding.begin());
  binding[63] ^= 0x80;
  ra::SnpVerifyOptions o = At(Utc(2026, 7, 1));
  o.expected_report_data = &binding;
  ra::Status s = ParseAndVerify(b, cert.get(), o);
  EXPECT_EQ(s.check(), "snp report data") << s.message();
}

TEST(SnpVerify, OutsideTheVcekValidityRefuses) {
  auto [b, cert] = LoadReport("snp/trustee_vlek_report_v3.bin", "snp/trustee_vlek.der");
  ra::Status s = ParseAndVerify(b, cert.get(), At(Utc(2026, 1, 1)));  // VLEK expired 2025-12-10
  EXPECT_EQ(s.check(), "snp cert chain") << s.message();
  s = ParseAndVerify(b, cert.get(), At(Utc(2024, 1, 1)));
  EXPECT_EQ(s.check(), "snp cert chain") << s.message();
}

TEST(SnpVerify, AnotherProductsRootRefuses) {
  // The Genoa report with the Milan ARK as the only trust anchor.
  auto [b, cert] =
      LoadReport("snp/trustee_azure_genoa_report_v3.bin", "snp/trustee_azure_genoa_vcek.pem");
  ra::AmdBuiltinCerts milan = BuiltinVcekChain(ra::SnpProduct::kMilan);
  ra::SnpVerifyOptions o = At(Utc(2025, 6, 1));
  o.trust_anchors = {milan.ark};
  ra::SnpReport r;
  ASSERT_TRUE(ra::ParseSnpReport(b, &r).ok());
  ra::AmdBuiltinCerts genoa = BuiltinVcekChain(ra::SnpProduct::kGenoa);
  ra::SnpEndorsement e{cert.get(), genoa.intermediate};
  ra::Status s = ra::VerifySnpReport(r, e, o, nullptr);
  EXPECT_EQ(s.check(), "snp cert chain") << s.message();
  // A product hint that contradicts the report's CPUID.
  o = At(Utc(2025, 6, 1));
  o.product = ra::SnpProduct::kMilan;
  s = ra::VerifySnpReport(r, e, o, nullptr);
  EXPECT_EQ(s.check(), "snp product") << s.message();
  // The Milan ASK as the intermediate of a Genoa VCEK.
  e.intermediate = milan.intermediate;
  s = ra::VerifySnpReport(r, e, At(Utc(2025, 6, 1)), nullptr);
  EXPECT_EQ(s.check(), "snp product") << s.message();
}

TEST(SnpVerify, SigningKeyFieldMustNameTheCertificatesKind) {
  // The VLEK report presented with a VCEK, and a VCEK report with the VLEK.
  auto [vlek_report, vcek] =
      LoadReport("snp/trustee_vlek_report_v3.bin", "snp/gosev_milan_vcek.der");
  ra::Status s = ParseAndVerify(vlek_report, vcek.get(), At(Utc(2025, 6, 1)));
  EXPECT_EQ(s.check(), "snp signing key") << s.message();
  auto [vcek_report, vlek] = LoadReport("snp/gosev_milan_report.bin", "snp/trustee_vlek.der");
  s = ParseAndVerify(vcek_report, vlek.get(), At(Utc(2025, 6, 1)));
  EXPECT_EQ(s.check(), "snp signing key") << s.message();
}

TEST(SnpVerify, ChainFromACertificateTable) {
  // The VCEK with AMD's ASK and ARK in an extended-report table.
  ra::Bytes b = ReadVector("snp/gosev_milan_report.bin");
  ra::Bytes vcek = ReadVector("snp/gosev_milan_vcek.der");
  ra::AmdBuiltinCerts milan = BuiltinVcekChain(ra::SnpProduct::kMilan);
  auto der = [](X509* c) {
    unsigned char* p = nullptr;
    int n = i2d_X509(c, &p);
    ra::Bytes out(p, p + n);
    OPENSSL_free(p);
    return out;
  };
  ra::Bytes table = ra::BuildSnpCertTable(
      {{ra::SnpCertKindGuid(ra::SnpCertKind::kVcek), vcek},
       {ra::SnpCertKindGuid(ra::SnpCertKind::kAsk), der(milan.intermediate)},
       {ra::SnpCertKindGuid(ra::SnpCertKind::kArk), der(milan.ark)}});
  table.resize(table.size() + 1000, 0);  // hosts pad to pages
  ra::SnpCertTable t;
  ASSERT_TRUE(ra::ParseSnpCertTable(table, &t).ok());
  ra::SnpCertificates certs;
  ra::Status s = ra::SnpCertificatesFromTable(t, &certs);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::SnpReport r;
  ASSERT_TRUE(ra::ParseSnpReport(b, &r).ok());
  s = ra::VerifySnpReport(r, certs.view(), At(Utc(2025, 6, 1)), nullptr);
  EXPECT_TRUE(s.ok()) << s.message();
  // The ARK in the table is never trusted: a custom anchor that is not
  // AMD's refuses the same evidence.
  ra::AmdBuiltinCerts genoa = BuiltinVcekChain(ra::SnpProduct::kGenoa);
  ra::SnpVerifyOptions o = At(Utc(2025, 6, 1));
  o.trust_anchors = {genoa.ark};
  EXPECT_FALSE(ra::VerifySnpReport(r, certs.view(), o, nullptr).ok());
}

TEST(SnpVerify, RequiredCrlMissingRefuses) {
  auto [b, cert] = LoadReport("snp/gosev_milan_report.bin", "snp/gosev_milan_vcek.der");
  ra::SnpVerifyOptions o = At(Utc(2025, 6, 1));
  o.require_crl = true;
  ra::Status s = ParseAndVerify(b, cert.get(), o);
  EXPECT_EQ(s.check(), "snp crl") << s.message();
}

TEST(SnpVerify, HighBytesOfRAndSMustBeZero) {
  auto [b, cert] = LoadReport("snp/gosev_milan_report.bin", "snp/gosev_milan_vcek.der");
  for (size_t off : {size_t{0x2A0 + 48}, size_t{0x2A0 + 71}, size_t{0x2E8 + 48}}) {
    ra::Bytes m = b;
    m[off] = 1;
    ra::Status s = ParseAndVerify(m, cert.get(), At(Utc(2025, 6, 1)));
    EXPECT_EQ(s.check(), "snp report signature") << s.message();
  }
}

TEST(SnpVerify, EvidenceBytesInOneCall) {
  ra::Bytes report = ReadVector("snp/teekit_gcp_milan_report_v5.bin");
  ra::Bytes vcek = ReadVector("snp/teekit_gcp_milan_vcek.pem");
  // PEM after blank lines is still PEM.
  const std::string text = "\n\n" + std::string(vcek.begin(), vcek.end());
  ra::Bytes padded(text.begin(), text.end());
  ra::SnpEvidence e;
  e.report = report;
  e.key_cert = padded;
  ra::SnpClaims c;
  ra::Status s = ra::VerifySnpEvidence(e, At(Utc(2026, 7, 1)), &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.report.version, 5u);
  EXPECT_EQ(c.report.current_mit_vector, 0x0bu);
  e.key_cert = ra::ByteView();
  EXPECT_EQ(ra::VerifySnpEvidence(e, At(Utc(2026, 7, 1)), &c).check(), "snp certs");
  ra::Bytes garbage(100, 0x30);
  e.key_cert = garbage;
  EXPECT_EQ(ra::VerifySnpEvidence(e, At(Utc(2026, 7, 1)), &c).check(), "snp certs");
  ra::Bytes bad_table(10, 0);
  e.cert_table = bad_table;
  EXPECT_EQ(ra::VerifySnpEvidence(e, At(Utc(2026, 7, 1)), &c).check(), "snp cert table");
}

}  // namespace
