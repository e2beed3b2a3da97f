// The VCEK fetched from AMD KDS: the kds-emulator (a real HTTPS server on
// loopback with its own test CA) serves a software SNP's certificates, and
// the report verifies end to end through the fetched VCEK; a second run
// comes from the per-user cache; each misbehaviour is refused by name.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "emulator_process.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "policy/policy.h"
#include "verify/evaluate.h"
#include "verify/snp_kds_fetcher.h"

namespace {

using ra_test::TempDir;

// The kds-emulator serving the SNP in snp_dir; its CA in dir/emu/ca.pem.
class KdsEmulator : public ra_test::EmulatorProcess {
 public:
  KdsEmulator(const std::string& dir, const std::string& snp_dir,
              const std::vector<std::string>& extra)
      : EmulatorProcess(dir, RA_KDS_EMULATOR, {"--snp", snp_dir}, extra) {}
  std::string last() const { return stats(); }
};

void WritePem(const std::string& path, X509* cert) {
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(PEM_write_X509(f, cert), 1);
  fclose(f);
}

ra::SimSnpGuest Guest(ra::SnpProduct p) {
  ra::SimSnpGuest g;
  g.product = p;
  if (p == ra::SnpProduct::kTurin) g.tcb = ra::SnpTcbParts{3, 4, 1, 5, 77};
  for (size_t i = 0; i < 64; i++) g.chip_id[i] = static_cast<uint8_t>(i * 5 + 3);
  return g;
}

std::array<uint8_t, 64> TestBinding() {
  std::array<uint8_t, 64> b;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<uint8_t>(0x55 ^ i);
  return b;
}

// One sim chip (Milan), its report, and a directory in sim-snp layout
// with a second VCEK from the same ASK for another chip.
struct Chip {
  ra::SimSnpChain chain;
  ra::SnpReport report;
  ra::Bytes raw;  // the report as signed
  std::string dir;
};

const Chip& TheChip() {
  static TempDir tmp_holder;  // removed at exit
  TempDir* tmp = &tmp_holder;
  static Chip* chip = nullptr;
  if (chip) return *chip;
  chip = new Chip();
  ra::SimSnpGuest g = Guest(ra::SnpProduct::kMilan);
  ra::SimSnpChainOptions o;
  o.rsa_bits = 2048;
  EXPECT_TRUE(ra::SimSnpMakeChain(g, o, &chip->chain).ok());
  ra::Bytes raw;
  EXPECT_TRUE(ra::SimSnpSignReport(g, TestBinding(), chip->chain.vcek_key.get(), &raw).ok());
  EXPECT_TRUE(ra::ParseSnpReport(raw, &chip->report).ok());
  chip->raw = raw;
  ra::SimSnpGuest other = g;
  other.chip_id[0] ^= 0xff;
  ra::ossl::X509Ptr other_vcek;
  ra::ossl::PkeyPtr other_key;
  EXPECT_TRUE(ra::SimSnpIssueVcek(chip->chain, other, o, &other_vcek, &other_key).ok());
  chip->dir = tmp->path();
  WritePem(chip->dir + "/ark.pem", chip->chain.ark.get());
  WritePem(chip->dir + "/ask.pem", chip->chain.ask.get());
  WritePem(chip->dir + "/vcek.pem", chip->chain.vcek.get());
  WritePem(chip->dir + "/vcek-other-chip.pem", other_vcek.get());
  return *chip;
}

class SnpKdsFetch : public ::testing::Test {
 protected:
  ra::Status Verify(const KdsEmulator& emu, long timeout_ms = 10000) {
    const Chip& c = TheChip();
    ra::KdsOptions o;
    o.base_url = emu.url();
    o.ca_file = emu.ca();
    o.cache_dir = dir_ / "cache";
    o.timeout_ms = timeout_ms;
    ra::SnpVerifyOptions v;
    v.now = std::time(nullptr);
    v.trust_anchors = {c.chain.ark.get()};
    binding_ = TestBinding();
    v.expected_report_data = &binding_;
    ra::SnpClaims claims;
    return ra::VerifySnpReportWithKds(o, c.report, v, &claims);
  }
  // r, its VCEK from emu: no anchor, binding or cache (checks that come
  // before the signature).
  static ra::Status VerifyReport(const KdsEmulator& emu, const ra::SnpReport& r) {
    ra::KdsOptions o;
    o.base_url = emu.url();
    o.ca_file = emu.ca();
    ra::SnpVerifyOptions v;
    v.now = std::time(nullptr);
    ra::SnpClaims claims;
    return ra::VerifySnpReportWithKds(o, r, v, &claims);
  }
  // The front door's policy: the chip's ARK, emu as SnpKds, no cache.
  static ra::Status ParseKdsPolicy(const KdsEmulator& emu, ra::Policy* policy) {
    return ra::ParsePolicy("TrustAnchor snp " + TheChip().dir + "/ark.pem\nSnpKds " + emu.url() +
                               "\nSnpKdsCA " + emu.ca() + "\nSnpKdsCache none\n",
                           "policy", policy);
  }
  TempDir dir_;
  std::array<uint8_t, 64> binding_;
};

TEST(SnpKdsUrl, MilanAndTurin) {
  ra::SnpReport r;
  for (size_t i = 0; i < 64; i++) r.chip_id[i] = static_cast<uint8_t>(i);
  r.reported_tcb = ra::EncodeSnpTcb(ra::SnpTcbParts{0, 3, 0, 8, 115}, ra::SnpProduct::kMilan);
  std::string url;
  ASSERT_TRUE(ra::KdsVcekUrl("https://kds.example/", ra::SnpProduct::kMilan, r, &url).ok());
  std::string hwid;
  for (int i = 0; i < 64; i++) {
    char b[3];
    snprintf(b, sizeof(b), "%02x", i);
    hwid += b;
  }
  EXPECT_EQ(url, "https://kds.example/vcek/v1/Milan/" + hwid +
                     "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");

  r.reported_tcb = ra::EncodeSnpTcb(ra::SnpTcbParts{1, 2, 3, 4, 82}, ra::SnpProduct::kTurin);
  ASSERT_TRUE(ra::KdsVcekUrl("https://kds.example", ra::SnpProduct::kTurin, r, &url).ok());
  EXPECT_EQ(url, "https://kds.example/vcek/v1/Turin/0001020304050607"
                 "?fmcSPL=01&blSPL=02&teeSPL=03&snpSPL=04&ucodeSPL=82");
  EXPECT_EQ(ra::KdsCertChainUrl("https://kds.example", ra::SnpProduct::kGenoa),
            "https://kds.example/vcek/v1/Genoa/cert_chain");

  ra::Status s = ra::KdsVcekUrl("https://kds.example", ra::SnpProduct::kUnknown, r, &url);
  ASSERT_FALSE(s.ok());  // a v2 report (no CPUID) and no product given
  EXPECT_EQ(s.check(), "snp kds");

  // MASK_CHIP_ID: no chip to ask for (Turin's 8 bytes, or all 64).
  std::fill(r.chip_id.begin(), r.chip_id.begin() + 8, uint8_t{0});
  s = ra::KdsVcekUrl("https://kds.example", ra::SnpProduct::kTurin, r, &url);
  EXPECT_EQ(s.check(), "snp kds") << s.message();
  EXPECT_NE(s.detail().find("MASK_CHIP_ID"), std::string::npos) << s.message();
  r.reported_tcb = ra::EncodeSnpTcb(ra::SnpTcbParts{0, 3, 0, 8, 115}, ra::SnpProduct::kMilan);
  EXPECT_TRUE(ra::KdsVcekUrl("https://kds.example", ra::SnpProduct::kMilan, r, &url).ok());
  r.chip_id.fill(0);
  EXPECT_EQ(ra::KdsVcekUrl("https://kds.example", ra::SnpProduct::kMilan, r, &url).check(),
            "snp kds");
}

TEST_F(SnpKdsFetch, FetchVerifyThenFromCache) {
  KdsEmulator emu(dir_.path(), TheChip().dir, {});
  ra::Status s = Verify(emu);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(emu.requests(), 2);  // VCEK and cert_chain
  s = Verify(emu);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(emu.requests(), 2) << "second run did not come from the cache";
}

TEST_F(SnpKdsFetch, ServerErrorRefused) {
  KdsEmulator emu(dir_.path(), TheChip().dir, {"--status", "500"});
  ra::Status s = Verify(emu);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp kds");
  EXPECT_NE(s.detail().find("500"), std::string::npos) << s.message();
}

TEST_F(SnpKdsFetch, SlowServerRefused) {
  KdsEmulator emu(dir_.path(), TheChip().dir, {"--slow", "3"});
  auto t0 = std::chrono::steady_clock::now();
  ra::Status s = Verify(emu, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp kds");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(SnpKdsFetch, WrongChipRefusedAndNotCached) {
  {
    KdsEmulator emu(dir_.path(), TheChip().dir, {"--wrong-chip"});
    ra::Status s = Verify(emu);
    ASSERT_FALSE(s.ok());
    // Another chip's VCEK carries another key: the report's signature is
    // what fails first (before its hwID is compared with CHIP_ID).
    EXPECT_EQ(s.check(), "snp report signature") << s.message();
  }
  // Nothing was cached: an honest KDS is asked again.
  KdsEmulator emu(dir_.path(), TheChip().dir, {});
  ASSERT_TRUE(Verify(emu).ok());
  EXPECT_EQ(emu.requests(), 2);
}

// A directory like the chip's, serving crl.der: an ARK CRL revoking the
// given certificates.
std::string DirWithCrl(const TempDir& tmp, const std::vector<X509*>& revoked) {
  const Chip& c = TheChip();
  std::string d = tmp / "snp-crl";
  EXPECT_EQ(mkdir(d.c_str(), 0700), 0);
  for (const char* f : {"ark.pem", "ask.pem", "vcek.pem"})
    ra_test::WriteFile(d + "/" + f, ra_test::ReadFile(c.dir + "/" + f));
  ra::Bytes der;
  EXPECT_TRUE(ra::SimSnpMakeCrl(c.chain, revoked, std::time(nullptr) - 3600, &der).ok());
  ra_test::WriteFile(d + "/crl.der", std::string(der.begin(), der.end()));
  return d;
}

TEST_F(SnpKdsFetch, CrlFetchedAndApplied) {
  const Chip& c = TheChip();
  ra::KdsOptions o;
  ra::SnpVerifyOptions v;
  v.now = std::time(nullptr);
  v.trust_anchors = {c.chain.ark.get()};
  v.require_crl = true;
  ra::SnpClaims claims;
  {
    KdsEmulator emu(dir_.path(), DirWithCrl(dir_, {}), {});
    o.base_url = emu.url();
    o.ca_file = emu.ca();
    // Without fetch_crl there is no CRL, which the options require.
    EXPECT_EQ(ra::VerifySnpReportWithKds(o, c.report, v, &claims).check(), "snp crl");
    o.fetch_crl = true;
    ra::Status s = ra::VerifySnpReportWithKds(o, c.report, v, &claims);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(emu.requests(), 2 + 3);  // VCEK, chain; then CRL, VCEK, chain
  }
  TempDir other;
  KdsEmulator emu(other.path(), DirWithCrl(other, {c.chain.ask.get()}), {});
  o.base_url = emu.url();
  o.ca_file = emu.ca();
  ra::Status s = ra::VerifySnpReportWithKds(o, c.report, v, &claims);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp crl") << s.message();
}

TEST_F(SnpKdsFetch, VlekReportNotFetched) {
  KdsEmulator emu(dir_.path(), TheChip().dir, {});
  ra::SnpReport r = TheChip().report;
  r.signing_key = static_cast<uint8_t>(ra::SnpSigningKey::kVlek);
  ra::Status s = VerifyReport(emu, r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp kds");
  EXPECT_NE(s.detail().find("SIGNING_KEY is 1"), std::string::npos) << s.message();
  EXPECT_EQ(emu.requests(), 0);
}

TEST_F(SnpKdsFetch, UnknownChipIs404) {
  // The emulator answers 404 for a hwid that is not its chip's, as KDS.
  KdsEmulator emu(dir_.path(), TheChip().dir, {});
  ra::SnpReport r = TheChip().report;
  r.chip_id[5] ^= 1;
  ra::Status s = VerifyReport(emu, r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp kds");
  EXPECT_NE(s.detail().find("404"), std::string::npos) << s.message();
}

}  // namespace

// Through the front door (SnpKds in the policy), the caller's deadline
// (ssh: what is left of AttestationTimeout) bounds the fetch, not KDS's
// own 10 s.
TEST_F(SnpKdsFetch, TableWithoutTheVcekFallsBackToKds) {
  // A host with no certificates may leave the guest a zeroed page: a
  // table of just its terminator, or one without the report's key.
  KdsEmulator emu(dir_.path(), TheChip().dir, {});
  ra::Policy policy;
  ra::Status s = ParseKdsPolicy(emu, &policy);
  ASSERT_TRUE(s.ok()) << s.message();
  const ra::Binding b = TestBinding();
  ra::Bytes zero_page(4096, 0);
  s = ra::Evaluate({{ra::kEvidenceSnpReport, TheChip().raw}, {ra::kEvidenceSnpCerts, zero_page}},
                   policy, &b, 0, nullptr);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(emu.requests(), 2);  // VCEK and cert_chain
  ra::Bytes ask_only = ra::BuildSnpCertTable(
      {{ra::SnpCertKindGuid(ra::SnpCertKind::kAsk), ra::Bytes(10, 0x30)}});
  s = ra::Evaluate({{ra::kEvidenceSnpReport, TheChip().raw}, {ra::kEvidenceSnpCerts, ask_only}},
                   policy, &b, 0, nullptr);
  ASSERT_TRUE(s.ok()) << s.message();
  // Without SnpKds the table's lack is the refusal.
  ra::Policy no_kds;
  ASSERT_TRUE(ra::ParsePolicy("TrustAnchor snp " + TheChip().dir + "/ark.pem\n", "policy",
                              &no_kds).ok());
  s = ra::Evaluate({{ra::kEvidenceSnpReport, TheChip().raw}, {ra::kEvidenceSnpCerts, zero_page}},
                   no_kds, &b, 0, nullptr);
  EXPECT_EQ(s.check(), "snp certs") << s.message();
}

TEST_F(SnpKdsFetch, FrontDoorFetchEndsAtTheCallersDeadline) {
  KdsEmulator emu(dir_.path(), TheChip().dir, {"--slow", "8"});
  ra::Policy policy;
  ra::Status s = ParseKdsPolicy(emu, &policy);
  ASSERT_TRUE(s.ok()) << s.message();
  const ra::Binding b = TestBinding();
  const auto t0 = std::chrono::steady_clock::now();
  s = ra::Evaluate({{ra::kEvidenceSnpReport, TheChip().raw}}, policy, &b, 0, nullptr,
                   t0 + std::chrono::milliseconds(1500));
  EXPECT_EQ(s.check(), "snp kds") << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4)) << s.message();
}
