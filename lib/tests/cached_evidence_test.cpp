// Cached evidence (AcceptCachedEvidence, MaxEvidenceAge): the policy
// keywords, the age rule (verify/cached_evidence.h) and its C ABI.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "provider/sim_tdx_authority.h"
#include "ra_attest.h"
#include "ra_test_util.h"
#include "verify/cached_evidence.h"

namespace {

ra::Status Parse(const std::string& text, ra::Policy* pol) {
  return ra::ParsePolicy(text, "p.conf", pol);
}

void ExpectParseError(const std::string& text, const std::string& needle) {
  ra::Policy pol;
  ra::Status s = Parse(text, &pol);
  ASSERT_FALSE(s.ok()) << "accepted: " << text;
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

ra::CommonPolicy Cached(int64_t max_age, int64_t skew = 60) {
  ra::CommonPolicy p;
  p.accept_cached_evidence = true;
  p.max_evidence_age = max_age;
  p.clock_skew = skew;
  return p;
}

const int64_t kNow = 1800000000;

TEST(CachedEvidencePolicy, DefaultRefusesCached) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("", &pol).ok());
  EXPECT_FALSE(pol.accept_cached_evidence);
  ra::Status s = ra::CheckCachedEvidenceAge(pol, kNow, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "cached evidence");
  EXPECT_NE(s.detail().find("AcceptCachedEvidence no"), std::string::npos) << s.message();
}

TEST(CachedEvidencePolicy, Keywords) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("acceptcachedevidence YES\nMaxEvidenceAge 300\n", &pol).ok());
  EXPECT_TRUE(pol.accept_cached_evidence);
  EXPECT_EQ(pol.max_evidence_age, 300);
  ASSERT_TRUE(Parse("AcceptCachedEvidence no\n", &pol).ok());
  EXPECT_FALSE(pol.accept_cached_evidence);
}

TEST(CachedEvidencePolicy, KeywordErrors) {
  ExpectParseError("AcceptCachedEvidence yes\n", "AcceptCachedEvidence yes needs MaxEvidenceAge");
  ExpectParseError("MaxEvidenceAge 30\n", "MaxEvidenceAge without AcceptCachedEvidence yes");
  ExpectParseError("AcceptCachedEvidence no\nMaxEvidenceAge 30\n",
                   "MaxEvidenceAge without AcceptCachedEvidence yes");
  ExpectParseError("AcceptCachedEvidence maybe\nMaxEvidenceAge 30\n", "is not yes or no");
  ExpectParseError("AcceptCachedEvidence\n", "missing argument");
  ExpectParseError("AcceptCachedEvidence yes no\n", "extra argument");
  ExpectParseError("AcceptCachedEvidence yes\nAcceptCachedEvidence yes\nMaxEvidenceAge 1\n",
                   "duplicate AcceptCachedEvidence");
  ExpectParseError("AcceptCachedEvidence yes\nMaxEvidenceAge 0\n", "accepts nothing");
  ExpectParseError("AcceptCachedEvidence yes\nMaxEvidenceAge -5\n", "not a number of seconds");
  ExpectParseError("AcceptCachedEvidence yes\nMaxEvidenceAge 5m\n", "not a number of seconds");
  ExpectParseError("AcceptCachedEvidence yes\nMaxEvidenceAge 999999999999\n",
                   "exceeds the maximum");
  ExpectParseError("AcceptCachedEvidence yes\nMaxEvidenceAge 5\nMaxEvidenceAge 6\n",
                   "duplicate MaxEvidenceAge");
}

TEST(CachedEvidenceAge, WithinTheWindow) {
  EXPECT_TRUE(ra::CheckCachedEvidenceAge(Cached(30), kNow, kNow).ok());
  EXPECT_TRUE(ra::CheckCachedEvidenceAge(Cached(30), kNow - 30, kNow).ok());  // boundary
  EXPECT_TRUE(ra::CheckCachedEvidenceAge(Cached(30), kNow + 60, kNow).ok());  // skew
}

TEST(CachedEvidenceAge, TooOld) {
  ra::Status s = ra::CheckCachedEvidenceAge(Cached(30), kNow - 31, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cached evidence age: made 31 s ago, older than MaxEvidenceAge 30");
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30), 0, kNow).ok());
}

TEST(CachedEvidenceAge, SkewDoesNotLengthenTheWindow) {
  // ClockSkew tolerates a server clock ahead, never an older report.
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30, 3600), kNow - 31, kNow).ok());
}

TEST(CachedEvidenceAge, FutureBeyondSkew) {
  ra::Status s = ra::CheckCachedEvidenceAge(Cached(30, 60), kNow + 61, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cached evidence age: made 61 s in the future by the server's clock (ClockSkew 60)");
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30, 0), kNow + 1, kNow).ok());
  // Values no clock shows, which must not wrap into the window.
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30), UINT64_MAX, kNow).ok());
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30), UINT64_MAX - 10, kNow).ok());
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30), uint64_t{1} << 63, kNow).ok());
}

TEST(CachedEvidenceAge, ClockBeforeEpoch) {
  EXPECT_FALSE(ra::CheckCachedEvidenceAge(Cached(30), 0, -1).ok());
}

TEST(CachedEvidenceCapi, AcceptsAndAge) {
  ra_test::TempDir dir;
  const std::string cached = dir.path() + "/cached.conf";
  const std::string fresh = dir.path() + "/fresh.conf";
  ra_test::WriteFile(cached, "AcceptCachedEvidence yes\nMaxEvidenceAge 10\n");
  ra_test::WriteFile(fresh, "AcceptEvidence tdx-quote\n");
  char err[256];
  struct ra_policy *pc = nullptr, *pf = nullptr;
  ASSERT_EQ(ra_policy_load(cached.c_str(), &pc, err, sizeof(err)), RA_OK) << err;
  ASSERT_EQ(ra_policy_load(fresh.c_str(), &pf, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(ra_policy_accepts_cached(pc), 1);
  EXPECT_EQ(ra_policy_accepts_cached(pf), 0);
  EXPECT_EQ(ra_policy_accepts_cached(nullptr), 0);
  EXPECT_EQ(ra_policy_check_cached_age(pc, kNow - 10, kNow, err, sizeof(err)), RA_OK) << err;
  EXPECT_STREQ(err, "");
  EXPECT_EQ(ra_policy_check_cached_age(pc, kNow - 11, kNow, err, sizeof(err)), RA_ERR_REFUSED);
  EXPECT_STREQ(err, "cached evidence age: made 11 s ago, older than MaxEvidenceAge 10");
  EXPECT_EQ(ra_policy_check_cached_age(pf, kNow, kNow, err, sizeof(err)), RA_ERR_REFUSED);
  EXPECT_NE(std::string(err).find("AcceptCachedEvidence no"), std::string::npos) << err;
  EXPECT_EQ(ra_policy_check_cached_age(nullptr, kNow, kNow, err, sizeof(err)), RA_ERR_INVALID);
  // now 0: the current time
  EXPECT_EQ(ra_policy_check_cached_age(pc, static_cast<uint64_t>(time(nullptr)), 0, err,
                                       sizeof(err)),
            RA_OK)
      << err;
  ra_policy_free(pc);
  ra_policy_free(pf);
}

// The cached binding as docs/protocol.md lays it out (ra_ssh.c's
// ra_ssh_cached_binding computes it for ssh and sshd):
// SHA-512("ra-ssh-cached-v1" || string(host key blob) || uint64(made_at) ||
// string(random)).  Evidence made for one set of inputs must be refused
// for any other: another host key (a relay), another time (an older
// report passed off as young), another random value, the fresh label.
std::vector<uint8_t> CachedBinding(const std::string& label, const std::string& blob,
                                   uint64_t made_at, const std::string& rnd) {
  std::string m = label;
  auto put_string = [&m](const std::string& v) {
    for (int i = 3; i >= 0; i--) m.push_back(static_cast<char>((v.size() >> (8 * i)) & 0xff));
    m += v;
  };
  put_string(blob);
  for (int i = 7; i >= 0; i--) m.push_back(static_cast<char>((made_at >> (8 * i)) & 0xff));
  put_string(rnd);
  std::vector<uint8_t> out(64);
  unsigned int n = 0;
  EXPECT_EQ(EVP_Digest(m.data(), m.size(), out.data(), &n, EVP_sha512(), nullptr), 1);
  return out;
}

TEST(CachedEvidenceBinding, EveryInputCounts) {
  ra_test::TempDir dir;
  ASSERT_TRUE(ra::SimInit(dir / "sim", {}).ok());
  ra_test::WriteFile(dir / "policy",
                     "TrustAnchor tdx sim/root.pem\nAcceptCachedEvidence yes\nMaxEvidenceAge 60\n");
  char err[256];
  struct ra_provider* prov = nullptr;
  struct ra_policy* pol = nullptr;
  ASSERT_EQ(ra_provider_open(("sim:" + dir / "sim").c_str(), &prov, err, sizeof(err)), RA_OK)
      << err;
  ASSERT_EQ(ra_policy_load((dir / "policy").c_str(), &pol, err, sizeof(err)), RA_OK) << err;
  const std::string key_a = "\0\0\0\x0bssh-ed25519\0\0\0\x20" + std::string(32, 'A');
  const std::string key_b = "\0\0\0\x0bssh-ed25519\0\0\0\x20" + std::string(32, 'B');
  const std::string rnd(32, 'r');
  const std::string label = "ra-ssh-cached-v1";
  const uint64_t made_at = static_cast<uint64_t>(kNow);
  std::vector<uint8_t> made = CachedBinding(label, key_a, made_at, rnd);
  struct ra_evidence* ev = ra_evidence_new();
  ASSERT_EQ(ra_provider_collect(prov, made.data(), ev, err, sizeof(err)), RA_OK) << err;
  auto verify = [&](const std::vector<uint8_t>& b) {
    char summary[256];
    int rc = ra_verify(pol, ev, b.data(), 0, summary, sizeof(summary), err, sizeof(err));
    if (rc != RA_OK) {
      EXPECT_NE(std::string(err).find("binding"), std::string::npos) << err;
    }
    return rc;
  };
  EXPECT_EQ(verify(made), RA_OK) << err;
  EXPECT_EQ(verify(CachedBinding(label, key_b, made_at, rnd)), RA_ERR_REFUSED);
  EXPECT_EQ(verify(CachedBinding(label, key_a, made_at + 1, rnd)), RA_ERR_REFUSED);
  EXPECT_EQ(verify(CachedBinding(label, key_a, made_at, std::string(32, 's'))), RA_ERR_REFUSED);
  EXPECT_EQ(verify(CachedBinding("ra-ssh-attestation-v1", key_a, made_at, rnd)),
            RA_ERR_REFUSED);
  ra_evidence_free(ev);
  ra_policy_free(pol);
  ra_provider_free(prov);
}

}  // namespace
