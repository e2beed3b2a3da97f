// Cached evidence (AcceptCachedEvidence, MaxEvidenceAge): the policy
// keywords, the age rule (verify/cached_evidence.h) and its C ABI.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "policy/policy.h"
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

}  // namespace
