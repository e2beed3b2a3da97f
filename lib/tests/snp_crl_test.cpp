// Revocation of AMD's intermediates through the policy: SnpCrl FILE (the
// ARK's CRL, checked when given) and SnpRequireCrl yes (a CRL must be
// checked: the file's, else one fetched from SnpKds's
// /{vcek,vlek}/v1/{product}/crl, served here by the kds-emulator).  The
// CRLs are signed by the software SNP's ARK (SimSnpMakeCrl); a CRL signed
// by another key under the same name stands for a forged one.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <ctime>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "emulator_process.h"
#include "policy/policy.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "sim_snp_fixture.h"
#include "verify/evaluate.h"

namespace {

using ra_test::TempDir;

ra::Binding TestBinding() { return ra_test::XorBinding(0x33); }

// One sim Milan chip, and a second chain of the same product (same names,
// other keys): its ARK signs the forged CRL.
struct Sim {
  ra::SimSnpGuest guest;
  ra::SimSnpChain chain, forger;
  std::vector<ra::EvidenceItem> items;
};

const Sim& TheSim() {
  static Sim* sim = nullptr;
  if (sim) return *sim;
  sim = new Sim();
  ra::SimSnpChainOptions o;
  o.rsa_bits = 2048;
  EXPECT_TRUE(ra::SimSnpMakeChain(sim->guest, o, &sim->chain).ok());
  EXPECT_TRUE(ra::SimSnpMakeChain(sim->guest, o, &sim->forger).ok());
  ra::Bytes report, table;
  EXPECT_TRUE(
      ra::SimSnpSignReport(sim->guest, TestBinding(), sim->chain.vcek_key.get(), &report).ok());
  EXPECT_TRUE(ra::SimSnpCertTable(sim->chain, &table).ok());
  sim->items = {{ra::kEvidenceSnpReport, report}, {ra::kEvidenceSnpCerts, table}};
  return *sim;
}

class SnpCrl : public ::testing::Test {
 protected:
  void SetUp() override {
    const Sim& s = TheSim();
    // The kds-emulator's directory too (its CRL written per test).
    ASSERT_TRUE(ra_test::WriteSimKdsTree(dir_, s.chain));
    WriteCrl("good.der", s.chain, {});
    WriteCrl("revoked.der", s.chain, {s.chain.ask.get()});
    WriteCrl("forged.der", s.forger, {});
  }
  void WriteCrl(const std::string& name, const ra::SimSnpChain& signer,
                const std::vector<X509*>& revoked) {
    ra::Bytes der;
    ASSERT_TRUE(ra::SimSnpMakeCrl(signer, revoked, std::time(nullptr) - 3600, &der).ok());
    ra_test::WriteFile(dir_ / name, std::string(der.begin(), der.end()));
  }
  ra::Status ParseP(const std::string& extra, ra::Policy* p) {
    return ra::ParsePolicy("TrustAnchor snp " + (dir_ / "ark.pem") + "\n" + extra,
                           dir_ / "policy", p);
  }
  ra::Status Eval(const std::string& extra) {
    ra::Policy p;
    ra::Status s = ParseP(extra, &p);
    if (!s.ok()) return ra::Status::Fail("policy parse", s.message());
    ra::Binding b = TestBinding();
    ra::Verdict v;
    return ra::Evaluate(TheSim().items, p, &b, std::time(nullptr), &v);
  }
  TempDir dir_;
};

TEST_F(SnpCrl, CheckedWhenGiven) {
  EXPECT_TRUE(Eval("").ok());
  ra::Status s = Eval("SnpCrl " + (dir_ / "good.der") + "\n");
  EXPECT_TRUE(s.ok()) << s.message();
  s = Eval("SnpCrl " + (dir_ / "revoked.der") + "\n");
  EXPECT_EQ(s.check(), "snp crl") << s.message();
  EXPECT_NE(s.message().find("revoked"), std::string::npos) << s.message();
  s = Eval("SnpCrl " + (dir_ / "forged.der") + "\n");
  EXPECT_EQ(s.check(), "snp crl") << s.message();
  EXPECT_NE(s.message().find("signature"), std::string::npos) << s.message();
}

TEST_F(SnpCrl, RequiredCrlFromTheFile) {
  ra::Status s = Eval("SnpRequireCrl yes\nSnpCrl " + (dir_ / "good.der") + "\n");
  EXPECT_TRUE(s.ok()) << s.message();
  s = Eval("SnpRequireCrl yes\nSnpCrl " + (dir_ / "revoked.der") + "\n");
  EXPECT_EQ(s.check(), "snp crl") << s.message();
  // Nothing to check it against: the policy itself is refused.
  ra::Policy p;
  s = ParseP("SnpRequireCrl yes\n", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("SnpRequireCrl"), std::string::npos) << s.message();
  EXPECT_FALSE(ParseP("SnpRequireCrl maybe\n", &p).ok());
  EXPECT_TRUE(ParseP("SnpRequireCrl no\n", &p).ok());
}

TEST_F(SnpCrl, RequiredCrlFetchedFromKds) {
  const std::string kds = dir_ / "kds";
  auto policy_for = [&](const ra_test::EmulatorProcess& emu, const std::string& ca) {
    return "SnpRequireCrl yes\nSnpKds " + emu.url() + "\nSnpKdsCA " + ca +
           "\nSnpKdsCache none\n";
  };
  {
    // KDS without a CRL (404): the required CRL is missing, refused.
    ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, {"--snp", kds},
                                 {});
    ra::Status s = Eval(policy_for(emu, dir_ / "emu/ca.pem"));
    EXPECT_EQ(s.check(), "snp kds") << s.message();
    EXPECT_NE(s.message().find("/vcek/v1/Milan/crl"), std::string::npos) << s.message();
  }
  auto serve = [&](const std::string& crl) {
    ra_test::WriteFile(kds + "/crl.der", ra_test::ReadFile(dir_ / crl));
  };
  serve("good.der");
  {
    ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, {"--snp", kds},
                                 {});
    ra::Status s = Eval(policy_for(emu, dir_ / "emu/ca.pem"));
    EXPECT_TRUE(s.ok()) << s.message();
    // The evidence brought its certificates: only the CRL was asked for.
    EXPECT_EQ(emu.requests(), 1);
    EXPECT_NE(emu.stats().find("/vcek/v1/Milan/crl"), std::string::npos) << emu.stats();
  }
  serve("revoked.der");
  {
    ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, {"--snp", kds},
                                 {});
    ra::Status s = Eval(policy_for(emu, dir_ / "emu/ca.pem"));
    EXPECT_EQ(s.check(), "snp crl") << s.message();
  }
  serve("forged.der");
  {
    ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, {"--snp", kds},
                                 {});
    ra::Status s = Eval(policy_for(emu, dir_ / "emu/ca.pem"));
    EXPECT_EQ(s.check(), "snp crl") << s.message();
    // Not required: KDS is not asked for a CRL at all.
    long before = emu.requests();
    s = Eval("SnpKds " + emu.url() + "\nSnpKdsCA " + (dir_ / "emu/ca.pem") + "\n");
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(emu.requests(), before);
  }
}

TEST_F(SnpCrl, RequiredCrlOfAVersion2Report) {
  // A v2 report names no product (no CPUID): the certificate the evidence
  // brings does (productName), and that picks KDS's /{product}/crl.
  const Sim& sim = TheSim();
  ra::SimSnpGuest g = sim.guest;
  g.version = 2;
  ra::Bytes report, table;
  ASSERT_TRUE(ra::SimSnpSignReport(g, TestBinding(), sim.chain.vcek_key.get(), &report).ok());
  ASSERT_TRUE(ra::SimSnpCertTable(sim.chain, &table).ok());
  EXPECT_EQ(report[0], 2);
  EXPECT_EQ(report[0x188], 0);  // CPUID_FAM_ID: reserved in v2
  const std::string kds = dir_ / "kds";
  ra_test::WriteFile(kds + "/crl.der", ra_test::ReadFile(dir_ / "good.der"));
  ra_test::EmulatorProcess emu(dir_.path(), RA_KDS_EMULATOR, {"--snp", kds}, {});
  ra::Policy p;
  ASSERT_TRUE(ParseP("SnpRequireCrl yes\nSnpKds " + emu.url() + "\nSnpKdsCA " +
                         (dir_ / "emu/ca.pem") + "\nSnpKdsCache none\n",
                     &p)
                  .ok());
  ra::Binding b = TestBinding();
  ra::Verdict v;
  ra::Status s = ra::Evaluate({{ra::kEvidenceSnpReport, report}, {ra::kEvidenceSnpCerts, table}},
                              p, &b, std::time(nullptr), &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(emu.stats().find("/vcek/v1/Milan/crl"), std::string::npos) << emu.stats();
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "version"), "2");
}

}  // namespace
