// The C ABI's contract (ra_attest.h): argument checks, limits, error lines,
// and ra_verify's treatment of mixed evidence lists.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "parse/tdx_quote.h"
#include "provider/sim_tdx_authority.h"
#include "ra_attest.h"
#include "ra_test_util.h"

namespace {

using ra_test::TempDir;

const std::string kSprQuote = std::string(RA_VECTORS_DIR) + "/tdx/gotdx_quote_v4_SPR_E4.dat";
constexpr time_t kSprTime = 1687219200;  // 2023-06-20T00:00:00Z

const uint8_t kBinding[RA_BINDING_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};

struct Evidence {
  ra_evidence* ev = ra_evidence_new();
  ~Evidence() { ra_evidence_free(ev); }
};
struct Policy {
  ra_policy* pol = nullptr;
  ~Policy() { ra_policy_free(pol); }
};
struct Provider {
  ra_provider* p = nullptr;
  ~Provider() { ra_provider_free(p); }
};

bool OneLine(const char* s) { return std::strchr(s, '\n') == nullptr; }

TEST(CapiEvidence, AddCountGet) {
  Evidence e;
  ASSERT_NE(e.ev, nullptr);
  char err[128] = "stale";
  const uint8_t data[3] = {9, 8, 7};
  EXPECT_EQ(ra_evidence_add(e.ev, "tdx-quote", data, sizeof(data), err, sizeof(err)), RA_OK);
  EXPECT_STREQ(err, "");
  EXPECT_EQ(ra_evidence_add(e.ev, "x-empty", nullptr, 0, nullptr, 0), RA_OK);
  EXPECT_EQ(ra_evidence_count(e.ev), 2u);
  const char* type = nullptr;
  const uint8_t* d = nullptr;
  size_t len = 0;
  ASSERT_EQ(ra_evidence_get(e.ev, 0, &type, &d, &len), RA_OK);
  EXPECT_STREQ(type, "tdx-quote");
  ASSERT_EQ(len, 3u);
  EXPECT_EQ(std::memcmp(d, data, 3), 0);
  EXPECT_NE(d, data) << "data must be copied";
  ASSERT_EQ(ra_evidence_get(e.ev, 1, &type, nullptr, &len), RA_OK);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(ra_evidence_get(e.ev, 2, &type, &d, &len), RA_ERR_INVALID);
  EXPECT_EQ(ra_evidence_get(nullptr, 0, &type, &d, &len), RA_ERR_INVALID);
  EXPECT_EQ(ra_evidence_count(nullptr), 0u);
  ra_evidence_free(nullptr);
}

TEST(CapiEvidence, TypeAndLengthLimits) {
  Evidence e;
  char err[256];
  const uint8_t b = 0;
  for (const std::string& bad : {std::string(), std::string(RA_MAX_EVIDENCE_TYPE_LEN + 1, 't'),
                                 std::string("tdx quote"), std::string("a,b"),
                                 std::string("tab\t"), std::string("\x7f"),
                                 std::string("caf\xc3\xa9")}) {
    EXPECT_EQ(ra_evidence_add(e.ev, bad.c_str(), &b, 1, err, sizeof(err)), RA_ERR_INVALID)
        << bad;
    EXPECT_EQ(std::strncmp(err, "evidence: ", 10), 0) << err;
  }
  EXPECT_EQ(ra_evidence_add(e.ev, std::string(RA_MAX_EVIDENCE_TYPE_LEN, 't').c_str(), &b, 1,
                            err, sizeof(err)),
            RA_OK);
  std::vector<uint8_t> big(RA_MAX_EVIDENCE_ITEM_LEN + 1);
  EXPECT_EQ(ra_evidence_add(e.ev, "tdx-quote", big.data(), big.size(), err, sizeof(err)),
            RA_ERR_INVALID);
  EXPECT_NE(std::strstr(err, "exceeds"), nullptr) << err;
  EXPECT_EQ(ra_evidence_add(e.ev, "tdx-quote", big.data(), big.size() - 1, err, sizeof(err)),
            RA_OK);
  EXPECT_EQ(ra_evidence_add(e.ev, "tdx-quote", nullptr, 1, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_evidence_add(e.ev, nullptr, &b, 1, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_evidence_add(nullptr, "t", &b, 1, err, sizeof(err)), RA_ERR_INVALID);

  while (ra_evidence_count(e.ev) < RA_MAX_EVIDENCE_ITEMS)
    ASSERT_EQ(ra_evidence_add(e.ev, "t", &b, 1, nullptr, 0), RA_OK);
  EXPECT_EQ(ra_evidence_add(e.ev, "t", &b, 1, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_NE(std::strstr(err, "more than 16 items"), nullptr) << err;
  EXPECT_EQ(ra_evidence_count(e.ev), static_cast<size_t>(RA_MAX_EVIDENCE_ITEMS));
}

TEST(CapiErrors, TruncatedAndOneLine) {
  Policy p;
  // errlen 0: nothing written, not even the NUL.
  char guard[4] = {'x', 'x', 'x', 'x'};
  EXPECT_EQ(ra_policy_load("/nonexistent/policy", &p.pol, guard, 0), RA_ERR_POLICY);
  EXPECT_EQ(guard[0], 'x');
  EXPECT_EQ(ra_policy_load("/nonexistent/policy", &p.pol, nullptr, 0), RA_ERR_POLICY);
  EXPECT_EQ(p.pol, nullptr);
  // A short buffer gets a prefix and a NUL, never more.
  char small[8];
  std::memset(small, 'x', sizeof(small));
  EXPECT_EQ(ra_policy_load("/nonexistent/policy", &p.pol, small, 5), RA_ERR_POLICY);
  EXPECT_STREQ(small, "poli");
  EXPECT_EQ(small[5], 'x');
  // A newline in what the message quotes does not split the line.
  char err[256];
  EXPECT_EQ(ra_policy_load("/nonexistent/a\nb", &p.pol, err, sizeof(err)), RA_ERR_POLICY);
  EXPECT_TRUE(OneLine(err)) << err;
  EXPECT_NE(std::strstr(err, "a b"), nullptr) << err;
}

TEST(CapiPolicy, DefaultAndFile) {
  Policy def;
  char err[256];
  ASSERT_EQ(ra_policy_load(nullptr, &def.pol, err, sizeof(err)), RA_OK);
  EXPECT_STREQ(ra_policy_accepted_kinds(def.pol),
               "tdx-quote,tdx-eventlog,tdx-quote-sha512,snp-report,snp-certs,snp-vcek");
  EXPECT_STREQ(ra_policy_accepted_kinds(nullptr), "");
  EXPECT_EQ(ra_policy_load(nullptr, nullptr, err, sizeof(err)), RA_ERR_INVALID);

  TempDir dir;
  ra_test::WriteFile(dir / "p", "AcceptEvidence tdx-quote\nAllowDebug perhaps\n");
  Policy bad;
  EXPECT_EQ(ra_policy_load((dir / "p").c_str(), &bad.pol, err, sizeof(err)), RA_ERR_POLICY);
  EXPECT_EQ(bad.pol, nullptr);
  EXPECT_EQ(std::string(err).rfind("policy: " + dir / "p" + ":2: ", 0), 0u) << err;
  ra_policy_free(nullptr);
}

TEST(CapiProvider, OpenErrors) {
  Provider pr;
  char err[256];
  EXPECT_EQ(ra_provider_open("bogus", &pr.p, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(pr.p, nullptr);
  EXPECT_NE(std::strstr(err, "provider spec"), nullptr) << err;
  EXPECT_EQ(ra_provider_open("sim:/nonexistent", &pr.p, err, sizeof(err)), RA_ERR_PROVIDER);
  EXPECT_EQ(pr.p, nullptr);
  EXPECT_EQ(ra_provider_open(nullptr, &pr.p, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_provider_open("sim:/x", nullptr, err, sizeof(err)), RA_ERR_INVALID);
  ra_provider_free(nullptr);
}

class CapiSim : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ra::SimInit(dir_ / "sim", {}).ok());
    ra_test::WriteFile(dir_ / "policy", "TrustAnchor tdx sim/root.pem\n");
    char err[256];
    ASSERT_EQ(ra_provider_open(("sim:" + dir_ / "sim").c_str(), &prov_.p, err, sizeof(err)),
              RA_OK)
        << err;
    ASSERT_EQ(ra_policy_load((dir_ / "policy").c_str(), &pol_.pol, err, sizeof(err)), RA_OK)
        << err;
  }
  int Verify(const Evidence& e, std::string* msg, const uint8_t* binding = kBinding) {
    char summary[256], err[256];
    int rc = ra_verify(pol_.pol, e.ev, binding, 0, summary, sizeof(summary), err, sizeof(err));
    *msg = rc == RA_OK ? summary : err;
    EXPECT_TRUE(OneLine(msg->c_str()));
    if (rc == RA_OK) EXPECT_STREQ(err, "");
    else EXPECT_STREQ(summary, "");
    return rc;
  }

  TempDir dir_;
  Provider prov_;
  Policy pol_;
};

TEST_F(CapiSim, CollectAndVerify) {
  Evidence e;
  char err[256];
  ASSERT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, err, sizeof(err)), RA_OK) << err;
  ASSERT_EQ(ra_evidence_count(e.ev), 1u);
  std::string msg;
  EXPECT_EQ(Verify(e, &msg), RA_OK) << msg;
  EXPECT_EQ(msg.rfind("tdx-quote verified: mrtd=", 0), 0u) << msg;
  // 16 hex digits then an ellipsis.
  EXPECT_EQ(msg.find("..."), std::strlen("tdx-quote verified: mrtd=") + 16) << msg;
  EXPECT_NE(msg.find(" tcb="), std::string::npos) << msg;

  uint8_t other[RA_BINDING_LEN] = {0};
  EXPECT_EQ(Verify(e, &msg, other), RA_ERR_REFUSED);
  EXPECT_EQ(msg.rfind("report data binding", 0), 0u) << msg;
}

TEST_F(CapiSim, CollectNullsAndLimits) {
  Evidence e;
  char err[256];
  EXPECT_EQ(ra_provider_collect(nullptr, kBinding, e.ev, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_provider_collect(prov_.p, nullptr, e.ev, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_provider_collect(prov_.p, kBinding, nullptr, err, sizeof(err)), RA_ERR_INVALID);
  // The provider never makes a list the peer would have to refuse; on
  // failure the list is unchanged.
  const uint8_t b = 0;
  while (ra_evidence_count(e.ev) < RA_MAX_EVIDENCE_ITEMS)
    ASSERT_EQ(ra_evidence_add(e.ev, "x", &b, 1, nullptr, 0), RA_OK);
  EXPECT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, err, sizeof(err)), RA_ERR_PROVIDER);
  EXPECT_NE(std::strstr(err, "too many"), nullptr) << err;
  EXPECT_EQ(ra_evidence_count(e.ev), static_cast<size_t>(RA_MAX_EVIDENCE_ITEMS));
}

TEST_F(CapiSim, UnknownTypesSkippedNoneAccepted) {
  Evidence e;
  std::string msg;
  EXPECT_EQ(Verify(e, &msg), RA_ERR_REFUSED);
  EXPECT_NE(msg.find("received nothing"), std::string::npos) << msg;

  const uint8_t junk[4] = {1, 2, 3, 4};
  ASSERT_EQ(ra_evidence_add(e.ev, "azure-token", junk, 4, nullptr, 0), RA_OK);
  ASSERT_EQ(ra_evidence_add(e.ev, "tpm-quote", junk, 4, nullptr, 0), RA_OK);
  EXPECT_EQ(Verify(e, &msg), RA_ERR_REFUSED);
  EXPECT_NE(msg.find("policy accepts tdx-quote,tdx-eventlog,tdx-quote-sha512,snp-report,snp-certs,snp-vcek; "
                     "received azure-token,tpm-quote"),
            std::string::npos)
      << msg;

  // An unknown item beside a good quote is skipped, not fatal.
  ASSERT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, nullptr, 0), RA_OK);
  EXPECT_EQ(Verify(e, &msg), RA_OK) << msg;
}

TEST_F(CapiSim, EveryAcceptedItemMustPass) {
  Evidence e;
  ASSERT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, nullptr, 0), RA_OK);
  ASSERT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, nullptr, 0), RA_OK);
  std::string msg;
  EXPECT_EQ(Verify(e, &msg), RA_OK) << msg;
  EXPECT_NE(msg.find("; tdx-quote verified"), std::string::npos) << msg;

  const uint8_t junk[4] = {1, 2, 3, 4};
  ASSERT_EQ(ra_evidence_add(e.ev, "tdx-quote", junk, 4, nullptr, 0), RA_OK);
  EXPECT_EQ(Verify(e, &msg), RA_ERR_REFUSED);
}

// RequireEvidence: a token alone, or a raw quote alone, is not enough when
// the policy asks for both paths.
TEST_F(CapiSim, RequiredTypeMustBePresent) {
  ra_test::WriteFile(dir_ / "require",
                     "TrustAnchor tdx sim/root.pem\n"
                     "AcceptEvidence tdx-quote,azure-tdx-quote\n"
                     "RequireEvidence azure-tdx-quote,tdx-quote\n");
  Policy req;
  char err[256];
  ASSERT_EQ(ra_policy_load((dir_ / "require").c_str(), &req.pol, err, sizeof(err)), RA_OK)
      << err;
  Evidence e;
  ASSERT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, nullptr, 0), RA_OK);
  char summary[256];
  // The tdx-quote verifies, but azure-tdx-quote is missing.
  EXPECT_EQ(ra_verify(req.pol, e.ev, kBinding, 0, summary, sizeof(summary), err, sizeof(err)),
            RA_ERR_REFUSED);
  EXPECT_NE(std::strstr(err, "policy requires azure-tdx-quote (received tdx-quote)"), nullptr)
      << err;

  // Both present and both genuine: accepted, and both were verified.
  Provider az;
  ASSERT_EQ(ra_provider_open(("sim-azure:" + dir_ / "sim").c_str(), &az.p, err, sizeof(err)),
            RA_OK)
      << err;
  ASSERT_EQ(ra_provider_collect(az.p, kBinding, e.ev, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(ra_verify(req.pol, e.ev, kBinding, 0, summary, sizeof(summary), err, sizeof(err)),
            RA_OK)
      << err;
  EXPECT_NE(std::strstr(summary, "azure-tdx-quote verified"), nullptr) << summary;
  EXPECT_NE(std::strstr(summary, "tdx-quote verified"), nullptr) << summary;

  // Present but bad still refuses (every accepted item must verify).
  uint8_t other[RA_BINDING_LEN] = {1};
  EXPECT_EQ(ra_verify(req.pol, e.ev, other, 0, summary, sizeof(summary), err, sizeof(err)),
            RA_ERR_REFUSED);
}

TEST_F(CapiSim, VerifyArgumentsAndSummaryLength) {
  Evidence e;
  ASSERT_EQ(ra_provider_collect(prov_.p, kBinding, e.ev, nullptr, 0), RA_OK);
  char err[64], summary[12];
  EXPECT_EQ(ra_verify(nullptr, e.ev, kBinding, 0, nullptr, 0, err, sizeof(err)),
            RA_ERR_INVALID);
  EXPECT_EQ(ra_verify(pol_.pol, nullptr, kBinding, 0, nullptr, 0, err, sizeof(err)),
            RA_ERR_INVALID);
  EXPECT_EQ(ra_verify(pol_.pol, e.ev, nullptr, 0, nullptr, 0, err, sizeof(err)),
            RA_ERR_INVALID);
  EXPECT_EQ(ra_verify(pol_.pol, e.ev, kBinding, 0, nullptr, 0, nullptr, 0), RA_OK);
  EXPECT_EQ(ra_verify(pol_.pol, e.ev, kBinding, 0, summary, sizeof(summary), err, sizeof(err)),
            RA_OK);
  EXPECT_STREQ(summary, "tdx-quote v");
}

TEST(CapiRealQuote, SprVectorAtPinnedTime) {
  ra::Bytes quote;
  ra::Status s = ra::ReadFileBounded(kSprQuote, 1 << 20, &quote);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(quote, &q).ok());

  Policy pol;
  Evidence e;
  char err[256], summary[256];
  ASSERT_EQ(ra_policy_load(nullptr, &pol.pol, err, sizeof(err)), RA_OK);
  ASSERT_EQ(ra_evidence_add(e.ev, "tdx-quote", quote.data(), quote.size(), err, sizeof(err)),
            RA_OK);
  ASSERT_EQ(ra_verify(pol.pol, e.ev, q.body.report_data.data(), kSprTime, summary,
                      sizeof(summary), err, sizeof(err)),
            RA_OK)
      << err;
  EXPECT_EQ(std::string(summary).rfind("tdx-quote verified: mrtd=6363b8043668a3ad...", 0), 0u)
      << summary;
  // Its PCK certificate was not yet valid in 2015.
  EXPECT_EQ(ra_verify(pol.pol, e.ev, q.body.report_data.data(), 1420070400, summary,
                      sizeof(summary), err, sizeof(err)),
            RA_ERR_REFUSED);
  EXPECT_EQ(std::string(err).rfind("pck chain", 0), 0u) << err;
}

TEST(Capi, Version) { EXPECT_NE(std::strlen(ra_version()), 0u); }

}  // namespace
