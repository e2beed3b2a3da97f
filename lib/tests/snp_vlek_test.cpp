// VLEK-signed SEV-SNP reports (a cloud provider's key: no CHIP_ID, csp_id in
// the certificate) through the policy: with the ASVK in the certificate
// table, or the VLEK alone and the ASVK from KDS's /vlek/v1/{product}/
// cert_chain (kds-emulator), and the ASVK's CRL from /vlek/v1/{product}/crl.
// The sim's ARK issues the ASVK, which issues the VLEK.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <ctime>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "emulator_process.h"
#include "parse/snp_cert_table.h"
#include "policy/policy.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "sim_snp_fixture.h"
#include "verify/evaluate.h"
#include "verify/snp_kds_fetcher.h"

namespace {

using ra_test::TempDir;

ra::Bytes Der(X509* c) {
  unsigned char* p = nullptr;
  int n = i2d_X509(c, &p);
  ra::Bytes b(p, p + n);
  OPENSSL_free(p);
  return b;
}

ra::Binding TestBinding() { return ra_test::XorBinding(0x44); }

struct Sim {
  ra::SimSnpChain chain;
  ra::SimSnpVlek vlek;
  ra::Bytes report;
};

const Sim& TheSim() {
  static Sim* sim = nullptr;
  if (sim) return *sim;
  sim = new Sim();
  ra::SimSnpGuest g;
  for (size_t i = 0; i < 64; i++) g.chip_id[i] = static_cast<uint8_t>(i + 1);
  g.vlek = true;
  ra::SimSnpChainOptions o;
  o.rsa_bits = 2048;
  EXPECT_TRUE(ra::SimSnpMakeChain(g, o, &sim->chain).ok());
  ra::Status s = ra::SimSnpIssueVlek(sim->chain, g, o, "cc-sim.example", &sim->vlek);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(
      ra::SimSnpSignReport(g, TestBinding(), sim->vlek.vlek_key.get(), &sim->report).ok());
  return *sim;
}

class SnpVlek : public ::testing::Test {
 protected:
  void SetUp() override {
    const Sim& s = TheSim();
    ASSERT_TRUE(ra_test::WriteSimKdsTree(dir_, s.chain));
    ra_test::WriteFile(dir_ / "kds/asvk.pem", ra_test::CertPem(s.vlek.asvk.get()));
  }
  std::vector<ra::EvidenceItem> Lone() const {
    return {{ra::kEvidenceSnpReport, TheSim().report},
            {ra::kEvidenceSnpVcek, Der(TheSim().vlek.vlek.get())}};
  }
  std::vector<ra::EvidenceItem> Table() const {
    const Sim& s = TheSim();
    ra::Bytes t = ra::BuildSnpCertTable(
        {{ra::SnpCertKindGuid(ra::SnpCertKind::kVlek), Der(s.vlek.vlek.get())},
         {ra::SnpCertKindGuid(ra::SnpCertKind::kAsk), Der(s.vlek.asvk.get())},
         {ra::SnpCertKindGuid(ra::SnpCertKind::kArk), Der(s.chain.ark.get())}});
    return {{ra::kEvidenceSnpReport, s.report}, {ra::kEvidenceSnpCerts, t}};
  }
  ra::Status Eval(const std::vector<ra::EvidenceItem>& items, const std::string& extra) {
    ra::Policy p;
    ra::Status s = ra::ParsePolicy("TrustAnchor snp " + (dir_ / "ark.pem") + "\n" + extra,
                                   dir_ / "policy", &p);
    if (!s.ok()) return ra::Status::Fail("policy parse", s.message());
    ra::Binding b = TestBinding();
    verdict_ = ra::Verdict();
    return ra::Evaluate(items, p, &b, std::time(nullptr), &verdict_);
  }
  std::string Field(const std::string& name) const {
    return verdict_.items.empty() ? "<none>" : ra::ClaimField(verdict_.items[0].claims, name);
  }
  std::string Kds(const ra_test::EmulatorProcess& emu) {
    return "SnpKds " + emu.url() + "\nSnpKdsCA " + (dir_ / "emu/ca.pem") + "\nSnpKdsCache none\n";
  }
  std::vector<std::string> EmuArgs() {
    return {"--snp", dir_ / "kds"};
  }
  TempDir dir_;
  ra::Verdict verdict_;
};

TEST(SnpVlekUrls, VlekPathsAreTheirOwn) {
  EXPECT_EQ(ra::KdsCertChainUrl("https://kds.example/", ra::SnpProduct::kGenoa,
                                ra::SnpSigningKey::kVlek),
            "https://kds.example/vlek/v1/Genoa/cert_chain");
  EXPECT_EQ(ra::KdsCrlUrl("https://kds.example", ra::SnpProduct::kTurin, ra::SnpSigningKey::kVlek),
            "https://kds.example/vlek/v1/Turin/crl");
  EXPECT_EQ(ra::KdsCrlUrl("https://kds.example", ra::SnpProduct::kMilan),
            "https://kds.example/vcek/v1/Milan/crl");
}

TEST_F(SnpVlek, TableWithTheAsvkVerifiesWithoutKds) {
  ra::Status s = Eval(Table(), "");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field("signer"), "VLEK");
  EXPECT_EQ(Field("csp_id"), "cc-sim.example");
  EXPECT_EQ(Field("chip_id"), std::string(128, '0'));
}

TEST_F(SnpVlek, TableWithBothKeysFollowsSigningKey) {
  // A host with a VLEK loaded may still list its VCEK and ASK: the
  // report's SIGNING_KEY (bits 4:2 at 0x48) picks the certificate, and the
  // ASK (not the VLEK's issuer) gives way to the ASVK.
  const Sim& s = TheSim();
  auto guid = [](ra::SnpCertKind k) { return ra::SnpCertKindGuid(k); };
  ra::Bytes both = ra::BuildSnpCertTable({{guid(ra::SnpCertKind::kVcek), Der(s.chain.vcek.get())},
                                          {guid(ra::SnpCertKind::kVlek), Der(s.vlek.vlek.get())},
                                          {guid(ra::SnpCertKind::kArk), Der(s.chain.ark.get())}});
  ra::Status st = Eval({{ra::kEvidenceSnpReport, s.report}, {ra::kEvidenceSnpCerts, both}}, "");
  // No ASVK in the table and AMD's built-in one does not issue the sim's VLEK.
  EXPECT_EQ(st.check(), "snp cert chain") << st.message();
  both = ra::BuildSnpCertTable({{guid(ra::SnpCertKind::kVcek), Der(s.chain.vcek.get())},
                                {guid(ra::SnpCertKind::kVlek), Der(s.vlek.vlek.get())},
                                {guid(ra::SnpCertKind::kAsk), Der(s.vlek.asvk.get())}});
  st = Eval({{ra::kEvidenceSnpReport, s.report}, {ra::kEvidenceSnpCerts, both}}, "");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(Field("signer"), "VLEK");
  // ASK and ASVK both under the ASK GUID (it names either): the VLEK's
  // issuer is chosen, whichever comes first.
  both = ra::BuildSnpCertTable({{guid(ra::SnpCertKind::kVcek), Der(s.chain.vcek.get())},
                                {guid(ra::SnpCertKind::kAsk), Der(s.chain.ask.get())},
                                {guid(ra::SnpCertKind::kVlek), Der(s.vlek.vlek.get())},
                                {guid(ra::SnpCertKind::kAsk), Der(s.vlek.asvk.get())}});
  st = Eval({{ra::kEvidenceSnpReport, s.report}, {ra::kEvidenceSnpCerts, both}}, "");
  ASSERT_TRUE(st.ok()) << st.message();
  // The VCEK alone does not serve a VLEK-signed report.
  ra::Bytes vcek_only =
      ra::BuildSnpCertTable({{guid(ra::SnpCertKind::kVcek), Der(s.chain.vcek.get())},
                             {guid(ra::SnpCertKind::kAsk), Der(s.chain.ask.get())}});
  st = Eval({{ra::kEvidenceSnpReport, s.report}, {ra::kEvidenceSnpCerts, vcek_only}}, "");
  EXPECT_EQ(st.check(), "snp certs") << st.message();
}

TEST_F(SnpVlek, LoneVlekGetsItsAsvkFromKds) {
  // Without KDS the built-in ASVK is AMD's, which the sim's VLEK does not
  // chain to.
  ra::Status s = Eval(Lone(), "");
  EXPECT_EQ(s.check(), "snp cert chain") << s.message();
  ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, EmuArgs(), {});
  s = Eval(Lone(), Kds(emu));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field("signer"), "VLEK");
  EXPECT_EQ(emu.requests(), 1);
  EXPECT_NE(emu.stats().find("/vlek/v1/Milan/cert_chain"), std::string::npos) << emu.stats();
  // A VLEK is never asked of KDS: a report without it is refused unasked.
  std::vector<ra::EvidenceItem> bare = {{ra::kEvidenceSnpReport, TheSim().report}};
  s = Eval(bare, Kds(emu));
  EXPECT_EQ(s.check(), "snp kds") << s.message();
  EXPECT_EQ(emu.requests(), 1);
}

TEST_F(SnpVlek, KdsWithoutAnAsvkRefused) {
  ASSERT_EQ(unlink((dir_ / "kds/asvk.pem").c_str()), 0);
  ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, EmuArgs(), {});
  ra::Status s = Eval(Lone(), Kds(emu));
  EXPECT_EQ(s.check(), "snp kds") << s.message();
  EXPECT_NE(s.message().find("404"), std::string::npos) << s.message();
}

TEST_F(SnpVlek, AsvkCrlFromTheVlekPath) {
  const Sim& sim = TheSim();
  auto serve = [&](const std::vector<X509*>& revoked) {
    ra::Bytes der;
    ASSERT_TRUE(ra::SimSnpMakeCrl(sim.chain, revoked, std::time(nullptr) - 3600, &der).ok());
    ra_test::WriteFile(dir_ / "kds/crl-vlek.der", std::string(der.begin(), der.end()));
  };
  serve({});
  {
    ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, EmuArgs(), {});
    ra::Status s = Eval(Table(), Kds(emu) + "SnpRequireCrl yes\n");
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_NE(emu.stats().find("/vlek/v1/Milan/crl"), std::string::npos) << emu.stats();
    // The lone VLEK: CRL and ASVK both from KDS.
    s = Eval(Lone(), Kds(emu) + "SnpRequireCrl yes\n");
    ASSERT_TRUE(s.ok()) << s.message();
  }
  serve({sim.vlek.asvk.get()});
  ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, EmuArgs(), {});
  ra::Status s = Eval(Table(), Kds(emu) + "SnpRequireCrl yes\n");
  EXPECT_EQ(s.check(), "snp crl") << s.message();
  s = Eval(Lone(), Kds(emu) + "SnpRequireCrl yes\n");
  EXPECT_EQ(s.check(), "snp crl") << s.message();
}

}  // namespace
