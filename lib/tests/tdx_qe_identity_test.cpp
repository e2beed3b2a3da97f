// The quoting enclave must be Intel's TD QE, with or without collateral.
// The attack: the PCK key signs reports of any enclave allowed the
// provisioning key, so a platform owner's own (or a debug) "QE" could sign
// any TD report.  Forged here by re-signing a sim quote's QE report, with
// one identity field changed, with the sim's PCK key.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/evidence.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "provider/ossl_util.h"
#include "provider/sim_tdx_authority.h"
#include "ra_test_util.h"
#include "verify/tdx_quote_verifier.h"

namespace {

using ra_test::TempDir;

// v4 quote: header 48, body 584, sig len 4, sig 64, att key 64, cert type 2,
// cert size 4, then the 384-byte QE report and its 64-byte signature.
constexpr size_t kQeReport = 48 + 584 + 4 + 64 + 64 + 2 + 4;
constexpr size_t kQeSig = kQeReport + 384;
// Offsets inside the SGX report body.
constexpr size_t kMiscSelect = 16, kAttributes = 48, kMrSigner = 128, kIsvProdId = 256;

class QeIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ra::SimInit(dir_ / "sim", {}).ok());
    std::unique_ptr<ra::EvidenceProvider> p;
    ASSERT_TRUE(ra::OpenProvider("sim:" + dir_ / "sim", &p).ok());
    std::vector<ra::EvidenceItem> items;
    ASSERT_TRUE(p->Collect(binding_, &items).ok());
    quote_ = items[0].data;
    policy_.tdx_trust_anchor = dir_ / "sim/root.pem";
  }
  ra::Status Verify(const ra::Bytes& q) {
    return ra::VerifyTdxQuote(q, &binding_, policy_, 0 + time(nullptr), nullptr);
  }
  // Changes one byte of the QE report and re-signs it with the PCK key.
  ra::Bytes Forge(size_t offset, uint8_t value) {
    ra::Bytes q = quote_;
    q[kQeReport + offset] = value;
    ra::ossl::PkeyPtr pck;
    EXPECT_TRUE(ra::ossl::ReadPrivateKeyPem(dir_ / "sim/pck.key", &pck).ok());
    std::array<uint8_t, 64> sig{};
    EXPECT_TRUE(ra::ossl::SignP256Raw(pck.get(), ra::ByteView(&q[kQeReport], 384), &sig).ok());
    std::memcpy(&q[kQeSig], sig.data(), sig.size());
    return q;
  }

  TempDir dir_;
  ra::Binding binding_{};
  ra::Bytes quote_;
  ra::Policy policy_;
};

TEST_F(QeIdentityTest, GenuineSimQuoteAndResignedCopyVerify) {
  ASSERT_TRUE(Verify(quote_).ok()) << Verify(quote_).message();
  // Re-signing an unchanged report keeps it valid: the forgery tool works.
  ra::Bytes same = Forge(kMrSigner, quote_[kQeReport + kMrSigner]);
  EXPECT_TRUE(Verify(same).ok()) << Verify(same).message();
}

TEST_F(QeIdentityTest, ForeignQeIsRefusedWithoutCollateral) {
  struct Case { const char* what; size_t off; uint8_t value; const char* msg; };
  const Case cases[] = {
      {"other MRSIGNER", kMrSigner, 0x00, "MRSIGNER"},
      {"other product", kIsvProdId, 0x99, "ISVPRODID"},
      {"MISCSELECT set", kMiscSelect, 0x01, "MISCSELECT"},
      {"debug enclave", kAttributes, 0x13, "ATTRIBUTES"},
  };
  ASSERT_TRUE(policy_.collateral_dir.empty());
  for (const Case& c : cases) {
    ra::Status s = Verify(Forge(c.off, c.value));
    ASSERT_FALSE(s.ok()) << c.what;
    EXPECT_EQ(s.check(), "qe identity") << c.what << ": " << s.message();
    EXPECT_NE(s.message().find(c.msg), std::string::npos) << s.message();
  }
}

// The header names the QE's vendor: Intel's, or not a quote of Intel's
// format (Intel's QVL refuses it too).  Re-signed with the sim's
// attestation key, so only the vendor ID is wrong.
TEST_F(QeIdentityTest, ForeignQeVendorIdRefused) {
  constexpr size_t kVendorId = 12, kSigned = 48 + 584, kQuoteSig = kSigned + 4;
  ra::Bytes q = quote_;
  q[kVendorId] ^= 0x01;
  ra::ossl::PkeyPtr att;
  ASSERT_TRUE(ra::ossl::ReadPrivateKeyPem(dir_ / "sim/attestation.key", &att).ok());
  std::array<uint8_t, 64> sig{};
  ASSERT_TRUE(ra::ossl::SignP256Raw(att.get(), ra::ByteView(q.data(), kSigned), &sig).ok());
  std::memcpy(&q[kQuoteSig], sig.data(), sig.size());
  ra::Status s = Verify(q);
  EXPECT_EQ(s.check(), "qe vendor id") << s.message();
  // The same re-signing with the vendor ID left alone verifies.
  q[kVendorId] ^= 0x01;
  ASSERT_TRUE(ra::ossl::SignP256Raw(att.get(), ra::ByteView(q.data(), kSigned), &sig).ok());
  std::memcpy(&q[kQuoteSig], sig.data(), sig.size());
  EXPECT_TRUE(Verify(q).ok()) << Verify(q).message();
}

TEST_F(QeIdentityTest, AttributeBitsOutsideTheMaskAreIgnored) {
  // Byte 0 bit 2 (MODE64BIT) is outside Intel's mask FB..: allowed.
  ra::Bytes q = Forge(kAttributes, 0x15);
  EXPECT_TRUE(Verify(q).ok()) << Verify(q).message();
}

}  // namespace
