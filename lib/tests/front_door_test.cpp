// The kind registry and the one front door (ra::Evaluate), and the C ABI's
// verdict accessors that expose every claim in full.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/tdx_quote.h"
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

TEST(KindRegistry, EveryKindOnceAndFound) {
  std::vector<std::string> seen;
  for (const ra::EvidenceKind* k : ra::AllKinds()) {
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(ra::FindKind(k->type()), k);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), k->type()), 0) << k->type();
    seen.push_back(k->type());
    // A companion is never a kind of its own (it is not verified alone).
    // Exception: tpm-quote asks for azure-tdx-quote, the hardware report
    // that vouches for an Azure vTPM's AK (verified as part of the quote;
    // on its own only when the policy accepts azure-tdx-quote too).
    for (const std::string& c : k->companions()) {
      if (k->type() == std::string(ra::kEvidenceTpmQuote) && c == ra::kEvidenceAzureTdxQuote)
        continue;
      EXPECT_EQ(ra::FindKind(c), nullptr) << c;
    }
  }
  EXPECT_GE(seen.size(), 4u);
  EXPECT_EQ(ra::FindKind(ra::kEvidenceAzureRuntimeData), nullptr);
  EXPECT_FALSE(ra::IsKnownEvidenceType("tpm-quote-nonexistent"));
}

TEST(KindRegistry, AcceptedListCarriesCompanions) {
  ra::Policy p;
  p.accepted_types = {ra::kEvidenceAzureTdxQuote, ra::kEvidenceTdxQuote};
  EXPECT_EQ(ra::AcceptedKindsList(p), std::string(ra::kEvidenceAzureTdxQuote) + "," +
                                          ra::kEvidenceAzureRuntimeData + "," +
                                          ra::kEvidenceTdxQuote + "," +
                                          ra::kEvidenceTdxEventLog);
  // A companion two kinds share is asked for once.
  p.accepted_types = {ra::kEvidenceTdxQuote, ra::kEvidenceTdxQuoteSha512};
  EXPECT_EQ(ra::AcceptedKindsList(p), std::string(ra::kEvidenceTdxQuote) + "," +
                                          ra::kEvidenceTdxEventLog + "," +
                                          ra::kEvidenceTdxQuoteSha512);
}

TEST(FrontDoor, VerdictHasFullClaims) {
  ra::Bytes raw = SprQuote();
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(raw, &q).ok());
  ra::Binding b;
  std::memcpy(b.data(), q.body.report_data.data(), b.size());
  ra::Verdict v;
  ra::Status s = ra::Evaluate({{"x-unknown", {1}}, {ra::kEvidenceTdxQuote, raw}}, ra::Policy(),
                              &b, kSprTime, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(v.items.size(), 1u);
  EXPECT_EQ(v.items[0].index, 1u);
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "mrtd"),
            ra::HexEncode(ra::ByteView(q.body.mr_td.data(), q.body.mr_td.size())));
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "binding_checked"), "yes");
  EXPECT_EQ(v.summary.rfind("tdx-quote verified: mrtd=", 0), 0u) << v.summary;
  // Without a binding nothing is compared, and the claims say so.
  ASSERT_TRUE(ra::Evaluate({{ra::kEvidenceTdxQuote, raw}}, ra::Policy(), nullptr, kSprTime, &v)
                  .ok());
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "binding_checked"), "no");
}

TEST(FrontDoor, AppraisalIsSeparateFromVerification) {
  ra::Bytes raw = SprQuote();
  const ra::EvidenceKind* k = ra::FindKind(ra::kEvidenceTdxQuote);
  ASSERT_NE(k, nullptr);
  ra::Policy p;
  p.mrtd.push_back(ra::Bytes(48, 0));
  ra::VerifyContext ctx;
  ctx.policy = &p;
  ctx.check_binding = false;
  ctx.now = kSprTime;
  ra::EvidenceItem item{ra::kEvidenceTdxQuote, raw};
  ra::VerifiedClaims c;
  // Genuine: verification passes whatever the reference values say...
  ASSERT_TRUE(k->Verify(item, {item}, ctx, &c).ok());
  // ...and the appraisal refuses an MRTD the policy does not list.
  EXPECT_EQ(k->Appraise(c, p).check(), "tdx policy");
  EXPECT_TRUE(k->Appraise(c, ra::Policy()).ok());
  // The front door runs both.
  EXPECT_EQ(ra::Evaluate({item}, p, nullptr, kSprTime, nullptr).check(), "tdx policy");
}

TEST(FrontDoor, RefusalsNameTheCheck) {
  ra::Policy p;
  EXPECT_EQ(ra::Evaluate({}, p, nullptr, 0, nullptr).message().find("evidence: none of an "
                                                                    "accepted type"),
            0u);
  p.required_types = {ra::kEvidenceTdxQuoteSha512};
  ra::Status s = ra::Evaluate({{ra::kEvidenceTdxQuote, SprQuote()}}, p, nullptr,
                              kSprTime, nullptr);
  EXPECT_EQ(s.check(), "evidence");
  EXPECT_NE(s.detail().find("requires tdx-quote-sha512"), std::string::npos) << s.message();
}

TEST(CapiVerdict, FieldsInFull) {
  TempDir dir;
  ra_test::SimCapi sim;
  ra_test::CollectSim(dir, {}, "TrustAnchor tdx " + dir / "sim/root.pem" + "\n", &sim);
  ra_policy* pol = sim.pol;
  ra_evidence* ev = sim.ev;
  const uint8_t* binding = sim.binding;
  char err[256];

  ra_verdict* v = nullptr;
  ASSERT_EQ(ra_verify_verdict(pol, ev, binding, 0, &v, err, sizeof(err)), RA_OK) << err;
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(std::string(ra_verdict_summary(v)).rfind("tdx-quote verified", 0), 0u);
  ASSERT_EQ(ra_verdict_item_count(v), 1u);
  EXPECT_STREQ(ra_verdict_item_type(v, 0), RA_EVIDENCE_TDX_QUOTE);
  EXPECT_STREQ(ra_verdict_item_type(v, 1), "");
  std::string mrtd;
  size_t n = ra_verdict_field_count(v, 0);
  for (size_t i = 0; i < n; i++) {
    const char *name = nullptr, *value = nullptr;
    ASSERT_EQ(ra_verdict_field(v, 0, i, &name, &value), RA_OK);
    if (std::strcmp(name, "mrtd") == 0) mrtd = value;
  }
  EXPECT_EQ(mrtd.size(), 96u) << "mrtd must not be truncated";
  EXPECT_EQ(ra_verdict_field(v, 0, n, nullptr, nullptr), RA_ERR_INVALID);
  EXPECT_EQ(ra_verdict_field(v, 1, 0, nullptr, nullptr), RA_ERR_INVALID);
  ra_verdict_free(v);

  // A refusal leaves no verdict.
  uint8_t other[RA_BINDING_LEN] = {8};
  v = reinterpret_cast<ra_verdict*>(&err);  // must be overwritten
  EXPECT_EQ(ra_verify_verdict(pol, ev, other, 0, &v, err, sizeof(err)), RA_ERR_REFUSED);
  EXPECT_EQ(v, nullptr);
  EXPECT_NE(std::string(err).find("report data binding"), std::string::npos) << err;
  ra_verdict_free(nullptr);
}

}  // namespace
