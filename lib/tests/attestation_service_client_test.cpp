// The Azure-shaped provider ("sim-azure:DIR[;service=...]") and its
// attestation-service client, against the maa-emulator (a real HTTPS
// server on loopback with its own CA) in good and misbehaving modes.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence_bundle.h"
#include "parse/tdx_quote.h"
#include "emulator_process.h"
#include "policy/policy.h"
#include "provider/providers.h"
#include "provider/sim_tdx_authority.h"
#include "ra_test_util.h"
#include "verify/azure_tdx_quote_verifier.h"
#include "verify/jwks_fetcher.h"
#include "verify/maa_token_verifier.h"

namespace {

using ra_test::TempDir;

using Emulator = ra_test::EmulatorProcess;

class AzureProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ra::Status s = ra::SimInit(dir_ / "sim", {});
    ASSERT_TRUE(s.ok()) << s.message();
    for (size_t i = 0; i < binding_.size(); i++) binding_[i] = static_cast<uint8_t>(i * 5 + 1);
    ra::ClearIssuerKeyCache();
  }
  std::string Spec(const Emulator& e, const std::string& more = "") {
    return "sim-azure:" + (dir_ / "sim") + ";service=" + e.url() + ";ca=" +
           e.ca() + more;
  }
  ra::Status Collect(const std::string& spec, std::vector<ra::EvidenceItem>* out) {
    std::unique_ptr<ra::EvidenceProvider> p;
    RA_RETURN_IF_ERROR(ra::OpenProvider(spec, &p));
    return p->Collect(binding_, out);
  }
  ra::Policy TokenPolicy(const Emulator& e) {
    ra::Policy pol;
    ra::Status s = ra::ParsePolicy("AcceptEvidence maa-token\nIssuer " + e.url() +
                                       "\nIssuerCA " + e.ca() + "\n",
                                   "test", &pol);
    EXPECT_TRUE(s.ok()) << s.message();
    return pol;
  }
  const ra::EvidenceItem* Find(const std::vector<ra::EvidenceItem>& items,
                               const std::string& type) {
    for (const auto& it : items)
      if (it.type == type) return &it;
    return nullptr;
  }
  std::string Anchor() { return dir_ / "sim/root.pem"; }

  TempDir dir_;
  ra::Binding binding_{};
};

TEST_F(AzureProviderTest, RuntimeJsonIsCanonical) {
  std::string j = ra::AzureRuntimeJson(binding_);
  EXPECT_EQ(j.size(), std::string("{\"user-data\":\"\"}").size() + 128);
  EXPECT_EQ(j.substr(0, 16), "{\"user-data\":\"01");
  EXPECT_EQ(j.substr(14, 128).find_first_of("abcdef"), std::string::npos);  // upper-case hex, as Azure's HCL
}

TEST_F(AzureProviderTest, WithoutServiceQuoteCarriesRuntimeHash) {
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect("sim-azure:" + (dir_ / "sim"), &items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 2u);
  const auto* q = Find(items, ra::kEvidenceAzureTdxQuote);
  const auto* rt = Find(items, ra::kEvidenceAzureRuntimeData);
  ASSERT_TRUE(q && rt);
  EXPECT_EQ(std::string(rt->data.begin(), rt->data.end()), ra::AzureRuntimeJson(binding_));
  ra::TdxQuote tq;
  ASSERT_TRUE(ra::ParseTdxQuote(q->data, &tq).ok());
  uint8_t h[32];
  SHA256(rt->data.data(), rt->data.size(), h);
  EXPECT_EQ(0, memcmp(h, tq.body.report_data.data(), 32));
  for (size_t i = 32; i < 64; i++) EXPECT_EQ(tq.body.report_data[i], 0);
}

TEST_F(AzureProviderTest, SpecErrors) {
  std::unique_ptr<ra::EvidenceProvider> p;
  const std::string sim = dir_ / "sim";
  for (const std::string& bad :
       std::vector<std::string>{"sim-azure:", "sim-azure:" + sim + ";service=http://127.0.0.1:1",
        "sim-azure:" + sim + ";service=https://127.0.0.1:1;ca=relative.pem",
        "sim-azure:" + sim + ";service=https://127.0.0.1:1;ca=/nonexistent/ca.pem",
        "sim-azure:" + sim + ";service=https://127.0.0.1:1;timeout=0",
        "sim-azure:" + sim + ";service=https://127.0.0.1:1;timeout=11",
        "sim-azure:" + sim + ";ca=/etc/hostname", "sim-azure:" + sim + ";bogus=1",
        "sim-azure:" + sim + ";service", "sim-azure:" + sim + ";"}) {
    ra::Status s = ra::OpenProvider(bad, &p);
    EXPECT_FALSE(s.ok()) << bad;
  }
  ra::Status s = ra::OpenProvider("sim-azure:" + sim + ";service=https://127.0.0.1:1;timeout=3", &p);
  EXPECT_TRUE(s.ok()) << s.message();
}

// azure-vtpm's own options, each refused with the reason, before any TPM
// is touched (nothing listens on port 1).
TEST_F(AzureProviderTest, AzureVtpmSpecErrors) {
  std::unique_ptr<ra::EvidenceProvider> p;
  const std::string tpm = "azure-vtpm;tcti=swtpm:host=127.0.0.1,port=1";
  const struct {
    std::string spec, want;
  } cases[] = {
      {"azure-vtpm:x", "unknown provider"},
      {"azure-vtpmx", "unknown provider"},
      {"azure-vtpm;imds=http://10.0.0.1/acc/tdquote", "imds 'http://10.0.0.1/acc/tdquote'"},
      {"azure-vtpm;imds=https://169.254.169.254/acc/tdquote", "must be http://169.254.169.254"},
      {"azure-vtpm;imds=http://169.254.169.254.evil/acc/tdquote", "must be http"},
      {"azure-vtpm;imds=http://127.0.0.1@evil/acc/tdquote", "must be http"},
      {"azure-vtpm;imds=http://127.0.0.1:1/acc/tdquote?x", "must be http"},
      {"azure-vtpm;lock=relative", "lock 'relative' is not an absolute path"},
      {"azure-vtpm;tcti=a;tcti=b", "tcti= given twice"},
      {"azure-vtpm;service=https://127.0.0.1:1;service=https://127.0.0.1:2",
       "service= given twice"},
      {"azure-vtpm;bogus=1", "unknown option 'bogus'"},
      {"azure-vtpm;service=http://127.0.0.1:1", "service"},
      {tpm, "TPM connection swtpm:host=127.0.0.1,port=1"},
  };
  for (const auto& c : cases) {
    ra::Status s = ra::OpenProvider(c.spec, &p);
    ASSERT_FALSE(s.ok()) << c.spec;
    EXPECT_NE(s.message().find(c.want), std::string::npos) << c.spec << ": " << s.message();
  }
}

TEST_F(AzureProviderTest, TokenFromEmulatorVerifies) {
  Emulator e(dir_.path(), RA_MAA_EMULATOR, {"--trust-anchor", Anchor()}, {});
  ASSERT_NE(e.port(), 0) << "emulator did not start";
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(Spec(e), &items);
  ASSERT_TRUE(s.ok()) << s.message();
  const auto* tok = Find(items, "maa-token");
  ASSERT_TRUE(tok);
  ra::Policy pol = TokenPolicy(e);
  ra::VerifiedClaims vc;
  s = ra::VerifyMaaTdxToken(std::string(tok->data.begin(), tok->data.end()), &binding_, pol, 0,
                            &vc);
  EXPECT_TRUE(s.ok()) << s.message();
  ra::Binding other = binding_;
  other[0] ^= 1;
  s = ra::VerifyMaaTdxToken(std::string(tok->data.begin(), tok->data.end()), &other, pol, 0,
                            &vc);
  EXPECT_FALSE(s.ok());
}

// The service's failure is carried as a reason, not as a failed Collect:
// the raw quote and runtime data still go out, with no token.
const ra::EvidenceItem* Find(const std::vector<ra::EvidenceItem>& items, const char* type) {
  for (const auto& it : items)
    if (it.type == type) return &it;
  return nullptr;
}

std::string ServiceError(const std::vector<ra::EvidenceItem>& items) {
  const ra::EvidenceItem* e = Find(items, ra::kEvidenceServiceError);
  return e ? std::string(e->data.begin(), e->data.end()) : std::string();
}

void ExpectDegraded(const ra::Status& s, const std::vector<ra::EvidenceItem>& items,
                    const std::string& want) {
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Find(items, ra::kEvidenceAzureTdxQuote));
  EXPECT_TRUE(Find(items, ra::kEvidenceAzureRuntimeData));
  EXPECT_FALSE(Find(items, "maa-token"));
  const std::string why = ServiceError(items);
  EXPECT_NE(why.find(want), std::string::npos) << why;
  EXPECT_LE(why.size(), ra::kMaxServiceErrorLen);
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

TEST_F(AzureProviderTest, ServiceFailuresDegradeToRawEvidence) {
  struct Case {
    std::vector<std::string> args;
    std::string more, want;
  };
  const std::vector<Case> cases = {
      {{"--status", "500"}, "", "HTTP status 500"},
      {{"--slow", "5"}, ";timeout=1", "attestation service"},
  };
  for (const Case& c : cases) {
    Emulator e(dir_.path(), RA_MAA_EMULATOR, {"--trust-anchor", Anchor()}, c.args);
    ASSERT_NE(e.port(), 0);
    std::vector<ra::EvidenceItem> items;
    auto t0 = std::chrono::steady_clock::now();
    ra::Status s = Collect(Spec(e, c.more), &items);
    ExpectDegraded(s, items, c.want);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  }
}

TEST_F(AzureProviderTest, ServiceOkSendsNoServiceError) {
  Emulator e(dir_.path(), RA_MAA_EMULATOR, {"--trust-anchor", Anchor()}, {});
  ASSERT_NE(e.port(), 0);
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(Spec(e), &items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Find(items, "maa-token"));
  EXPECT_FALSE(Find(items, ra::kEvidenceServiceError));
}

TEST_F(AzureProviderTest, TlsIsVerified) {
  Emulator e(dir_.path(), RA_MAA_EMULATOR, {"--trust-anchor", Anchor()}, {});
  ASSERT_NE(e.port(), 0);
  // The system store does not know the emulator's CA: no token.
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect("sim-azure:" + (dir_ / "sim") + ";service=" + e.url(), &items);
  ExpectDegraded(s, items, "attestation service");
  // Another CA (the sim root) does not vouch for it either.
  items.clear();
  s = Collect("sim-azure:" + (dir_ / "sim") + ";service=" + e.url() + ";ca=" + Anchor(), &items);
  ExpectDegraded(s, items, "attestation service");
}

TEST_F(AzureProviderTest, EmulatorRefusesQuoteFromOtherRoot) {
  ra::Status s = ra::SimInit(dir_ / "other", {});
  ASSERT_TRUE(s.ok());
  Emulator e(dir_.path(), RA_MAA_EMULATOR, {"--trust-anchor", dir_ / "other/root.pem"}, {});
  ASSERT_NE(e.port(), 0);
  std::vector<ra::EvidenceItem> items;
  s = Collect(Spec(e), &items);
  ExpectDegraded(s, items, "HTTP status 400");
}

}  // namespace

namespace {

// "azure-tdx-quote" verified directly (no service): quote + runtime data.
class AzureQuoteVerifyTest : public AzureProviderTest {
 protected:
  ra::Status Verify(const std::vector<ra::EvidenceItem>& items, const ra::Binding& b) {
    ra::Policy pol;
    ra::Status s = ra::ParsePolicy("AcceptEvidence azure-tdx-quote\nTrustAnchor tdx " +
                                       Anchor() + "\n", "test", &pol);
    if (!s.ok()) return s;
    const ra::EvidenceVerifier* v = ra::FindVerifier("azure-tdx-quote");
    if (!v) return ra::Status::Fail("no verifier");
    const ra::EvidenceItem* q = Find(items, ra::kEvidenceAzureTdxQuote);
    if (!q) return ra::Status::Fail("no quote");
    ra::VerifyContext ctx;
    ctx.policy = &pol;
    ctx.binding = b;
    ctx.now = std::time(nullptr);
    ra::VerifiedClaims vc;
    return v->Verify(*q, items, ctx, &vc);
  }
  std::vector<ra::EvidenceItem> Items() {
    std::vector<ra::EvidenceItem> items;
    ra::Status s = Collect("sim-azure:" + (dir_ / "sim"), &items);
    EXPECT_TRUE(s.ok()) << s.message();
    return items;
  }
};

TEST_F(AzureQuoteVerifyTest, Accepts) {
  ra::Status s = Verify(Items(), binding_);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(AzureQuoteVerifyTest, RefusesOtherBinding) {
  ra::Binding other = binding_;
  other[63] ^= 0x80;
  ra::Status s = Verify(Items(), other);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "runtime data binding");
}

TEST_F(AzureQuoteVerifyTest, RefusesRuntimeDataNotInReport) {
  auto items = Items();
  ra::Binding other = binding_;
  other[0] ^= 1;
  // Runtime data naming the expected binding but not hashed into REPORTDATA.
  for (auto& it : items)
    if (it.type == ra::kEvidenceAzureRuntimeData) {
      std::string j = ra::AzureRuntimeJson(binding_);
      j.insert(1, " ");  // same JSON meaning, different bytes
      it.data.assign(j.begin(), j.end());
    }
  ra::Status s = Verify(items, binding_);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "report data binding");
}

TEST_F(AzureQuoteVerifyTest, RefusesMissingOrDuplicateRuntimeData) {
  auto items = Items();
  auto dup = items;
  dup.push_back(*Find(items, ra::kEvidenceAzureRuntimeData));
  EXPECT_FALSE(Verify(dup, binding_).ok());
  std::vector<ra::EvidenceItem> only;
  only.push_back(*Find(items, ra::kEvidenceAzureTdxQuote));
  ra::Status s = Verify(only, binding_);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no azure-runtime-data"), std::string::npos);
}

TEST_F(AzureQuoteVerifyTest, RefusesOtherRoot) {
  ASSERT_TRUE(ra::SimInit(dir_ / "other", {}).ok());
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect("sim-azure:" + (dir_ / "other"), &items);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(Verify(items, binding_).ok());
}

}  // namespace

namespace {

int RunTool(const std::string& args, std::string* out) {
  return ra_test::RunCommand(std::string(RA_SSH_ATTEST) + " " + args, out);
}

// sim-azure with the emulator's token: quote writes all three items to the
// bundle, and verify checks the token and the quote behind it.
TEST_F(AzureProviderTest, BundleRoundTripWithToken) {
  Emulator e(dir_.path(), RA_MAA_EMULATOR, {"--trust-anchor", Anchor()}, {});
  ASSERT_NE(e.port(), 0);
  std::string hex = ra::HexEncode(ra::ByteView(binding_.data(), binding_.size()));
  std::string out;
  ASSERT_EQ(RunTool("quote --provider '" + Spec(e) + "' --report-data " + hex + " -o " +
                        dir_ / "b.json",
                    &out),
            0)
      << out;
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(ra::ParseEvidenceBundle(ra_test::ReadFile(dir_ / "b.json"), &items).ok());
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].type, ra::kEvidenceAzureTdxQuote);
  EXPECT_EQ(items[1].type, ra::kEvidenceAzureRuntimeData);
  EXPECT_EQ(items[2].type, ra::kEvidenceMaaToken);
  ra_test::WriteFile(dir_ / "policy", "AcceptEvidence maa-token,azure-tdx-quote\n"
                                      "RequireEvidence maa-token,azure-tdx-quote\nIssuer " +
                                          e.url() + "\nIssuerCA " + e.ca() +
                                          "\nTrustAnchor tdx " + Anchor() + "\n");
  ASSERT_EQ(RunTool("verify " + dir_ / "b.json" + " --policy " + dir_ / "policy" +
                        " --report-data " + hex,
                    &out),
            0)
      << out;
  EXPECT_NE(out.find("verified azure-tdx-quote v4: "), std::string::npos) << out;
  EXPECT_NE(out.find("verified maa-token (tdxvm): issuer=" + e.url()), std::string::npos) << out;
  EXPECT_EQ(RunTool("verify " + dir_ / "b.json" + " --policy " + dir_ / "policy" +
                        " --report-data " + std::string(128, '0'),
                    &out),
            1);
}

}  // namespace
