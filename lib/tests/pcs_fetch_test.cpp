// Collateral that fetches itself: the PCS emulator (a real HTTPS server on
// loopback with its own test CA) serves real Intel collateral from
// tests/vectors/tdx/bundles, and is told to misbehave.  The quote is
// the dcap-qvl v4 quote (FMSPC b0c06f000000) at its pinned time.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "common/bytes_util.h"
#include "emulator_process.h"
#include "parse/jwt_token.h"
#include "policy/policy.h"
#include "ra_attest.h"
#include "ra_test_util.h"
#include "tdx_test_vectors.h"
#include "verify/collateral_source.h"
#include "verify/evaluate.h"
#include "verify/intel_sgx_root_ca.h"
#include "verify/pcs_fetcher.h"
#include "verify/tdx_quote_verifier.h"

namespace {

using ra_tdx_test::ReadVector;
using ra_tdx_test::Utc;
using ra_tdx_test::VectorPath;
using ra_test::TempDir;

const char kBundle[] = "tdx/bundles/dcapqvl_tdx_quote_collateral_2025-06.json";
const char kQuote[] = "tdx/bundles/dcapqvl_tdx_quote_v4_b0c06f.dat";
const char kOtherBundle[] = "tdx/bundles/automata_collateral_2025-06_00806f050000.json";
const char kGcpQuote[] = "tdx/bundles/automata_tdx_quote_v4_gcp_00806f050000.dat";
const std::time_t kNow = Utc(2025, 7, 1);

// The pcs-emulator serving both bundles; its CA in dir/emu/ca.pem.
class PcsEmulator : public ra_test::EmulatorProcess {
 public:
  PcsEmulator(const std::string& dir, const std::vector<std::string>& extra)
      : EmulatorProcess(dir, RA_PCS_EMULATOR,
                        {"--bundle", VectorPath(kBundle), "--bundle", VectorPath(kOtherBundle)},
                        extra) {}
};

struct Platform {
  ra::Bytes raw;
  ra::TdxQuote q;
  std::vector<ra::X509Ptr> chain;
  std::vector<X509*> untrusted;
  ra::PckExtensions pck;
  ra::PckCa ca = ra::PckCa::kPlatform;
};

void LoadPlatform(const char* file, Platform* p) {
  p->raw = ReadVector(file);
  ASSERT_TRUE(ra::ParseTdxQuote(p->raw, &p->q).ok());
  ASSERT_TRUE(ra::LoadPemCerts(p->q.pck_chain_pem, "pck chain", &p->chain, 8).ok());
  for (size_t i = 1; i < p->chain.size(); i++) p->untrusted.push_back(p->chain[i].get());
  ASSERT_TRUE(ra::PckExtensionsFromX509(p->chain[0].get(), &p->pck).ok());
  ASSERT_TRUE(ra::PckCaOfLeaf(p->chain[0].get(), &p->ca).ok());
}

// A bundle file as the collateral a source would deliver.
ra::TdxCollateral BundleCollateral(const char* file) {
  ra::Bytes b = ReadVector(file);
  ra::JsonPtr doc;
  ra::TdxCollateral c;
  EXPECT_TRUE(ra::ParseJsonObject(std::string(b.begin(), b.end()), "bundle", &doc).ok());
  auto str = [&](const char* k) {
    std::string v;
    EXPECT_TRUE(ra::JsonGetString(doc.get(), k, "bundle", &v).ok()) << k;
    return v;
  };
  auto hex = [&](const char* k) {
    ra::Bytes v;
    EXPECT_TRUE(ra::HexDecode(str(k), &v).ok()) << k;
    return v;
  };
  c.tcb_info = "{\"tcbInfo\":" + str("tcb_info") + ",\"signature\":\"" +
               str("tcb_info_signature") + "\"}";
  c.tcb_info_issuer_chain = str("tcb_info_issuer_chain");
  c.qe_identity = "{\"enclaveIdentity\":" + str("qe_identity") + ",\"signature\":\"" +
                  str("qe_identity_signature") + "\"}";
  c.qe_identity_issuer_chain = str("qe_identity_issuer_chain");
  c.pck_crl = hex("pck_crl");
  c.pck_crl_issuer_chain = str("pck_crl_issuer_chain");
  c.root_ca_crl = hex("root_ca_crl");
  c.origin = file;
  return c;
}

class PcsFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ra::LoadPemCerts(ra::kIntelSgxRootCaPem, "root", &root_).ok());
    anchors_ = {root_[0].get()};
    LoadPlatform(kQuote, &p_);
    opt_.warn = [this](const std::string& m) { warnings_.push_back(m); };
  }
  ra::PcsOptions Pcs(const PcsEmulator& e, bool cache = true) {
    ra::PcsOptions o;
    o.base_url = e.url();
    o.ca_file = e.ca();
    if (cache) o.cache_dir = dir_ / "cache";
    return o;
  }
  ra::Status Fetch(const ra::PcsOptions& o, std::time_t now, ra::TdxCollateral* c,
                   long timeout_ms = 5000) {
    auto src = ra::MakePcsCollateralSource(o, anchors_, opt_);
    return src->Get(p_.pck.fmspc, p_.ca, now, timeout_ms, c);
  }
  // The collateral checked for platform p under Intel's root and opt_.
  ra::Status VerifyFor(const Platform& p, const ra::TdxCollateral& c, std::time_t now,
                       ra::VerifiedTdxCollateral* v) {
    return ra::VerifyTdxCollateral(c, p.pck.fmspc, &p.pck.pce_id, p.ca, anchors_, opt_, now, v);
  }
  // The TCB level of platform p under verified collateral v and opt_ (an
  // evaluation that must succeed) and its grace.
  std::pair<ra::TdxTcbResult, ra::TdxTcbGrace> EvaluateFor(const Platform& p,
                                                           const ra::VerifiedTdxCollateral& v,
                                                           std::time_t now) {
    std::pair<ra::TdxTcbResult, ra::TdxTcbGrace> t;
    ra::Status s = ra::EvaluateTdxTcbWithCollateral(p.q, p.pck, v, opt_, now, &t.first, &t.second);
    EXPECT_TRUE(s.ok()) << s.message();
    return t;
  }
  bool WarnedAbout(const std::string& what) const {
    for (const auto& w : warnings_)
      if (w.find(what) != std::string::npos) return true;
    return false;
  }
  TempDir dir_;
  std::vector<ra::X509Ptr> root_;
  std::vector<X509*> anchors_;
  Platform p_;
  ra::CollateralOptions opt_;
  std::vector<std::string> warnings_;
};

TEST_F(PcsFetchTest, FetchedCollateralVerifiesARealQuoteEndToEnd) {
  PcsEmulator e(dir_.path(), {});
  ra::TdxCollateral c;
  ra::Status s = Fetch(Pcs(e), kNow, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 4);
  ra::VerifiedTdxCollateral v;
  s = VerifyFor(p_, c, kNow, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(v.crls.size(), 2u);
  EXPECT_FALSE(v.stale);
  s = ra::VerifyPckChainWithCollateral(p_.chain[0].get(), p_.untrusted, anchors_, v, kNow);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::Policy policy;  // signatures and QE identity of the quote itself
  s = ra::VerifyTdxQuote(p_.raw, nullptr, policy, kNow, nullptr);
  ASSERT_TRUE(s.ok()) << s.message();
  auto [tcb, grace] = EvaluateFor(p_, v, kNow);
  EXPECT_EQ(tcb.status, "UpToDate");
  EXPECT_EQ(tcb.tcb_evaluation_data_number, 17);
  EXPECT_TRUE(ra::TcbStatusAllowed(tcb.status, grace, {"UpToDate"}));

  // Another process (a new source) is served from the disk cache.
  ra::TdxCollateral again;
  s = Fetch(Pcs(e), kNow, &again);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 4);
  EXPECT_EQ(again.origin, ra::PcsCacheFile(Pcs(e), p_.pck.fmspc, p_.ca));
  EXPECT_EQ(again.tcb_info, c.tcb_info);
  EXPECT_EQ(again.pck_crl, c.pck_crl);
}

// The policy keywords through the front door: Collateral https://...
// fetches, verifies and caches; a second verification (another process)
// makes no request.
TEST_F(PcsFetchTest, PolicyCollateralUrlThroughTheFrontDoor) {
  PcsEmulator e(dir_.path(), {});
  const std::string head = "Collateral " + e.url() + "\nCollateralCA " + e.ca() +
                           "\nCollateralCache " + dir_ / "ssh-cache" + "\n";
  ra_test::WriteFile(dir_ / "policy", head + "AllowedTcbStatus UpToDate\n");
  ra::Policy policy;
  ra::Status s = ra::LoadPolicyFile(dir_ / "policy", &policy);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(policy.collateral_url, e.url());
  EXPECT_TRUE(policy.collateral_dir.empty());
  EXPECT_TRUE(policy.check_revocation);
  const std::vector<ra::EvidenceItem> items = {{ra::kEvidenceTdxQuote, p_.raw}};
  ra::Verdict v;
  s = ra::Evaluate(items, policy, nullptr, kNow, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(v.items.size(), 1u);
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "tcb_status"), "UpToDate");
  EXPECT_EQ(e.requests(), 4);
  ra::Verdict again;
  s = ra::Evaluate(items, policy, nullptr, kNow, &again);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 4) << "a warm cache must make no request";

  // The other keywords reach the checks: a minimum evaluation data number
  // above the collateral's (17) refuses it, cached or not.
  ra_test::WriteFile(dir_ / "policy2", head + "MinTcbEvaluationDataNumber 18\n");
  ra::Policy strict;
  ASSERT_TRUE(ra::LoadPolicyFile(dir_ / "policy2", &strict).ok());
  EXPECT_EQ(strict.min_tcb_evaluation_data_number, 18);
  s = ra::Evaluate(items, strict, nullptr, kNow, nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tcb evaluation data number"), std::string::npos) << s.message();

  // Without the emulator's CA, TLS is refused (the system store does not
  // know it), and nothing is accepted unverified.
  ra::Policy no_ca = policy;
  no_ca.collateral_ca_file.clear();
  no_ca.collateral_cache.clear();
  s = ra::Evaluate(items, no_ca, nullptr, kNow, nullptr);
  EXPECT_EQ(s.check(), "collateral fetch") << s.message();
}

TEST(PolicyCollateralKeywords, ParseAndRefuse) {
  TempDir dir;
  auto parse = [&](const std::string& text, ra::Policy* p) {
    return ra::ParsePolicy(text, "t", p);
  };
  ra::Policy p;
  ASSERT_TRUE(parse("Collateral https://PCCS.example:8081/\nCollateralCache none\n"
                    "CollateralGrace 86400\nCheckRevocation no\n"
                    "MinTcbEvaluationDataNumber 17\nTcbGracePeriod 30\n"
                    "CollateralMaxAge 2592000\n",
                    &p)
                  .ok());
  EXPECT_EQ(p.collateral_url.rfind("https://pccs.example:8081", 0), 0u) << p.collateral_url;
  EXPECT_TRUE(p.collateral_cache.empty());
  EXPECT_TRUE(p.collateral_cache_given);
  EXPECT_EQ(p.collateral_grace, 86400);
  EXPECT_FALSE(p.check_revocation);
  EXPECT_EQ(p.min_tcb_evaluation_data_number, 17);
  EXPECT_EQ(p.tcb_grace_period, 30 * 86400);
  EXPECT_EQ(p.collateral_max_age, 2592000);
  EXPECT_EQ(p.max_age, 0) << "CollateralMaxAge is not MaxAge";
  for (const char* bad : {"Collateral http://pccs.example\n", "CheckRevocation maybe\n",
                          "CollateralGrace -1\n", "TcbGracePeriod 1.5\n",
                          "MinTcbEvaluationDataNumber x\n", "CollateralCache NONE\n",
                          "Collateral https://\n"}) {
    ra::Policy q;
    EXPECT_FALSE(parse(bad, &q).ok()) << bad;
  }
}

TEST_F(PcsFetchTest, MisbehavingServerRefusedWithTheCheckNamed) {
  struct Case {
    std::vector<std::string> args;
    const char* check;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {{"--status", "500"}, "collateral fetch", "HTTP status 500"},
      {{"--status", "404"}, "collateral fetch", "HTTP status 404"},
      {{"--redirect"}, "collateral fetch", "HTTP status 302"},
      {{"--huge"}, "collateral fetch", "larger than"},
      {{"--wrong-fmspc"}, "tcb info fmspc", "00806F050000"},
      {{"--bad-signature"}, "tcb info signature", ""},
  };
  for (const Case& k : cases) {
    PcsEmulator e(dir_.path(), k.args);
    ra::TdxCollateral c;
    ra::Status s = Fetch(Pcs(e), kNow, &c);
    EXPECT_FALSE(s.ok()) << k.args[0];
    EXPECT_EQ(s.check(), k.check) << k.args[0] << ": " << s.message();
    std::string m = s.message();
    for (char& ch : m) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    std::string want = k.detail;
    for (char& ch : want) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    EXPECT_NE(m.find(want), std::string::npos) << k.args[0] << ": " << s.message();
    // Nothing refused is remembered.
    EXPECT_FALSE(ra_test::Exists(ra::PcsCacheFile(Pcs(e), p_.pck.fmspc, p_.ca))) << k.args[0];
  }
}

TEST_F(PcsFetchTest, SlowServerEndsAtTheCallersDeadline) {
  PcsEmulator e(dir_.path(), {"--slow", "8"});
  ra::TdxCollateral c;
  const auto t0 = std::chrono::steady_clock::now();
  ra::Status s = Fetch(Pcs(e), kNow, &c, 1500);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "collateral fetch") << s.message();
  EXPECT_LT(ms, 3000) << s.message();
}

TEST_F(PcsFetchTest, UnsafeOrTamperedCacheIsIgnored) {
  PcsEmulator e(dir_.path(), {});
  const ra::PcsOptions o = Pcs(e);
  const std::string file = ra::PcsCacheFile(o, p_.pck.fmspc, p_.ca);
  ra::TdxCollateral c;
  ASSERT_TRUE(Fetch(o, kNow, &c).ok());
  ASSERT_EQ(e.requests(), 4);
  long expect = 4;
  auto refetched = [&](const char* why) {
    warnings_.clear();
    ra::Status s = Fetch(o, kNow, &c);
    EXPECT_TRUE(s.ok()) << why << ": " << s.message();
    expect += 4;
    EXPECT_EQ(e.requests(), expect) << why;
    EXPECT_TRUE(WarnedAbout(why)) << why;
  };
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  refetched("must be 600");  // and rewritten with mode 600
  ASSERT_EQ(link(file.c_str(), (dir_ / "cache/extra").c_str()), 0);
  refetched("more than one link");
  ASSERT_EQ(unlink((dir_ / "cache/extra").c_str()), 0);
  ASSERT_EQ(chmod((dir_ / "cache").c_str(), 0770), 0);
  refetched("writable by group or others");
  ASSERT_EQ(chmod((dir_ / "cache").c_str(), 0700), 0);
  // A symbolic link to a good copy is still refused.
  ASSERT_EQ(rename(file.c_str(), (dir_ / "copy").c_str()), 0);
  ASSERT_EQ(symlink((dir_ / "copy").c_str(), file.c_str()), 0);
  refetched("symbolic link");
  // Tampered content fails the same checks as a fetched answer would.
  std::string text = ra_test::ReadFile(file);
  size_t sig = text.find("\"signature\":\"");
  ASSERT_NE(sig, std::string::npos);
  text[sig + 13] = text[sig + 13] == '0' ? '1' : '0';
  ASSERT_EQ(unlink(file.c_str()), 0);
  ra_test::WriteFile(file, text);
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  refetched("signature");
  // A torn write (the length no longer matches).
  text = ra_test::ReadFile(file);
  ASSERT_EQ(unlink(file.c_str()), 0);
  ra_test::WriteFile(file, text.substr(0, text.size() / 2));
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  refetched("truncated");
  // An entry for another platform under this one's name.
  text = ra_test::ReadFile(file);
  size_t f = text.find("\nfmspc ");
  ASSERT_NE(f, std::string::npos);
  text.replace(f + 7, 12, "00806F050000");
  ASSERT_EQ(unlink(file.c_str()), 0);
  ra_test::WriteFile(file, text);
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  refetched("not what was asked");
  // And after all that, the cache serves again.
  ASSERT_TRUE(Fetch(o, kNow, &c).ok());
  EXPECT_EQ(e.requests(), expect);
}

TEST_F(PcsFetchTest, CollateralGraceBoundsStaleUse) {
  ra::TdxCollateral c = BundleCollateral(kBundle);
  ra::VerifiedTdxCollateral v;
  const std::time_t after = Utc(2025, 7, 20);
  ra::Status s = VerifyFor(p_, c, after, &v);
  EXPECT_EQ(s.check(), "pck crl") << s.message();
  EXPECT_NE(s.message().find("expired"), std::string::npos) << s.message();
  opt_.collateral_grace = 3 * 86400;
  s = VerifyFor(p_, c, after, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(v.stale);
  EXPECT_TRUE(WarnedAbout("CollateralGrace"));
  EXPECT_EQ(v.chain_time, Utc(2025, 7, 19, 10, 0) + 34);  // the PCK CRL's last second
  s = ra::VerifyPckChainWithCollateral(p_.chain[0].get(), p_.untrusted, anchors_, v, after);
  EXPECT_TRUE(s.ok()) << s.message();
  s = VerifyFor(p_, c, Utc(2025, 7, 23), &v);
  EXPECT_EQ(s.check(), "pck crl") << s.message();
  EXPECT_NE(s.message().find("beyond CollateralGrace"), std::string::npos) << s.message();
}

TEST_F(PcsFetchTest, CachedEntryPastNextUpdateServesWithinGraceDuringAnOutage) {
  TempDir emu_dir;
  ra::PcsOptions o;
  {
    PcsEmulator e(emu_dir.path(), {});
    o = Pcs(e);
    ra::TdxCollateral c;
    ASSERT_TRUE(Fetch(o, kNow, &c).ok());
  }
  // The same URL, now failing: restart on the same port is racy, so the
  // outage is a closed port (connection refused).
  const std::time_t after = Utc(2025, 7, 20);
  ra::TdxCollateral c;
  ra::Status s = Fetch(o, after, &c, 2000);
  EXPECT_EQ(s.check(), "collateral fetch") << s.message();  // no grace
  opt_.collateral_grace = 3 * 86400;
  warnings_.clear();
  s = Fetch(o, after, &c, 2000);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.origin, ra::PcsCacheFile(o, p_.pck.fmspc, p_.ca));
  EXPECT_TRUE(WarnedAbout("within CollateralGrace"));
  s = Fetch(o, Utc(2025, 7, 25), &c, 2000);
  EXPECT_EQ(s.check(), "collateral fetch") << s.message();  // beyond grace
}

TEST_F(PcsFetchTest, CrlsAreJudgedByDateAndSigner) {
  ra::TdxCollateral c = BundleCollateral(kBundle);
  ra::VerifiedTdxCollateral v;
  // Before the PCK CRL's thisUpdate (2025-06-19T10:00:35Z).
  ra::Status s = VerifyFor(p_, c, Utc(2025, 6, 18), &v);
  EXPECT_EQ(s.check(), "pck crl") << s.message();
  EXPECT_NE(s.message().find("not yet valid"), std::string::npos) << s.message();
  // A PCK CRL for the other CA.
  s = ra::VerifyTdxCollateral(c, p_.pck.fmspc, &p_.pck.pce_id, ra::PckCa::kProcessor, anchors_,
                              opt_, kNow, &v);
  EXPECT_EQ(s.check(), "pck crl") << s.message();
  // The root CRL in place of the PCK CRL: signed by the root, not the PCK CA.
  ra::TdxCollateral swapped = c;
  swapped.root_ca_crl = c.pck_crl;
  s = VerifyFor(p_, swapped, kNow, &v);
  EXPECT_EQ(s.check(), "root ca crl") << s.message();
  // Missing CRLs refuse unless CheckRevocation no.
  ra::TdxCollateral bare = c;
  bare.pck_crl.clear();
  s = VerifyFor(p_, bare, kNow, &v);
  EXPECT_EQ(s.check(), "crl") << s.message();
  EXPECT_NE(s.message().find("CheckRevocation no"), std::string::npos) << s.message();
  opt_.check_revocation = false;
  bare.root_ca_crl.clear();
  s = VerifyFor(p_, bare, kNow, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(v.crls.empty());
}

TEST_F(PcsFetchTest, MinTcbEvaluationDataNumberRefusesRollback) {
  ra::TdxCollateral c = BundleCollateral(kBundle);  // evaluation data number 17
  ra::VerifiedTdxCollateral v;
  opt_.min_tcb_evaluation_data_number = 17;
  ra::Status s = VerifyFor(p_, c, kNow, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  opt_.min_tcb_evaluation_data_number = 18;
  s = VerifyFor(p_, c, kNow, &v);
  EXPECT_EQ(s.check(), "tcb evaluation data number") << s.message();
  EXPECT_NE(s.message().find("17"), std::string::npos) << s.message();
}

TEST_F(PcsFetchTest, WrongFmspcAndSignatureRefused) {
  ra::TdxCollateral other = BundleCollateral(kOtherBundle);
  ra::VerifiedTdxCollateral v;
  ra::Status s = VerifyFor(p_, other, Utc(2025, 6, 20), &v);
  EXPECT_EQ(s.check(), "tcb info fmspc") << s.message();
  ra::TdxCollateral c = BundleCollateral(kBundle);
  size_t at = c.qe_identity.find("\"signature\":\"") + 13;
  c.qe_identity[at] = c.qe_identity[at] == 'a' ? 'b' : 'a';
  s = VerifyFor(p_, c, kNow, &v);
  EXPECT_EQ(s.check(), "qe identity signature") << s.message();
  // A chain that does not reach the anchors.
  c = BundleCollateral(kBundle);
  s = ra::VerifyTdxCollateral(c, p_.pck.fmspc, &p_.pck.pce_id, p_.ca, {}, opt_, kNow, &v);
  EXPECT_EQ(s.check(), "root ca crl") << s.message();
}

TEST_F(PcsFetchTest, TcbGracePeriodForgivesOutOfDateForALimitedTime) {
  Platform gcp;
  LoadPlatform(kGcpQuote, &gcp);
  const std::time_t now = Utc(2025, 6, 5, 3, 45);
  ra::TdxCollateral c = BundleCollateral(kOtherBundle);
  ra::VerifiedTdxCollateral v;
  ra::Status s = VerifyFor(gcp, c, now, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  auto [r, g] = EvaluateFor(gcp, v, now);
  EXPECT_EQ(r.status, "OutOfDate");
  EXPECT_EQ(g.out_of_date_since, Utc(2024, 3, 13));  // the UpToDate level's tcbDate
  EXPECT_FALSE(g.within_grace);
  EXPECT_FALSE(ra::TcbStatusAllowed(r.status, g, {"UpToDate"}));
  // 2024-03-13 + 500 days covers 2025-06-05; + 400 days does not.
  opt_.tcb_grace_period = 500 * 86400;
  std::tie(r, g) = EvaluateFor(gcp, v, now);
  EXPECT_TRUE(g.within_grace);
  EXPECT_EQ(r.status, "OutOfDate");  // the status itself is Intel's
  EXPECT_TRUE(ra::TcbStatusAllowed(r.status, g, {"UpToDate"}));
  EXPECT_FALSE(ra::TcbStatusAllowed(r.status, g, {"SWHardeningNeeded"}));
  opt_.tcb_grace_period = 400 * 86400;
  std::tie(r, g) = EvaluateFor(gcp, v, now);
  EXPECT_FALSE(g.within_grace);
  EXPECT_FALSE(ra::TcbStatusAllowed(r.status, g, {"UpToDate"}));
}

TEST_F(PcsFetchTest, DirectorySourceRequiresCrlsUnlessToldOtherwise) {
  Platform spr;
  LoadPlatform("tdx/gotdx_quote_v4_SPR_E4.dat", &spr);
  const std::time_t now = Utc(2023, 6, 20);
  auto full = ra::MakeDirectoryCollateralSource(VectorPath("tdx/collateral"));
  ra::TdxCollateral c;
  ra::Status s = full->Get(spr.pck.fmspc, spr.ca, now, 0, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::VerifiedTdxCollateral v;
  s = VerifyFor(spr, c, now, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(v.crls.size(), 2u);
  s = ra::VerifyPckChainWithCollateral(spr.chain[0].get(), spr.untrusted, anchors_, v, now);
  EXPECT_TRUE(s.ok()) << s.message();
  // Intel's TCB info has no level for this early platform (as in
  // TdxTcb.EndToEndIntelSigned2023): everything before that passed.
  ra::TdxTcbResult r;
  s = ra::EvaluateTdxTcbWithCollateral(spr.q, spr.pck, v, opt_, now, &r, nullptr);
  EXPECT_EQ(s.check(), "tcb status") << s.message();
  EXPECT_NE(s.message().find("not supported"), std::string::npos) << s.message();

  // The same directory without its CRLs.
  TempDir bare;
  for (const char* f : {"tcbinfo_tdx_50806f000000_2023-06.json", "qeidentity_td_qe_2023-06.json",
                        "tcb_signing_chain.pem"})
    ra_test::WriteFile(bare / f, ra_test::ReadFile(VectorPath(std::string("tdx/collateral/") + f)));
  auto src = ra::MakeDirectoryCollateralSource(bare.path());
  ASSERT_TRUE(src->Get(spr.pck.fmspc, spr.ca, now, 0, &c).ok());
  s = VerifyFor(spr, c, now, &v);
  EXPECT_EQ(s.check(), "crl") << s.message();
  opt_.check_revocation = false;
  s = VerifyFor(spr, c, now, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  // An FMSPC the directory has nothing for.
  ra::Fmspc unknown{1, 2, 3, 4, 5, 6};
  s = full->Get(unknown, spr.ca, now, 0, &c);
  EXPECT_EQ(s.check(), "tcb info") << s.message();
}

// Intel's PCS serves SGX collateral beside the TDX files, under the same
// names; a directory holding both still serves the TDX platform (the SGX
// documents are skipped as another FMSPC's are: before, their "id"
// refused every verification), and a broken TDX document is still an
// error.
TEST_F(PcsFetchTest, DirectorySkipsOtherTeesCollateral) {
  Platform spr;
  LoadPlatform("tdx/gotdx_quote_v4_SPR_E4.dat", &spr);
  const std::time_t now = Utc(2023, 6, 20);
  TempDir d;
  for (const char* f : {"tcbinfo_tdx_50806f000000_2023-06.json", "qeidentity_td_qe_2023-06.json",
                        "tcb_signing_chain.pem", "pckcrl_platform_2023-06.der",
                        "rootca_crl_2023-04.der"})
    ra_test::WriteFile(d / f, ra_test::ReadFile(VectorPath(std::string("tdx/collateral/") + f)));
  const std::string sig = "\"signature\":\"" + std::string(128, '0') + "\"}";
  ra_test::WriteFile(d / "tcbinfo_sgx_00906ed50000.json",
                     "{\"tcbInfo\":{\"id\":\"SGX\",\"version\":3,\"fmspc\":\"00906ED50000\"}," + sig);
  ra_test::WriteFile(d / "qeidentity_sgx.json",
                     "{\"enclaveIdentity\":{\"id\":\"QE\",\"version\":2}," + sig);
  ra_test::WriteFile(d / "qeidentity_qve.json",
                     "{\"enclaveIdentity\":{\"id\":\"QVE\",\"version\":2}," + sig);
  auto src = ra::MakeDirectoryCollateralSource(d.path());
  ra::TdxCollateral c;
  ra::Status s = src->Get(spr.pck.fmspc, spr.ca, now, 0, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.tcb_info,
            ra_test::ReadFile(VectorPath("tdx/collateral/tcbinfo_tdx_50806f000000_2023-06.json")));
  ra::VerifiedTdxCollateral v;
  s = VerifyFor(spr, c, now, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  ra_test::WriteFile(d / "tcbinfo_tdx_broken.json",
                     "{\"tcbInfo\":{\"id\":\"TDX\",\"version\":3}," + sig);
  s = src->Get(spr.pck.fmspc, spr.ca, now, 0, &c);
  EXPECT_EQ(s.check(), "tcb info") << s.message();
}

// CheckRevocation no with one CRL of the two: the PCK chain is checked
// against the CRL there is (a bad one still refuses), and the certificate
// the missing CRL would cover is not refused for want of it (OpenSSL's
// "unable to get certificate CRL" at depth 0 or 1 before).
TEST_F(PcsFetchTest, OneCrlWithoutCheckRevocationChecksThatOne) {
  opt_.check_revocation = false;
  const ra::TdxCollateral full = BundleCollateral(kBundle);
  for (int keep_root = 0; keep_root < 2; keep_root++) {
    SCOPED_TRACE(keep_root ? "root CA CRL only" : "PCK CA CRL only");
    ra::TdxCollateral c = full;
    if (keep_root) {
      c.pck_crl.clear();
      c.pck_crl_issuer_chain.clear();
    } else {
      c.root_ca_crl.clear();
    }
    ra::VerifiedTdxCollateral v;
    ra::Status s = VerifyFor(p_, c, kNow, &v);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(v.crls.size(), 1u);
    EXPECT_FALSE(v.crls_complete);
    s = ra::VerifyPckChainWithCollateral(p_.chain[0].get(), p_.untrusted, anchors_, v, kNow);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  // The PCK CRL alone, its issuer chain not given and its signature
  // broken: the chain check, which verifies it, refuses.
  ra::TdxCollateral c = full;
  c.root_ca_crl.clear();
  c.pck_crl_issuer_chain.clear();
  c.pck_crl.back() ^= 0x01;
  ra::VerifiedTdxCollateral v;
  ASSERT_TRUE(VerifyFor(p_, c, kNow, &v).ok());
  ra::Status s = ra::VerifyPckChainWithCollateral(p_.chain[0].get(), p_.untrusted, anchors_, v,
                                                  kNow);
  EXPECT_EQ(s.check(), "pck chain");
  EXPECT_NE(s.detail().find("CRL signature"), std::string::npos) << s.message();
  // Both present: complete, and verified as before.
  ASSERT_TRUE(VerifyFor(p_, full, kNow, &v).ok());
  EXPECT_TRUE(v.crls_complete);
  s = ra::VerifyPckChainWithCollateral(p_.chain[0].get(), p_.untrusted, anchors_, v, kNow);
  EXPECT_TRUE(s.ok()) << s.message();
}

// Intel's files as its PCS serves them (bodies verbatim), for the 2023
// SPR platform: every check up to the TCB level passes.
TEST_F(PcsFetchTest, IntelFilesServedAsPcsVerify) {
  const std::string col = VectorPath("tdx/collateral/");
  PcsEmulator e(dir_.path(), {"--files", col + "tcbinfo_tdx_50806f000000_2023-06.json",
                              col + "qeidentity_td_qe_2023-06.json",
                              col + "tcb_signing_chain.pem", col + "pckcrl_platform_2023-06.der",
                              col + "pckcrl_issuer_chain.pem", col + "rootca_crl_2023-04.der"});
  Platform spr;
  LoadPlatform("tdx/gotdx_quote_v4_SPR_E4.dat", &spr);
  const std::time_t now = Utc(2023, 6, 20);
  auto src = ra::MakePcsCollateralSource(Pcs(e), anchors_, opt_);
  ra::TdxCollateral c;
  ra::Status s = src->Get(spr.pck.fmspc, spr.ca, now, 5000, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.tcb_info, ra_test::ReadFile(col + "tcbinfo_tdx_50806f000000_2023-06.json"));
  // As the verifier calls it (served from the cache this time).
  ra::VerifiedTdxCollateral v;
  s = ra::LoadVerifiedTdxCollateral(*src, spr.chain[0].get(), spr.pck, anchors_, opt_, now, 5000,
                                    &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 4);
  EXPECT_EQ(v.crls.size(), 2u);
  s = ra::VerifyPckChainWithCollateral(spr.chain[0].get(), spr.untrusted, anchors_, v, now);
  EXPECT_TRUE(s.ok()) << s.message();
  // The same emulator still serves the bundle platform, and the cache
  // keeps the two apart.
  ra::TdxCollateral b;
  s = Fetch(Pcs(e), kNow, &b);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 8);
  s = src->Get(spr.pck.fmspc, spr.ca, now, 5000, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 8);
}

// Every real quote and collateral pair of tdx/bundles, checked as a
// fetched answer would be and evaluated at the time its source pins: the
// status is Intel's (DCAP QVL tdxEvaluateTCB, and what each source
// reports: README of ../shared/vectors), a platform no level covers is
// "not supported".
TEST(PcsBundles, EveryRealBundleGivesIntelsStatus) {
  std::vector<ra::X509Ptr> root;
  ASSERT_TRUE(ra::LoadPemCerts(ra::kIntelSgxRootCaPem, "root", &root).ok());
  const std::vector<X509*> anchors = {root[0].get()};
  struct Case {
    const char* quote;
    const char* bundle;
    std::time_t at;
    const char* status;  // "" = no TCB level matches
  } cases[] = {
      {kQuote, kBundle, kNow, "UpToDate"},
      {"tdx/bundles/dcapqvl_tdx_quote_outdated_v5_90c06f.dat",
       "tdx/bundles/dcapqvl_tdx_quote_outdated_collateral_2026-02.json", Utc(2026, 3, 1), ""},
      {"tdx/gotdx_quote_v5_EMR.dat",
       "tdx/bundles/dcapqvl_tdx_quote_outdated_collateral_2026-02.json", Utc(2026, 3, 1),
       "UpToDate"},
      {"tdx/bundles/dcapqvl_near_quote_v4_20a06f.hex",
       "tdx/bundles/dcapqvl_near_quote_collateral_2025-09.json", Utc(2025, 9, 15), "UpToDate"},
      {"tdx/bundles/nearmpc_quote_v4_b0c06f_2026-08.dat",
       "tdx/bundles/nearmpc_collateral_2026-08_b0c06f.json", Utc(2026, 8, 13, 12), "UpToDate"},
      {kGcpQuote, kOtherBundle, Utc(2025, 6, 5, 3, 45), "OutOfDate"},
      {"tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat", kOtherBundle, Utc(2025, 6, 5, 3, 45),
       "UpToDate"},
      {"tdx/bundles/automata_alibaba_quote_v5_90c06f.dat",
       "tdx/bundles/automata_collateral_2025-06_90c06f000000.json", Utc(2025, 6, 15), "UpToDate"},
      {"tdx/trustee_tdx_quote_5_v5.dat",
       "tdx/bundles/automata_collateral_2025-06_90c06f000000.json", Utc(2025, 6, 15), ""},
      {"tdx/trustee_tdx_quote_6_v4.dat",
       "tdx/bundles/assembled_collateral_2025-10_00a06d080000.json", Utc(2025, 11, 1),
       "OutOfDate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.quote);
    Platform p;
    ra::Bytes raw = ReadVector(c.quote);
    const std::string name = c.quote;
    if (name.compare(name.size() - 4, 4, ".hex") == 0) {  // hex text
      std::string text(raw.begin(), raw.end());
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      ASSERT_TRUE(ra::HexDecode(text, &raw).ok());
    }
    ASSERT_TRUE(ra::ParseTdxQuote(raw, &p.q).ok());
    ASSERT_TRUE(ra::LoadPemCerts(p.q.pck_chain_pem, "pck chain", &p.chain, 8).ok());
    for (size_t i = 1; i < p.chain.size(); i++) p.untrusted.push_back(p.chain[i].get());
    ASSERT_TRUE(ra::PckExtensionsFromX509(p.chain[0].get(), &p.pck).ok());
    ASSERT_TRUE(ra::PckCaOfLeaf(p.chain[0].get(), &p.ca).ok());
    ra::CollateralOptions opt;
    ra::VerifiedTdxCollateral v;
    ra::Status s = ra::VerifyTdxCollateral(BundleCollateral(c.bundle), p.pck.fmspc, &p.pck.pce_id,
                                           p.ca, anchors, opt, c.at, &v);
    ASSERT_TRUE(s.ok()) << s.message();
    s = ra::VerifyPckChainWithCollateral(p.chain[0].get(), p.untrusted, anchors, v, c.at);
    ASSERT_TRUE(s.ok()) << s.message();
    ra::TdxTcbResult r;
    s = ra::EvaluateTdxTcbWithCollateral(p.q, p.pck, v, opt, c.at, &r, nullptr);
    if (*c.status) {
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(r.status, c.status);
    } else {
      EXPECT_EQ(s.check(), "tcb status");
      EXPECT_NE(s.detail().find("no TCB level matches"), std::string::npos) << s.message();
    }
  }
}

TEST(PcsHeaders, RealIssuerChainHeadersDecode) {
  for (const char* f : {"pcs/gotdx_header_TCB-Info-Issuer-Chain_2023-06.txt",
                        "pcs/gotdx_header_SGX-Enclave-Identity-Issuer-Chain_2023-06.txt",
                        "pcs/gotdx_header_SGX-PCK-CRL-Issuer-Chain_2023-06.txt"}) {
    ra::Bytes b = ReadVector(f);
    std::string v(b.begin(), b.end());
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    std::string pem;
    ra::Status s = ra::DecodeIssuerChainHeader(v, "h", &pem);
    ASSERT_TRUE(s.ok()) << f << ": " << s.message();
    std::vector<ra::X509Ptr> certs;
    ASSERT_TRUE(ra::LoadPemCerts(pem, "h", &certs).ok());
    EXPECT_EQ(certs.size(), 2u) << f;
  }
}

TEST(PcsHeaders, MalformedHeadersRefused) {
  std::string pem;
  EXPECT_FALSE(ra::DecodeIssuerChainHeader("%zz", "h", &pem).ok());
  EXPECT_FALSE(ra::DecodeIssuerChainHeader("abc%4", "h", &pem).ok());
  EXPECT_FALSE(ra::DecodeIssuerChainHeader("no certificate here", "h", &pem).ok());
  EXPECT_FALSE(ra::DecodeIssuerChainHeader(std::string("a\x01", 2), "h", &pem).ok());
  EXPECT_FALSE(ra::DecodeIssuerChainHeader(std::string(70000, 'A'), "h", &pem).ok());
  ra::Bytes der;
  EXPECT_FALSE(ra::DecodeCrlBody("", "crl", &der).ok());
  EXPECT_FALSE(ra::DecodeCrlBody("zz", "crl", &der).ok());
  EXPECT_FALSE(ra::DecodeCrlBody("3000", "crl", &der).ok());
  ra::Bytes real = ReadVector("tdx/collateral/rootca_crl_2023-04.der");
  std::string hex = ra::HexEncode(real);
  ASSERT_TRUE(ra::DecodeCrlBody(hex + "\n", "crl", &der).ok());
  EXPECT_EQ(der, real);
  ASSERT_TRUE(ra::DecodeCrlBody(std::string(real.begin(), real.end()), "crl", &der).ok());
  EXPECT_EQ(der, real);
}

TEST(PcsHeaders, TcbDateAndPckCaAreStrict) {
  ra::Bytes b = ReadVector("tdx/collateral/tcbinfo_tdx_00a06d080000_2025-10.json");
  std::string body(b.begin(), b.end()), text;
  ra::Bytes sig;
  ASSERT_TRUE(ra::ExtractSignedCollateral(body, "tcbInfo", &text, &sig).ok());
  ra::TdxTcbInfo info;
  ASSERT_TRUE(ra::ParseTdxTcbInfo(text, &info).ok());
  ASSERT_GT(info.levels.size(), 1u);
  EXPECT_GT(info.levels[0].tcb_date, info.levels[1].tcb_date);
  // The last tcbDate is a platform level's (module levels come first).
  size_t at = text.rfind("\"tcbDate\":\"");
  ASSERT_NE(at, std::string::npos);
  std::string bad = text;
  bad.replace(at + 11, 4, "20x5");
  EXPECT_EQ(ra::ParseTdxTcbInfo(bad, &info).check(), "tcb info");
  // A certificate not issued by a PCK CA.
  std::vector<ra::X509Ptr> root;
  ASSERT_TRUE(ra::LoadPemCerts(ra::kIntelSgxRootCaPem, "root", &root).ok());
  ra::PckCa ca;
  EXPECT_EQ(ra::PckCaOfLeaf(root[0].get(), &ca).check(), "pck ca");
}

TEST(PcsHeaders, UrlsFollowTheV4Api) {
  ra::Fmspc f{0xb0, 0xc0, 0x6f, 0, 0, 0};
  ra::PcsUrls u = ra::MakePcsUrls("https://pccs.example:8081/", f, ra::PckCa::kProcessor);
  EXPECT_EQ(u.tcb, "https://pccs.example:8081/tdx/certification/v4/tcb?fmspc=B0C06F000000");
  EXPECT_EQ(u.qe_identity, "https://pccs.example:8081/tdx/certification/v4/qe/identity");
  EXPECT_EQ(u.pck_crl,
            "https://pccs.example:8081/sgx/certification/v4/pckcrl?ca=processor&encoding=der");
  EXPECT_EQ(u.root_ca_crl, "https://pccs.example:8081/sgx/certification/v4/rootcacrl");
  u = ra::MakePcsUrls("https://api.trustedservices.intel.com", f, ra::PckCa::kPlatform);
  EXPECT_EQ(u.root_ca_crl, "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");
  ra::PcsOptions o;
  o.base_url = "http://api.trustedservices.intel.com";
  ra::TdxCollateral c;
  EXPECT_EQ(ra::FetchTdxCollateral(o, f, ra::PckCa::kPlatform, 1000, &c).check(),
            "collateral fetch");
}

}  // namespace

namespace {

// Collateral from emulator e (cache in dir/cache) through a policy file.
ra::Policy CollateralPolicy(const TempDir& dir, const PcsEmulator& e) {
  ra_test::WriteFile(dir / "deadline-policy", "Collateral " + e.url() + "\nCollateralCA " +
                                                  e.ca() + "\nCollateralCache " +
                                                  dir / "cache" + "\n");
  ra::Policy p;
  ra::Status s = ra::LoadPolicyFile(dir / "deadline-policy", &p);
  EXPECT_TRUE(s.ok()) << s.message();
  return p;
}

}  // namespace

// The caller's deadline (ssh: the rest of AttestationTimeout) bounds the
// fetch through the front door, not the fetcher's own 10 s, and the
// refusal says whose deadline it was.
TEST_F(PcsFetchTest, FrontDoorFetchEndsAtTheCallersDeadline) {
  PcsEmulator e(dir_.path(), {"--slow", "8"});
  const ra::Policy policy = CollateralPolicy(dir_, e);
  const std::vector<ra::EvidenceItem> items = {{ra::kEvidenceTdxQuote, p_.raw}};
  const auto t0 = std::chrono::steady_clock::now();
  ra::Status s = ra::Evaluate(items, policy, nullptr, kNow, nullptr,
                              t0 + std::chrono::milliseconds(1500));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(s.check(), "collateral fetch") << s.message();
  EXPECT_NE(s.detail().find("AttestationTimeout"), std::string::npos) << s.message();
  EXPECT_GE(ms, 1000) << s.message();
  EXPECT_LT(ms, 3000) << s.message();
}

// A deadline already spent starts no fetch; a warm cache needs none and
// still serves.
TEST_F(PcsFetchTest, SpentDeadlineFetchesNothingWarmCacheStillServes) {
  PcsEmulator e(dir_.path(), {});
  const ra::Policy policy = CollateralPolicy(dir_, e);
  const std::vector<ra::EvidenceItem> items = {{ra::kEvidenceTdxQuote, p_.raw}};
  const ra::FetchDeadline spent = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  ra::Status s = ra::Evaluate(items, policy, nullptr, kNow, nullptr, spent);
  EXPECT_EQ(s.check(), "collateral fetch") << s.message();
  EXPECT_NE(s.detail().find("no time left"), std::string::npos) << s.message();
  EXPECT_EQ(e.requests(), 0);
  s = ra::Evaluate(items, policy, nullptr, kNow, nullptr,
                   std::chrono::steady_clock::now() + std::chrono::seconds(20));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 4);
  s = ra::Evaluate(items, policy, nullptr, kNow, nullptr, spent);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.requests(), 4) << "a warm cache makes no request";
}

// The C ABI ssh calls with what is left of AttestationTimeout: a slow PCS
// is refused within it, naming the fetch and the timeout.  (An end-to-end
// ssh test cannot reach the fetch: a sim server's PCK chain is not
// Intel's, so Intel's collateral never applies to it.)
TEST_F(PcsFetchTest, CapiVerifyWithinEndsAtTheTimeout) {
  PcsEmulator e(dir_.path(), {"--slow", "8"});
  (void)CollateralPolicy(dir_, e);  // writes deadline-policy
  char err[512];
  ra_policy* pol = nullptr;
  ASSERT_EQ(ra_policy_load((dir_ / "deadline-policy").c_str(), &pol, err, sizeof(err)), RA_OK)
      << err;
  ra_evidence* ev = ra_evidence_new();
  ASSERT_EQ(ra_evidence_add(ev, ra::kEvidenceTdxQuote, p_.raw.data(), p_.raw.size(), err,
                            sizeof(err)),
            RA_OK)
      << err;
  const auto t0 = std::chrono::steady_clock::now();
  ra_verdict* v = nullptr;
  int rc = ra_verify_verdict_within(pol, ev, p_.q.body.report_data.data(), kNow, 1500, &v, err,
                                    sizeof(err));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
  EXPECT_EQ(rc, RA_ERR_REFUSED);
  EXPECT_EQ(v, nullptr);
  EXPECT_NE(std::string(err).find("collateral fetch"), std::string::npos) << err;
  EXPECT_NE(std::string(err).find("AttestationTimeout"), std::string::npos) << err;
  EXPECT_LT(ms, 3000) << err;
  ra_verdict_free(v);
  ra_evidence_free(ev);
  ra_policy_free(pol);
}
