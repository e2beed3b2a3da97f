// The software TDX end to end: sim-init, quotes in the real v4 format, and
// the real verifier accepting them only under a policy naming the sim root.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/pck_extensions.h"
#include "parse/td_report.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "provider/ossl_util.h"
#include "provider/sim_tdx_authority.h"
#include "ra_attest.h"
#include "ra_test_util.h"
#include "verify/tdx_quote_verifier.h"

namespace {

using ra_test::TempDir;

ra::Binding TestBinding(uint8_t seed) { return ra_test::CountingBinding(seed); }

class SimTest : public ::testing::Test {
 protected:
  void Init(const ra::SimInitOptions& opt = {}) {
    ra::Status s = ra::SimInit(sim_dir(), opt);
    ASSERT_TRUE(s.ok()) << s.message();
    ra_test::WriteFile(dir_ / "policy", "TrustAnchor tdx sim/root.pem\n");
  }
  // A sim whose MRTD is 48 bytes of one hex digit repeated.
  void InitWithMrtd(char digit) {
    ra::SimInitOptions opt;
    opt.mrtd_hex = std::string(96, digit);
    Init(opt);
  }
  std::string sim_dir() const { return dir_ / "sim"; }
  std::string policy_path() const { return dir_ / "policy"; }

  ra::Bytes Quote(const ra::Binding& b) {
    std::unique_ptr<ra::EvidenceProvider> p;
    ra::Status s = ra::OpenProvider("sim:" + sim_dir(), &p);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok()) return {};
    std::vector<ra::EvidenceItem> items;
    s = p->Collect(b, &items);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(items.size(), 1u);
    if (items.size() != 1) return {};
    EXPECT_EQ(items[0].type, "tdx-quote");
    return items[0].data;
  }

  // Through the C API, as ssh does.  Returns the ra_status; *msg gets the
  // summary or the error.
  int VerifyC(const ra::Bytes& quote, const ra::Binding& b, const char* policy,
              std::string* msg) {
    ra_policy* pol = nullptr;
    char err[512], summary[512];
    int rc = ra_policy_load(policy, &pol, err, sizeof(err));
    EXPECT_EQ(rc, RA_OK) << err;
    if (rc != RA_OK) return rc;
    ra_evidence* ev = ra_evidence_new();
    EXPECT_EQ(ra_evidence_add(ev, "tdx-quote", quote.data(), quote.size(), err, sizeof(err)),
              RA_OK);
    rc = ra_verify(pol, ev, b.data(), 0, summary, sizeof(summary), err, sizeof(err));
    *msg = rc == RA_OK ? summary : err;
    ra_evidence_free(ev);
    ra_policy_free(pol);
    return rc;
  }

  TempDir dir_;
};

TEST_F(SimTest, InitWritesFilesWithModes) {
  Init();
  struct stat st;
  for (const char* f : {"root.pem", "chain.pem", "td.conf"}) {
    ASSERT_EQ(stat((sim_dir() + "/" + f).c_str(), &st), 0) << f;
  }
  for (const char* f : {"pck.key", "attestation.key"}) {
    ASSERT_EQ(stat((sim_dir() + "/" + f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  ASSERT_EQ(stat(sim_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  std::string chain = ra_test::ReadFile(sim_dir() + "/chain.pem");
  size_t certs = 0;
  for (size_t p = 0; (p = chain.find("BEGIN CERTIFICATE", p)) != std::string::npos; p++) certs++;
  EXPECT_EQ(certs, 3u);
  // The chain ends with root.pem.
  std::string root = ra_test::ReadFile(sim_dir() + "/root.pem");
  ASSERT_GE(chain.size(), root.size());
  EXPECT_EQ(chain.substr(chain.size() - root.size()), root);
}

// Its keys sign what clients trust: a sim directory, or a file in it,
// that others may write is refused when the provider is opened.
TEST_F(SimTest, OpenRefusesFilesOthersMayWrite) {
  Init();
  std::unique_ptr<ra::EvidenceProvider> p;
  const std::string key = sim_dir() + "/attestation.key";
  ASSERT_EQ(chmod(key.c_str(), 0620), 0);
  ra::Status s = ra::OpenProvider("sim:" + sim_dir(), &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + key +
                             ": writable by group or others"),
            std::string::npos)
      << s.message();
  ASSERT_EQ(chmod(key.c_str(), 0600), 0);
  ASSERT_EQ(chown((sim_dir() + "/td.conf").c_str(), 54321, static_cast<gid_t>(-1)), 0);
  s = ra::OpenProvider("sim:" + sim_dir(), &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("td.conf: owned by uid 54321"), std::string::npos) << s.message();
  ASSERT_EQ(chown((sim_dir() + "/td.conf").c_str(), 0, static_cast<gid_t>(-1)), 0);
  ASSERT_EQ(chmod(sim_dir().c_str(), 0777), 0);
  s = ra::OpenProvider("sim:" + sim_dir(), &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + sim_dir()), std::string::npos)
      << s.message();
  ASSERT_EQ(chmod(sim_dir().c_str(), 0700), 0);
  s = ra::OpenProvider("sim:" + sim_dir(), &p);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(SimTest, InitRefusesToReplacePartOfASim) {
  Init();
  std::string before = ra_test::ReadFile(sim_dir() + "/root.pem");
  ASSERT_EQ(std::remove((sim_dir() + "/chain.pem").c_str()), 0);
  ra::Status s = ra::SimInit(sim_dir(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "sim-init");
  EXPECT_NE(s.detail().find("refusing to replace"), std::string::npos) << s.message();
  EXPECT_EQ(ra_test::ReadFile(sim_dir() + "/root.pem"), before);
  EXPECT_FALSE(ra_test::Exists(sim_dir() + "/chain.pem"));
}

// Run again on a whole sim: same keys and root (a policy's trust anchor
// still holds), new measurements.
TEST_F(SimTest, InitAgainKeepsKeysChangesMeasurements) {
  ra::SimInitOptions opt;
  opt.mrowner_hex = std::string(96, '1');
  Init(opt);
  const char* const kKept[] = {"root.pem", "chain.pem", "pck.key", "attestation.key"};
  std::vector<std::string> before;
  for (const char* f : kKept) before.push_back(ra_test::ReadFile(sim_dir() + "/" + f));
  ra::Bytes q1 = Quote(TestBinding(1));
  ra::TdxQuote p1;
  ASSERT_TRUE(ra::ParseTdxQuote(q1, &p1).ok());

  opt.mrowner_hex = std::string(96, '2');
  opt.mrconfigid_hex = std::string(96, '3');
  ASSERT_TRUE(ra::SimInit(sim_dir(), opt).ok());
  for (size_t i = 0; i < before.size(); i++)
    EXPECT_EQ(ra_test::ReadFile(sim_dir() + "/" + kKept[i]), before[i]) << kKept[i];
  EXPECT_FALSE(ra_test::Exists(sim_dir() + "/td.conf.new"));
  ra::Bytes q2 = Quote(TestBinding(1));
  ra::TdxQuote p2;
  ASSERT_TRUE(ra::ParseTdxQuote(q2, &p2).ok());
  EXPECT_NE(p1.body.mr_td, p2.body.mr_td);  // random again
  EXPECT_NE(p1.body.rtmr[0], p2.body.rtmr[0]);
  EXPECT_EQ(ra::HexEncode(p2.body.mr_owner), opt.mrowner_hex);
  EXPECT_EQ(ra::HexEncode(p2.body.mr_config_id), opt.mrconfigid_hex);
  EXPECT_EQ(p1.attestation_key, p2.attestation_key);

  // The old policy's anchor still verifies; its MrOwner pin now refuses.
  std::string msg;
  EXPECT_EQ(VerifyC(q2, TestBinding(1), policy_path().c_str(), &msg), RA_OK) << msg;
  ra_test::WriteFile(dir_ / "pinned",
                     "TrustAnchor tdx sim/root.pem\nMrOwner " + std::string(96, '1') + "\n");
  EXPECT_EQ(VerifyC(q1, TestBinding(1), (dir_ / "pinned").c_str(), &msg), RA_OK) << msg;
  EXPECT_EQ(VerifyC(q2, TestBinding(1), (dir_ / "pinned").c_str(), &msg), RA_ERR_REFUSED);
  EXPECT_NE(msg.find("MROWNER " + opt.mrowner_hex + " not in policy"), std::string::npos) << msg;
}

// --mrconfigid, --mrowner, --td-attributes, --xfam reach the quote and the
// TD report, and the policy keywords accept and refuse them.
TEST_F(SimTest, InitFieldsReachQuoteAndPolicy) {
  ra::SimInitOptions opt;
  opt.mrconfigid_hex = std::string(94, 'c') + "01";
  opt.mrowner_hex = std::string(94, 'e') + "02";
  opt.td_attributes_hex = "0000004000000000";  // PKS (bit 30)
  opt.xfam_hex = "e702000000000000";
  Init(opt);
  ra::Bytes q = Quote(TestBinding(2));
  ra::TdxQuote p;
  ASSERT_TRUE(ra::ParseTdxQuote(q, &p).ok());
  EXPECT_EQ(ra::HexEncode(p.body.mr_config_id), opt.mrconfigid_hex);
  EXPECT_EQ(ra::HexEncode(p.body.mr_owner), opt.mrowner_hex);
  EXPECT_EQ(ra::HexEncode(p.body.td_attributes), opt.td_attributes_hex);
  EXPECT_EQ(ra::HexEncode(p.body.xfam), opt.xfam_hex);
  EXPECT_EQ(p.body.mr_owner_config, ra::Mr48{});

  ra::Binding rd{};
  ra::Bytes report;
  ASSERT_TRUE(ra::SimMakeTdReport(sim_dir(), rd, &report).ok());
  ra::Bytes from_report;
  ASSERT_TRUE(ra::SimQuoteTdReport(sim_dir(), report, &from_report).ok());
  ra::TdxQuote pr;
  ASSERT_TRUE(ra::ParseTdxQuote(from_report, &pr).ok());
  EXPECT_EQ(pr.body.mr_owner, p.body.mr_owner);
  EXPECT_EQ(pr.body.mr_config_id, p.body.mr_config_id);

  const std::string anchor = "TrustAnchor tdx sim/root.pem\n";
  const struct {
    std::string lines;
    bool ok;
    const char* says;
  } cases[] = {
      {"MrConfigId " + opt.mrconfigid_hex + "\n", true, ""},
      {"MrConfigId " + std::string(96, '0') + "\n", false, "MRCONFIGID"},
      {"MrOwner " + std::string(96, '0') + "," + opt.mrowner_hex + "\n", true, ""},
      {"MrOwner " + std::string(96, '0') + "\n", false, "MROWNER"},
      {"MrOwnerConfig " + std::string(96, '0') + "\n", true, ""},
      {"MrOwnerConfig " + std::string(96, 'f') + "\n", false, "MROWNERCONFIG"},
      {"Xfam " + opt.xfam_hex + "\n", true, ""},
      {"Xfam e71a060000000000\n", false, "XFAM"},
      {"TdAttributes PKS\n", true, ""},
      {"TdAttributes SEPT_VE_DISABLE\n", false, "bit 30 (PKS)"},
      {"TdAttributes ffffffffffffffff:0000004000000000\n", true, ""},
      {"TdAttributes ffffffffffffffff:0000000000000000\n", false, "mask:value"},
      {"TeeTcbSvn 03000500000000000000000000000000\n", true, ""},
      {"TeeTcbSvn 03000600000000000000000000000000\n", false, "component 2"},
      {"MrServiceTd " + std::string(96, '0') + "\n", false, "no MRSERVICETD"},
  };
  for (const auto& c : cases) {
    ra_test::WriteFile(dir_ / "p", anchor + c.lines);
    std::string msg;
    int rc = VerifyC(q, TestBinding(2), (dir_ / "p").c_str(), &msg);
    EXPECT_EQ(rc, c.ok ? RA_OK : RA_ERR_REFUSED) << c.lines << msg;
    if (!c.ok) {
      EXPECT_NE(msg.find(c.says), std::string::npos) << c.lines << msg;
    }
  }
}

TEST_F(SimTest, InitRejectsBadFieldOptions) {
  ra::SimInitOptions o1;
  o1.mrowner_hex = std::string(95, 'a');
  ra::SimInitOptions o2;
  o2.td_attributes_hex = "00000000000000zz";
  ra::SimInitOptions o3;
  o3.xfam_hex = "00";
  for (const auto& o : {o1, o2, o3}) {
    ra::Status s = ra::SimInit(sim_dir(), o);
    EXPECT_EQ(s.check(), "sim-init");
    EXPECT_FALSE(ra_test::Exists(sim_dir() + "/root.pem"));
  }
}

TEST_F(SimTest, InitRejectsBadMrtd) {
  for (const std::string& bad : {std::string(94, 'a'), std::string(95, 'a') + "x",
                                std::string(98, 'a')}) {
    ra::SimInitOptions opt;
    opt.mrtd_hex = bad;
    ra::Status s = ra::SimInit(sim_dir(), opt);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("--mrtd"), std::string::npos);
  }
}

TEST_F(SimTest, QuoteHasTheV4Layout) {
  InitWithMrtd('c');
  ra::Binding b = TestBinding(7);
  ra::Bytes quote = Quote(b);
  ASSERT_GT(quote.size(), 1000u);
  // Header and body offsets straight from DESIGN.md "Formats".
  EXPECT_EQ(ra::LoadLe16(&quote[0]), 4);
  EXPECT_EQ(ra::LoadLe16(&quote[2]), 2);
  EXPECT_EQ(ra::LoadLe32(&quote[4]), 0x81u);
  EXPECT_EQ(ra::HexEncode(ra::ByteView(&quote[12], 16)), "939a7233f79c4ca9940a0db3957f0607");
  EXPECT_EQ(ra::HexEncode(ra::ByteView(&quote[184], 48)), std::string(96, 'c'));
  EXPECT_EQ(std::memcmp(&quote[568], b.data(), 64), 0);
  EXPECT_EQ(ra::LoadLe32(&quote[632]), quote.size() - 636);
  EXPECT_EQ(quote[48 + 120] & 1, 0);  // TDATTRIBUTES: not debug
  // Certification data: type 6 after signature and key.
  EXPECT_EQ(ra::LoadLe16(&quote[636 + 128]), 6);

  ra::TdxQuote q;
  ra::Status s = ra::ParseTdxQuote(quote, &q);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.cert_data_type, 6);
  EXPECT_EQ(q.pck_cert_data_type, 5);
  EXPECT_EQ(q.qe_auth_data.size(), 32u);
  EXPECT_EQ(q.trailing_bytes, 0u);
  EXPECT_EQ(q.pck_chain_pem, ra_test::ReadFile(sim_dir() + "/chain.pem"));
  // TD report fields come from td.conf.
  ra::SimTdConfig td;
  ASSERT_TRUE(ra::LoadSimTdConfig(sim_dir() + "/td.conf", &td).ok());
  EXPECT_EQ(q.body.mr_td, td.mr_td);
  EXPECT_EQ(q.body.rtmr, td.rtmr);
  EXPECT_EQ(q.body.mr_seam, td.mr_seam);
  EXPECT_EQ(q.body.xfam, td.xfam);

  // The PCK leaf carries the SGX extension as Intel encodes it.
  ra::PckExtensions pck;
  s = ra::PckExtensionsFromPem(q.pck_chain_pem, &pck);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ra::HexEncode(ra::ByteView(pck.fmspc.data(), 6)), "50806f000000");
  EXPECT_EQ(pck.pce_svn, 13);
  EXPECT_EQ(pck.tcb_comp_svn[0], 3);
  EXPECT_EQ(pck.pce_id[0], 0);
}

TEST_F(SimTest, AcceptedWithSimRootRefusedWithIntelRoot) {
  Init();
  ra::Binding b = TestBinding(1);
  ra::Bytes quote = Quote(b);
  std::string msg;
  EXPECT_EQ(VerifyC(quote, b, policy_path().c_str(), &msg), RA_OK) << msg;
  EXPECT_EQ(msg.rfind("tdx-quote verified: mrtd=", 0), 0u) << msg;
  EXPECT_NE(msg.find("tcb="), std::string::npos) << msg;

  EXPECT_EQ(VerifyC(quote, b, nullptr, &msg), RA_ERR_REFUSED);
  EXPECT_EQ(msg.rfind("pck chain", 0), 0u) << msg;
}

TEST_F(SimTest, RefusedWithWrongBinding) {
  Init();
  ra::Bytes quote = Quote(TestBinding(1));
  std::string msg;
  EXPECT_EQ(VerifyC(quote, TestBinding(2), policy_path().c_str(), &msg), RA_ERR_REFUSED);
  EXPECT_EQ(msg.rfind("report data binding", 0), 0u) << msg;
}

TEST_F(SimTest, TamperedQuoteRefused) {
  Init();
  ra::Binding b = TestBinding(1);
  ra::Bytes quote = Quote(b);
  quote[184] ^= 1;  // MRTD
  std::string msg;
  EXPECT_EQ(VerifyC(quote, b, policy_path().c_str(), &msg), RA_ERR_REFUSED);
  EXPECT_EQ(msg.rfind("quote signature", 0), 0u) << msg;
}

TEST_F(SimTest, DebugTdRefusedUnlessAllowed) {
  ra::SimInitOptions opt;
  opt.debug = true;
  Init(opt);
  ra::Binding b = TestBinding(3);
  ra::Bytes quote = Quote(b);
  EXPECT_EQ(quote[48 + 120] & 1, 1);
  std::string msg;
  EXPECT_EQ(VerifyC(quote, b, policy_path().c_str(), &msg), RA_ERR_REFUSED);
  EXPECT_NE(msg.find("debug"), std::string::npos) << msg;

  ra_test::WriteFile(dir_ / "policy-debug", "TrustAnchor tdx sim/root.pem\nAllowDebug yes\n");
  EXPECT_EQ(VerifyC(quote, b, (dir_ / "policy-debug").c_str(), &msg), RA_OK) << msg;
  EXPECT_NE(msg.find("DEBUG-TD"), std::string::npos) << msg;
}

TEST_F(SimTest, MrtdPolicy) {
  InitWithMrtd('d');
  ra::Binding b = TestBinding(4);
  ra::Bytes quote = Quote(b);
  std::string msg;
  ra_test::WriteFile(dir_ / "p-match", "TrustAnchor tdx sim/root.pem\nMRTD " +
                                            std::string(96, 'e') + "," +
                                            std::string(96, 'D') + "\n");
  EXPECT_EQ(VerifyC(quote, b, (dir_ / "p-match").c_str(), &msg), RA_OK) << msg;
  EXPECT_NE(msg.find("mrtd=dddddddddddddddd..."), std::string::npos) << msg;

  ra_test::WriteFile(dir_ / "p-mismatch",
                     "TrustAnchor tdx sim/root.pem\nMRTD " + std::string(96, 'e') + "\n");
  EXPECT_EQ(VerifyC(quote, b, (dir_ / "p-mismatch").c_str(), &msg), RA_ERR_REFUSED);
  EXPECT_NE(msg.find("MRTD"), std::string::npos) << msg;
}

TEST_F(SimTest, ManyCollectsFromOneOpen) {
  Init();
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenProvider("sim:" + sim_dir(), &p).ok());
  ra::Policy pol;
  ASSERT_TRUE(ra::LoadPolicyFile(policy_path(), &pol).ok());
  ra::Bytes first;
  for (uint8_t i = 0; i < 5; i++) {
    std::vector<ra::EvidenceItem> items;
    ASSERT_TRUE(p->Collect(TestBinding(i), &items).ok());
    ASSERT_EQ(items.size(), 1u);
    ra::Binding b = TestBinding(i);
    ra::VerifiedClaims claims;
    ra::Status s = ra::VerifyTdxQuote(items[0].data, &b, pol, 0, &claims);
    EXPECT_TRUE(s.ok()) << s.message();
    if (i == 0) first = items[0].data;
  }
  // ECDSA is randomised: the same binding gives a different signature.
  std::vector<ra::EvidenceItem> again;
  ASSERT_TRUE(p->Collect(TestBinding(0), &again).ok());
  EXPECT_NE(again[0].data, first);
}

// sim:DIR;delay=MS, the test aid for sshd's MaxAttestations and deadline;
// issue 15 writes it with a unit (sim:DIR;delay=40ms), so ms and s are
// taken too.
TEST_F(SimTest, DelayOptionIsStrictAndLogged) {
  Init();
  std::unique_ptr<ra::EvidenceProvider> p;
  for (const char* bad : {";delay=", ";delay=x", ";delay=600001", ";delay=-1", ";speed=1",
                          ";delay=10;delay=10", ";delay=1234567", ";delay=ms", ";delay=s",
                          ";delay=1.5s", ";delay=601s", ";delay=40sec", ";delay=40 ms"}) {
    ra::Status s = ra::OpenProvider("sim:" + sim_dir() + bad, &p);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.check(), "provider spec") << bad;
  }
  for (const char* good : {";delay=0", ";delay=40ms", ";delay=2s", ";delay=600s"})
    EXPECT_TRUE(ra::OpenProvider("sim:" + sim_dir() + good, &p).ok()) << good;
  ASSERT_TRUE(ra::OpenProvider("sim:" + sim_dir() + ";delay=30ms", &p).ok());
  auto t30 = std::chrono::steady_clock::now();
  std::vector<ra::EvidenceItem> first;
  ASSERT_TRUE(p->Collect(TestBinding(3), &first).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t30, std::chrono::milliseconds(30));
  ASSERT_EQ(std::remove((sim_dir() + "/collect.log").c_str()), 0);
  ASSERT_TRUE(ra::OpenProvider("sim:" + sim_dir() + ";delay=50", &p).ok());
  auto t0 = std::chrono::steady_clock::now();
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(p->Collect(TestBinding(1), &items).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  std::string log = ra_test::ReadFile(sim_dir() + "/collect.log");
  EXPECT_EQ(log.rfind("begin ", 0), 0u) << log;
  EXPECT_NE(log.find("\nend "), std::string::npos) << log;
  // Without the option nothing is logged.
  ASSERT_EQ(std::remove((sim_dir() + "/collect.log").c_str()), 0);
  ASSERT_TRUE(ra::OpenProvider("sim:" + sim_dir(), &p).ok());
  ASSERT_TRUE(p->Collect(TestBinding(2), &items).ok());
  struct stat st;
  EXPECT_NE(stat((sim_dir() + "/collect.log").c_str(), &st), 0);
}

TEST_F(SimTest, OpenChecksItsFiles) {
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenProvider("sim:" + dir_ / "absent", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("td.conf"), std::string::npos) << s.message();

  s = ra::OpenProvider("sim:", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "provider spec");

  Init();
  // A PCK key that does not belong to the chain's leaf.
  ASSERT_TRUE(ra::SimInit(dir_ / "other", {}).ok());
  ASSERT_EQ(std::rename((dir_ / "other/pck.key").c_str(), (sim_dir() + "/pck.key").c_str()), 0);
  s = ra::OpenProvider("sim:" + sim_dir(), &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not match pck.key"), std::string::npos) << s.message();
}

TEST_F(SimTest, TdConfIsStrict) {
  Init();
  std::string conf = ra_test::ReadFile(sim_dir() + "/td.conf");
  ra::SimTdConfig td;
  ra_test::WriteFile(dir_ / "a.conf", conf + "mrtd " + std::string(96, '0') + "\n");
  EXPECT_NE(ra::LoadSimTdConfig(dir_ / "a.conf", &td).message().find("duplicate mrtd"),
            std::string::npos);
  ra_test::WriteFile(dir_ / "b.conf", conf + "colour blue\n");
  EXPECT_NE(ra::LoadSimTdConfig(dir_ / "b.conf", &td).message().find("unknown field"),
            std::string::npos);
  ra_test::WriteFile(dir_ / "c.conf", "mrtd 00\n");
  EXPECT_NE(ra::LoadSimTdConfig(dir_ / "c.conf", &td).message().find("96 hex digits"),
            std::string::npos);
  ra_test::WriteFile(dir_ / "d.conf", "# empty\n");
  EXPECT_NE(ra::LoadSimTdConfig(dir_ / "d.conf", &td).message().find("missing"),
            std::string::npos);
}

TEST(ProviderSpec, Unknown) {
  std::unique_ptr<ra::EvidenceProvider> p;
  for (const char* spec : {"", "tpm2", "tpm:x", "sim", "configfs-tsm:", "SIM:/x"}) {
    ra::Status s = ra::OpenProvider(spec, &p);
    ASSERT_FALSE(s.ok()) << spec;
    EXPECT_EQ(s.check(), "provider spec") << spec;
  }
}

}  // namespace

namespace {

// The sim's TD report and its quoting: the quote made from a report
// verifies with the report's REPORTDATA; a report the sim did not make (any
// byte changed, MAC included) is refused before anything is signed.
TEST(SimTdReport, QuoteFromReport) {
  TempDir dir;
  ASSERT_TRUE(ra::SimInit(dir / "sim", {}).ok());
  std::array<uint8_t, 64> rd{};
  for (size_t i = 0; i < rd.size(); i++) rd[i] = static_cast<uint8_t>(i * 3);
  ra::Bytes report;
  ra::Status s = ra::SimMakeTdReport(dir / "sim", rd, &report);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::Bytes quote;
  s = ra::SimQuoteTdReport(dir / "sim", report, &quote);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::Policy pol;
  pol.tdx_trust_anchor = dir / "sim/root.pem";
  ra::Binding b;
  std::copy(rd.begin(), rd.end(), b.begin());
  s = ra::VerifyTdxQuote(quote, &b, pol, 0, nullptr);
  EXPECT_TRUE(s.ok()) << s.message();

  for (size_t off : {size_t{1}, size_t{128}, size_t{230}, size_t{300}, size_t{600}}) {
    ra::Bytes bad = report;
    bad[off] ^= 0x01;
    s = ra::SimQuoteTdReport(dir / "sim", bad, &quote);
    EXPECT_NE(s.message().find("MAC does not verify"), std::string::npos)
        << "offset " << off << ": " << s.message();
  }
  // Another sim's CPU has another MAC key.
  ASSERT_TRUE(ra::SimInit(dir / "other", {}).ok());
  s = ra::SimQuoteTdReport(dir / "other", report, &quote);
  EXPECT_NE(s.message().find("MAC does not verify"), std::string::npos) << s.message();
  ra::Bytes shorter(report.begin(), report.end() - 1);
  EXPECT_EQ(ra::SimQuoteTdReport(dir / "sim", shorter, &quote).check(), "td report");
}

// The sim writes its report with the parser's own table of offsets
// (TdReportStruct): every byte it sets is one ParseTdReport reads, so
// writing back what was parsed gives the report again.
TEST(SimTdReport, IsWhatTheParserReads) {
  TempDir dir;
  ra::SimInitOptions opt;
  opt.mrconfigid_hex = std::string(94, 'a') + "01";
  ASSERT_TRUE(ra::SimInit(dir / "sim", opt).ok());
  std::array<uint8_t, 64> rd{};
  rd.fill(0x5a);
  ra::Bytes report;
  ASSERT_TRUE(ra::SimMakeTdReport(dir / "sim", rd, &report).ok());
  ra::TdReport parsed;
  ASSERT_TRUE(ra::ParseTdReport(report, &parsed).ok());
  EXPECT_EQ(parsed.body.report_data, rd);
  EXPECT_EQ(ra::HexEncode(parsed.body.mr_config_id), opt.mrconfigid_hex);
  EXPECT_EQ(parsed.tee_tcb_info_valid[0], 0xff);
  EXPECT_EQ(ra::TdReportStruct(parsed), report);
}

}  // namespace

namespace {

// ReadPrivateKeyPem: the narrowed decoder for what sim-init writes, the
// generic path for any other PEM key, and refusal of what is not a key.
TEST(ReadPrivateKeyPem, FastPathFallbackAndRefusal) {
  TempDir dir;
  ASSERT_TRUE(ra::SimInit(dir / "sim", {}).ok());
  ra::ossl::PkeyPtr k;
  ra::Status s = ra::ossl::ReadPrivateKeyPem(dir / "sim/attestation.key", &k);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(EVP_PKEY_get_base_id(k.get()), EVP_PKEY_EC);

  // A traditional ("BEGIN EC PRIVATE KEY") and an Ed25519 key are not what
  // the narrowed decoder takes; the generic path still reads them.
  ra::ossl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  {
    FILE* f = fopen((dir / "ed.pem").c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(PEM_write_PrivateKey(f, ed.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
    fclose(f);
  }
  s = ra::ossl::ReadPrivateKeyPem(dir / "ed.pem", &k);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(EVP_PKEY_get_base_id(k.get()), EVP_PKEY_ED25519);

  ra_test::WriteFile(dir / "junk.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  s = ra::ossl::ReadPrivateKeyPem(dir / "junk.pem", &k);
  EXPECT_NE(s.message().find("not a PEM private key"), std::string::npos) << s.message();
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left for the next caller to misread
}

}  // namespace

// One EcKeyPemReader for several keys (the sim's two): each key is the
// file's own, as the generic PEM reader sees it; a key of another type
// still reads (the generic path), and after a file that is no key at all
// the same reader reads the next key correctly.
TEST_F(SimTest, EcKeyPemReaderReadsEachKeyOfSeveral) {
  Init();
  auto generic = [](const std::string& path) {
    std::string pem = ra_test::ReadFile(path);
    ra::ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return ra::ossl::PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  };
  const std::string pck = sim_dir() + "/pck.key", att = sim_dir() + "/attestation.key";
  ra::ossl::EcKeyPemReader reader;
  ra::ossl::PkeyPtr a, b, c;
  ASSERT_TRUE(reader.Read(pck, &a).ok());
  ASSERT_TRUE(reader.Read(att, &b).ok());
  EXPECT_EQ(EVP_PKEY_eq(a.get(), generic(pck).get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(b.get(), generic(att).get()), 1);
  EXPECT_NE(EVP_PKEY_eq(a.get(), b.get()), 1);

  ra::ossl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  {
    ra::ossl::BioPtr out(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PrivateKey(out.get(), ed.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr), 1);
    char* p = nullptr;
    long n = BIO_get_mem_data(out.get(), &p);
    ra_test::WriteFile(dir_ / "ed.key", std::string(p, static_cast<size_t>(n)));
  }
  ra_test::WriteFile(dir_ / "junk.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                        "-----END PRIVATE KEY-----\n");
  ASSERT_TRUE(reader.Read(dir_ / "ed.key", &c).ok());
  EXPECT_EQ(EVP_PKEY_eq(c.get(), ed.get()), 1);
  ra::Status s = reader.Read(dir_ / "junk.key", &c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a PEM private key"), std::string::npos) << s.message();
  ASSERT_TRUE(reader.Read(att, &c).ok());
  EXPECT_EQ(EVP_PKEY_eq(c.get(), b.get()), 1);
}
