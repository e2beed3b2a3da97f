// Refusals that say what to do: each keeps its check name first and adds a
// hint where one exists (issue 17), and a refused appraisal still shows
// what was measured.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>
#include <string>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "common/evidence_bundle.h"
#include "policy/policy.h"
#include "provider/sim_tdx_authority.h"
#include "ra_attest.h"
#include "ra_test_util.h"
#include "sim_capi_fixture.h"
#include "tdx_test_vectors.h"
#include "verify/evaluate.h"

namespace {

using ra_test::TempDir;

using ra_tdx_test::kSprTime;
using ra_tdx_test::SprQuote;

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Sim evidence (bound to binding) and a verdict on it under policy_text.
struct SimRun {
  int rc = RA_ERR_INVALID;
  std::string err, file;  // file: ra_evidence_file_json of the outcome
  ra_verdict* v = nullptr;
  ~SimRun() { ra_verdict_free(v); }
};

void RunSim(const TempDir& dir, const ra::SimInitOptions& opt, const std::string& policy_text,
            SimRun* out) {
  ra_test::SimCapi sim;
  ra_test::CollectSim(dir, opt, policy_text, &sim);
  char err[1024];
  out->rc = ra_verify_verdict(sim.pol, sim.ev, sim.binding, 0, &out->v, err, sizeof(err));
  out->err = err;
  char ferr[256];
  char* json = ra_evidence_file_json(sim.ev, out->v, "h.example", 2222, 1700000000,
                                     out->rc == RA_OK ? nullptr : out->err.c_str(), ferr,
                                     sizeof(ferr));
  ASSERT_NE(json, nullptr) << ferr;
  out->file = json;
  free(json);
}

std::string Field(const ra_verdict* v, const char* want) {
  for (size_t i = 0; i < ra_verdict_field_count(v, 0); i++) {
    const char *name = nullptr, *value = nullptr;
    if (ra_verdict_field(v, 0, i, &name, &value) == RA_OK && std::strcmp(name, want) == 0)
      return value;
  }
  return "";
}

TEST(RefusalHints, SimWithoutTrustAnchorNamesTheKeyword) {
  TempDir dir;
  SimRun run;
  RunSim(dir, {}, "# no TrustAnchor: Intel's root\n", &run);
  EXPECT_EQ(run.rc, RA_ERR_REFUSED);
  EXPECT_EQ(run.err.rfind("pck chain: ", 0), 0u) << run.err;
  EXPECT_TRUE(Has(run.err, "does not chain to Intel's root")) << run.err;
  EXPECT_TRUE(Has(run.err, "`TrustAnchor tdx FILE`")) << run.err;
  // Not genuine: nothing measured to show.
  EXPECT_EQ(run.v, nullptr);
}

TEST(RefusalHints, RealQuoteUnderTestAnchorSaysIntelRootIsDefault) {
  TempDir dir;
  ASSERT_TRUE(ra::SimInit(dir / "sim", {}).ok());
  ra::Policy p;
  p.tdx_trust_anchor = dir / "sim/root.pem";
  ra::Status s =
      ra::Evaluate({{ra::kEvidenceTdxQuote, SprQuote()}}, p, nullptr, kSprTime, nullptr);
  EXPECT_EQ(s.check(), "pck chain") << s.message();
  EXPECT_TRUE(Has(s.detail(), "does not chain to the policy's TrustAnchor")) << s.message();
}

TEST(RefusalHints, DebugTdSaysRebuildOrAllowDebug) {
  TempDir dir;
  ra::SimInitOptions opt;
  opt.debug = true;
  SimRun run;
  RunSim(dir, opt, "TrustAnchor tdx " + dir / "sim/root.pem" + "\n", &run);
  EXPECT_EQ(run.rc, RA_ERR_REFUSED);
  EXPECT_EQ(run.err.rfind("tdx policy: debug TD", 0), 0u) << run.err;
  EXPECT_TRUE(Has(run.err, "(rebuild the TD without debug, or set AllowDebug yes for testing)"))
      << run.err;
  // Genuine but refused: the verdict shows what was measured, in full.
  ASSERT_NE(run.v, nullptr);
  EXPECT_EQ(ra_verdict_refused(run.v), 1);
  EXPECT_STREQ(ra_verdict_summary(run.v), "");
  ASSERT_EQ(ra_verdict_item_count(run.v), 1u);
  EXPECT_EQ(Field(run.v, "debug"), "yes");
  EXPECT_EQ(Field(run.v, "mrtd").size(), 96u);
  // The evidence file keeps the refusal and what was measured, and reads
  // back as the bundle it is.
  EXPECT_TRUE(Has(run.file, "\"result\": \"refused\"")) << run.file;
  EXPECT_TRUE(Has(run.file, "\"error\": \"tdx policy: debug TD")) << run.file;
  EXPECT_TRUE(Has(run.file, "\"mrtd\": \"" + Field(run.v, "mrtd") + "\"")) << run.file;
  EXPECT_TRUE(Has(run.file, "\"port\": 2222")) << run.file;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = ra::ParseEvidenceBundle(run.file, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(items.size(), 1u);
}

TEST(RefusalHints, AcceptedVerdictIsNotRefused) {
  TempDir dir;
  SimRun run;
  RunSim(dir, {}, "TrustAnchor tdx " + dir / "sim/root.pem" + "\n", &run);
  ASSERT_EQ(run.rc, RA_OK) << run.err;
  EXPECT_EQ(ra_verdict_refused(run.v), 0);
  EXPECT_EQ(ra_verdict_refused(nullptr), 0);
  EXPECT_TRUE(Has(run.file, "\"result\": \"accepted\"")) << run.file;
  EXPECT_FALSE(Has(run.file, "\"error\"")) << run.file;
  EXPECT_TRUE(Has(run.file, "\"host\": \"h.example\"")) << run.file;
}

TEST(RefusalHints, EvidenceFileOfUnverifiedEvidenceHasNoClaims) {
  TempDir dir;
  SimRun run;
  RunSim(dir, {}, "# Intel's root: the sim does not chain to it\n", &run);
  EXPECT_EQ(run.v, nullptr);
  EXPECT_TRUE(Has(run.file, "\"result\": \"refused\"")) << run.file;
  EXPECT_TRUE(Has(run.file, "\"claims\": []")) << run.file;
  char err[64];
  EXPECT_EQ(ra_evidence_file_json(nullptr, nullptr, "h", 22, 0, nullptr, err, sizeof(err)),
            nullptr);
}

TEST(RefusalHints, FrontDoorKeepsRefusedClaims) {
  ra::Bytes raw = SprQuote();
  ra::Policy p;
  p.mrtd.push_back(ra::Bytes(48, 0));
  ra::Verdict v;
  ra::Status s = ra::Evaluate({{ra::kEvidenceTdxQuote, raw}}, p, nullptr, kSprTime, &v);
  EXPECT_EQ(s.check(), "tdx policy");
  EXPECT_TRUE(v.items.empty());
  ASSERT_EQ(v.refused.size(), 1u);
  EXPECT_EQ(ra::ClaimField(v.refused[0].claims, "mrtd").size(), 96u);
  // A failure of verification leaves nothing measured.
  raw[640] ^= 1;  // in the quote's signature (v4: after header and body)
  ra::Policy any;
  s = ra::Evaluate({{ra::kEvidenceTdxQuote, raw}}, any, nullptr, kSprTime, &v);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(v.refused.empty());
}

TEST(RefusalHints, NoCollateralSaysWhereItComesFrom) {
  TempDir dir;
  ra::Policy p;
  p.collateral_dir = dir.path();
  p.check_revocation = false;
  ra::Status s =
      ra::Evaluate({{ra::kEvidenceTdxQuote, SprQuote()}}, p, nullptr, kSprTime, nullptr);
  EXPECT_EQ(s.check(), "tcb info") << s.message();
  EXPECT_TRUE(Has(s.detail(), "no TDX TCB info for FMSPC")) << s.message();
  EXPECT_TRUE(Has(s.detail(), "`Collateral https://api.trustedservices.intel.com`")) << s.message();
  EXPECT_TRUE(Has(s.detail(), "PCCS URL")) << s.message();
}

TEST(RefusalHints, MissingTokenNamesTheServiceError) {
  ra::Policy p;
  p.accepted_types = {ra::kEvidenceTdxQuote, ra::kEvidenceMaaToken};
  p.required_types = {ra::kEvidenceMaaToken};
  const std::string why = "MAA: connect to maa.example timed out\n";
  ra::Status s = ra::Evaluate({{ra::kEvidenceTdxQuote, SprQuote()},
                               {ra::kEvidenceServiceError, ra::Bytes(why.begin(), why.end())}},
                              p, nullptr, kSprTime, nullptr);
  EXPECT_EQ(s.message(),
            std::string("evidence: policy requires ") + ra::kEvidenceMaaToken +
                "; the server's attestation service failed: "
                "MAA: connect to maa.example timed out?");
  // Only the service's error came, for a policy that accepts only tokens.
  ra::Policy tokens_only;
  tokens_only.accepted_types = {ra::kEvidenceMaaToken};
  s = ra::Evaluate({{ra::kEvidenceServiceError, ra::Bytes(why.begin(), why.end())}}, tokens_only,
                   nullptr, kSprTime, nullptr);
  EXPECT_EQ(s.check(), "evidence");
  EXPECT_TRUE(Has(s.detail(), "none of an accepted type")) << s.message();
  EXPECT_TRUE(Has(s.detail(), "; the server's attestation service failed: MAA: connect"))
      << s.message();
  // Without a service-error item: what came.
  s = ra::Evaluate({{ra::kEvidenceTdxQuote, SprQuote()}}, p, nullptr, kSprTime, nullptr);
  EXPECT_TRUE(Has(s.message(), "(received tdx-quote)")) << s.message();
}

}  // namespace
