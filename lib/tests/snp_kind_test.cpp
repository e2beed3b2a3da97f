// SEV-SNP as a registered kind: the front door (ra::Evaluate) with the
// sim-snp provider's items and the policy's SNP section, and AMD-signed
// reports from real machines through the same door (offline: no binding).
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/snp_cert_table.h"
#include "policy/policy.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "snp_test_vectors.h"
#include "verify/evaluate.h"

namespace {

using ra_test::TempDir;

const std::string kMeasurement(96, 'a');

// A sim guest in dir/sim (2048-bit ARK/ASK: the chain's size is not under test).
void InitSim(const TempDir& dir, bool debug = false) {
  ra::SimSnpInitOptions o;
  o.rsa_bits = 2048;
  o.debug = debug;
  o.measurement_hex = kMeasurement;
  ra::Status s = ra::SimSnpInit(dir.path() + "/sim", o);
  ASSERT_TRUE(s.ok()) << s.message();
}

ra::Binding TestBinding(uint8_t seed) {
  ra::Binding b;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<uint8_t>(seed + i);
  return b;
}

std::vector<ra::EvidenceItem> Collect(const TempDir& dir, const ra::Binding& b) {
  std::unique_ptr<ra::EvidenceProvider> p;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = ra::OpenProvider("sim-snp:" + dir.path() + "/sim", &p);
  EXPECT_TRUE(s.ok()) << s.message();
  if (p) {
    s = p->Collect(b, &items);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return items;
}

// The policy text with the sim's ARK as anchor, then extra.
ra::Status LoadPolicy(const TempDir& dir, const std::string& extra, ra::Policy* p) {
  std::string text = "AcceptEvidence snp-report\nTrustAnchor snp " + dir.path() +
                     "/sim/ark.pem\n" + extra;
  return ra::ParsePolicy(text, dir.path() + "/policy", p);
}

ra::Status EvaluateSim(const TempDir& dir, const std::string& extra, const ra::Binding& b,
                       ra::Verdict* v = nullptr) {
  ra::Policy p;
  RA_RETURN_IF_ERROR(LoadPolicy(dir, extra, &p));
  ra::Verdict local;
  return ra::Evaluate(Collect(dir, b), p, &b, 0, v ? v : &local);
}

TEST(SnpKind, FrontDoorAcceptsSimWithItsPolicy) {
  TempDir dir;
  InitSim(dir);
  ra::Verdict v;
  ra::Status s = EvaluateSim(dir,
                     "SnpMeasurement " + kMeasurement +
                         "\nSnpMinTcb bl=4,tee=0,snp=22,ucode=213\nSnpVmpl 0\nSnpMinGuestSvn 0\n",
                     TestBinding(1), &v);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(v.items.size(), 1u);
  const ra::VerifiedClaims& c = v.items[0].claims;
  EXPECT_EQ(c.kind, ra::kEvidenceSnpReport);
  EXPECT_EQ(ra::ClaimField(c, "measurement"), kMeasurement);
  EXPECT_EQ(ra::ClaimField(c, "report_data"), ra::HexEncode(TestBinding(1)));
  EXPECT_EQ(ra::ClaimField(c, "product"), "Milan");
  EXPECT_EQ(ra::ClaimField(c, "signer"), "VCEK");
  EXPECT_EQ(ra::ClaimField(c, "reported_tcb_snp"), "22");
  EXPECT_EQ(ra::ClaimField(c, "debug"), "no");
  EXPECT_EQ(ra::ClaimField(c, "binding_checked"), "yes");
  EXPECT_NE(v.summary.find("snp-report verified"), std::string::npos) << v.summary;
}

TEST(SnpKind, DebugGuestRefusedUnlessAllowed) {
  TempDir dir;
  InitSim(dir, /*debug=*/true);
  ra::Status s = EvaluateSim(dir, "", TestBinding(2));
  EXPECT_EQ(s.check(), "snp policy") << s.message();
  EXPECT_NE(s.detail().find("DEBUG"), std::string::npos) << s.message();
  s = EvaluateSim(dir, "AllowDebug yes\n", TestBinding(2));
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(SnpKind, AppraisalRefusalsNameFieldAndValues) {
  TempDir dir;
  InitSim(dir);
  const std::string other(96, 'b');
  ra::Status s = EvaluateSim(dir, "SnpMeasurement " + other + "\n", TestBinding(3));
  EXPECT_EQ(s.check(), "snp policy");
  EXPECT_NE(s.detail().find("MEASUREMENT " + kMeasurement), std::string::npos) << s.message();
  EXPECT_NE(s.detail().find(other), std::string::npos) << s.message();
  s = EvaluateSim(dir, "SnpMinTcb bl=4,tee=0,snp=23,ucode=213\n", TestBinding(3));
  EXPECT_EQ(s.check(), "snp policy");
  EXPECT_NE(s.detail().find("REPORTED_TCB bl=4,tee=0,snp=22,ucode=213 is below SnpMinTcb "
                            "bl=4,tee=0,snp=23,ucode=213"),
            std::string::npos)
      << s.message();
  s = EvaluateSim(dir, "SnpVmpl 2\n", TestBinding(3));
  EXPECT_NE(s.detail().find("VMPL 0 is not SnpVmpl 2"), std::string::npos) << s.message();
  s = EvaluateSim(dir, "SnpMinGuestSvn 1\n", TestBinding(3));
  EXPECT_NE(s.detail().find("GUEST_SVN 0 is below SnpMinGuestSvn 1"), std::string::npos)
      << s.message();
  s = EvaluateSim(dir, "SnpHostData " + std::string(64, '1') + "\n", TestBinding(3));
  EXPECT_NE(s.detail().find("HOST_DATA"), std::string::npos) << s.message();
  s = EvaluateSim(dir, "SnpMinAbi 255.0\n", TestBinding(3));
  EXPECT_NE(s.detail().find("below SnpMinAbi 255.0"), std::string::npos) << s.message();
  // The sim's platform has SMT on (PLATFORM_INFO bit 0).
  s = EvaluateSim(dir, "SnpRequireNoSmt yes\n", TestBinding(3));
  EXPECT_NE(s.detail().find("SMT_EN"), std::string::npos) << s.message();
  // PLATFORM_INFO 0x1: SMT on, TSME (bit 1) and alias check (bit 5) off.
  s = EvaluateSim(dir, "SnpRequirePlatform smt_enabled\n", TestBinding(3));
  EXPECT_TRUE(s.ok()) << s.message();
  s = EvaluateSim(dir, "SnpRequirePlatform smt_enabled,TSME_enabled\n", TestBinding(3));
  EXPECT_EQ(s.check(), "snp policy");
  EXPECT_NE(s.detail().find("bit 1 (tsme_enabled) is 0"), std::string::npos) << s.message();
  s = EvaluateSim(dir, "SnpRequirePlatform alias_check_complete\n", TestBinding(3));
  EXPECT_NE(s.detail().find("bit 5 (alias_check_complete)"), std::string::npos) << s.message();
}

TEST(SnpKind, WrongBindingRefused) {
  TempDir dir;
  InitSim(dir);
  ra::Policy p;
  ASSERT_TRUE(LoadPolicy(dir, "", &p).ok());
  ra::Binding mine = TestBinding(4), theirs = TestBinding(5);
  ra::Verdict v;
  ra::Status s = ra::Evaluate(Collect(dir, theirs), p, &mine, 0, &v);
  EXPECT_EQ(s.check(), "report data binding") << s.message();
  // Offline (no binding): genuine, and says the binding was not checked.
  s = ra::Evaluate(Collect(dir, theirs), p, nullptr, 0, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "binding_checked"), "no");
}

TEST(SnpKind, AmdRootsRefuseTheSimAndNoCertsRefuse) {
  TempDir dir;
  InitSim(dir);
  ra::Policy p;  // default: built-in AMD ARKs
  ra::Binding b = TestBinding(6);
  ra::Verdict v;
  ra::Status s = ra::Evaluate(Collect(dir, b), p, &b, 0, &v);
  EXPECT_FALSE(s.ok());
  std::vector<ra::EvidenceItem> items = Collect(dir, b);
  items.pop_back();  // the certificate table
  ASSERT_TRUE(LoadPolicy(dir, "", &p).ok());
  s = ra::Evaluate(items, p, &b, 0, &v);
  EXPECT_EQ(s.check(), "snp certs") << s.message();
}

ra::Bytes Der(X509* c) {
  unsigned char* p = nullptr;
  int n = i2d_X509(c, &p);
  ra::Bytes b(p, p + (n > 0 ? n : 0));
  OPENSSL_free(p);
  return b;
}

TEST(SnpKind, VcekOfAnotherChipRefused) {
  ra::SimSnpGuest g;
  // A chip id to name (an all-zero one is a masked chip id, MASK_CHIP_ID,
  // which names no chip to compare).
  for (size_t i = 0; i < 64; i++) g.chip_id[i] = static_cast<uint8_t>(0x30 + i);
  ra::SimSnpChainOptions o;
  o.rsa_bits = 2048;
  ra::SimSnpChain chain;
  ASSERT_TRUE(ra::SimSnpMakeChain(g, o, &chain).ok());
  ra::SimSnpGuest other = g;
  other.chip_id[0] ^= 1;
  ra::X509Ptr vcek2;
  ra::EvpPkeyPtr key2;
  ASSERT_TRUE(ra::SimSnpIssueVcek(chain, other, o, &vcek2, &key2).ok());
  // The report names chip g; the VCEK (and the key that signed) is other's.
  ra::Binding b = TestBinding(7);
  ra::Bytes report;
  ASSERT_TRUE(ra::SimSnpSignReport(g, b, key2.get(), &report).ok());
  ra::Bytes table = ra::BuildSnpCertTable(
      {{ra::SnpCertKindGuid(ra::SnpCertKind::kVcek), Der(vcek2.get())},
       {ra::SnpCertKindGuid(ra::SnpCertKind::kAsk), Der(chain.ask.get())},
       {ra::SnpCertKindGuid(ra::SnpCertKind::kArk), Der(chain.ark.get())}});
  TempDir dir;
  BIO* bio = BIO_new_file((dir.path() + "/ark.pem").c_str(), "w");
  ASSERT_NE(bio, nullptr);
  PEM_write_bio_X509(bio, chain.ark.get());
  BIO_free(bio);
  ra::Policy p;
  ASSERT_TRUE(ra::ParsePolicy("TrustAnchor snp ark.pem\n", dir.path() + "/policy", &p).ok());
  ra::Verdict v;
  ra::Status s = ra::Evaluate({{ra::kEvidenceSnpReport, report}, {ra::kEvidenceSnpCerts, table}},
                              p, &b, 0, &v);
  EXPECT_EQ(s.check(), "snp chip id") << s.message();
}

TEST(SnpKind, PolicyKeywordErrors) {
  const char* const bad[] = {
      "SnpMinTcb bl=1,tee=1,snp=1\n",          "SnpMinTcb bl=1,tee=1,snp=1,ucode=256\n",
      "SnpMinTcb bl=1,bl=1,tee=1,snp=1,ucode=1\n", "SnpMinTcb x=1,tee=1,snp=1,ucode=1\n",
      "SnpVmpl 4\n",                            "SnpMinAbi 1\n",
      "SnpMinAbi 1.x\n",                        "SnpMeasurement abcd\n",
      "SnpHostData " "zz\n",                    "SnpAllowMigrationAgent maybe\n",
      "SnpKds http://kds.example\n",            "TrustAnchor sgx /x\n",
      "SnpVmpl 0\nSnpVmpl 1\n",                 "SnpMinGuestSvn -1\n",
      "SnpRequirePlatform tsme\n",             "SnpRequirePlatform ecc_enabled,\n",
  };
  for (const char* text : bad) {
    ra::Policy p;
    EXPECT_FALSE(ra::ParsePolicy(text, "policy", &p).ok()) << text;
  }
  ra::Policy p;
  ra::Status s = ra::ParsePolicy("TrustAnchor snp /nonexistent/ark.pem\n", "policy", &p);
  EXPECT_NE(s.message().find("/nonexistent/ark.pem"), std::string::npos) << s.message();
  s = ra::ParsePolicy("SnpMinTcb bl=1,tee=2,snp=3,ucode=4,fmc=5\nSnpKds https://kds.example\n"
                      "SnpMinAbi 1.51\nSnpAllowMigrationAgent yes\n",
                      "policy", &p);
  EXPECT_TRUE(s.ok()) << s.message();
}

// AMD-signed reports from real machines, through the front door at their
// pinned times, offline (no binding: REPORT_DATA is another session's).
TEST(SnpKind, RealVectorsThroughTheKind) {
  for (const auto& vec : ra_snp_test::AllSnpVectors()) {
    std::vector<ra::EvidenceItem> items = {
        {ra::kEvidenceSnpReport, ra_snp_test::ReadVector(vec.report)},
        {ra::kEvidenceSnpVcek, ra_snp_test::ReadVector(vec.cert)}};
    ra::Policy p;
    ASSERT_TRUE(ra::ParsePolicy("SnpVmpl " + std::to_string(vec.vmpl) +
                                    "\nAllowDebug yes\nSnpAllowMigrationAgent yes\n",
                                "policy", &p)
                    .ok());
    ra::Verdict v;
    ra::Status s = ra::Evaluate(items, p, nullptr, vec.pinned, &v);
    ASSERT_TRUE(s.ok()) << vec.report << ": " << s.message();
    const ra::VerifiedClaims& c = v.items[0].claims;
    EXPECT_EQ(ra::ClaimField(c, "version"), std::to_string(vec.version)) << vec.report;
    EXPECT_EQ(ra::ClaimField(c, "product"), ra::SnpProductName(vec.product)) << vec.report;
    EXPECT_EQ(ra::ClaimField(c, "signer"), vec.signer == ra::SnpSigningKey::kVlek ? "VLEK" : "VCEK");
    EXPECT_EQ(ra::ClaimField(c, "vmpl"), std::to_string(vec.vmpl));
    // One flipped byte of the signed part refuses.
    items[0].data[0x90] ^= 1;
    EXPECT_FALSE(ra::Evaluate(items, p, nullptr, vec.pinned, &v).ok()) << vec.report;
    items[0].data[0x90] ^= 1;
    // A VMPL the policy does not name refuses, naming both.
    ra::Policy strict;
    ASSERT_TRUE(ra::ParsePolicy("SnpVmpl 3\nAllowDebug yes\nSnpAllowMigrationAgent yes\n",
                                "policy", &strict).ok());
    s = ra::Evaluate(items, strict, nullptr, vec.pinned, &v);
    EXPECT_NE(s.detail().find("is not SnpVmpl 3"), std::string::npos) << s.message();
    // The default policy accepts snp-report (built-in AMD roots).
    ra::Policy def;
    EXPECT_NE(std::find(def.accepted_types.begin(), def.accepted_types.end(),
                        ra::kEvidenceSnpReport),
              def.accepted_types.end());
  }
}

}  // namespace
