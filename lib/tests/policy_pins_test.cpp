// Reference values from a server (verify/policy_pins.h, ssh-attest scan and
// policy): the printed lines come from each kind through the registry,
// parse as a policy, accept the evidence they came from, and refuse the
// same server once its measurements change.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "provider/sim_snp_authority.h"
#include "provider/sim_tdx_authority.h"
#include "ra_test_util.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_pcrs.h"
#include "tdx_test_vectors.h"
#include "tpm_test_vectors.h"
#include "verify/evaluate.h"
#include "verify/policy_pins.h"

namespace {

using ra_test::TempDir;

std::vector<ra::EvidenceItem> Collect(const std::string& spec) {
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenProvider(spec, &p);
  EXPECT_TRUE(s.ok()) << s.message();
  std::vector<ra::EvidenceItem> items;
  if (!p) return items;
  ra::Binding b{};
  b[0] = 7;
  s = p->Collect(b, &items);
  EXPECT_TRUE(s.ok()) << s.message();
  return items;
}

// Evaluate under base_text, then the pins of what verified.
std::string PinsOf(const std::string& base_text, const std::vector<ra::EvidenceItem>& items,
                   std::time_t now = 0) {
  ra::Policy base;
  ra::Status s = ra::ParsePolicy(base_text, "base", &base);
  EXPECT_TRUE(s.ok()) << s.message();
  ra::Verdict v;
  s = ra::Evaluate(items, base, nullptr, now, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  return ra::PinPolicyText(v.items);
}

ra::Status EvaluateText(const std::string& text, const std::vector<ra::EvidenceItem>& items,
                        std::time_t now = 0) {
  ra::Policy p;
  ra::Status s = ra::ParsePolicy(text, "pinned", &p);
  if (!s.ok()) return s;
  return ra::Evaluate(items, p, nullptr, now, nullptr);
}

bool HasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(PolicyPins, SimTdPinsAcceptItAndRefuseItsUpdate) {
  TempDir dir;
  const std::string sim = dir.path() + "/sim";
  ASSERT_TRUE(ra::SimInit(sim, {}).ok());
  const std::string base = "TrustAnchor tdx " + sim + "/root.pem\n";
  std::vector<ra::EvidenceItem> before = Collect("sim:" + sim);
  const std::string pins = PinsOf(base, before);
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(before[0].data, &q).ok());
  EXPECT_TRUE(HasLine(pins, "# tdx-quote")) << pins;
  EXPECT_TRUE(HasLine(pins, "MRTD " + ra::HexEncode(q.body.mr_td))) << pins;
  EXPECT_TRUE(HasLine(pins, "RTMR2 " + ra::HexEncode(q.body.rtmr[2]))) << pins;
  EXPECT_TRUE(HasLine(pins, "# RTMR3 " + ra::HexEncode(q.body.rtmr[3]))) << pins;
  EXPECT_TRUE(HasLine(pins, "MrOwner " + ra::HexEncode(q.body.mr_owner))) << pins;
  EXPECT_TRUE(HasLine(pins, "Xfam " + ra::HexEncode(q.body.xfam))) << pins;
  EXPECT_TRUE(HasLine(pins, "# MRSEAM " + ra::HexEncode(q.body.mr_seam))) << pins;
  EXPECT_NE(pins.find("\nTdAttributes feffffffffffffff:"), std::string::npos) << pins;
  ra::Status s = ra::CheckPinsAccept(base, "base", pins, before, 0);
  EXPECT_TRUE(s.ok()) << s.message();

  // Same keys, new measurements (sim-init on the existing directory).
  ra::SimInitOptions o;
  o.mrowner_hex = std::string(96, '5');
  ASSERT_TRUE(ra::SimInit(sim, o).ok());
  std::vector<ra::EvidenceItem> after = Collect("sim:" + sim);
  EXPECT_TRUE(EvaluateText(base, after).ok()) << "the anchor alone still accepts it";
  s = EvaluateText(base + pins, after);
  EXPECT_EQ(s.check(), "tdx policy") << s.message();
  EXPECT_FALSE(ra::CheckPinsAccept(base, "base", pins, after, 0).ok());
  // The old evidence is still accepted: the refusal is the change's.
  EXPECT_TRUE(EvaluateText(base + pins, before).ok());
}

// A debug TD's pins leave DEBUG to AllowDebug: pasting them never lets a
// debug TD in by itself.
TEST(PolicyPins, DebugBitStaysAllowDebugs) {
  TempDir dir;
  const std::string sim = dir.path() + "/sim";
  ra::SimInitOptions o;
  o.debug = true;
  ASSERT_TRUE(ra::SimInit(sim, o).ok());
  const std::string base = "TrustAnchor tdx " + sim + "/root.pem\nAllowDebug yes\n";
  std::vector<ra::EvidenceItem> items = Collect("sim:" + sim);
  const std::string pins = PinsOf(base, items);
  EXPECT_NE(pins.find("# this is a DEBUG TD"), std::string::npos) << pins;
  EXPECT_TRUE(EvaluateText(base + pins, items).ok());
  ra::Status s = EvaluateText("TrustAnchor tdx " + sim + "/root.pem\n" + pins, items);
  EXPECT_EQ(s.check(), "tdx policy") << s.message();
  EXPECT_NE(s.message().find("debug TD"), std::string::npos) << s.message();
}

// Every real quote of the vectors under Intel's root (debug ones allowed
// by the base, so that the pins are what is judged); v5 (TDX 1.5 body)
// quotes offer MRSERVICETD as a comment.
TEST(PolicyPins, RealQuotesRoundTrip) {
  const std::string base = "AllowDebug yes\n";
  for (const ra_tdx_test::QuoteVector& c : ra_tdx_test::AllQuotes()) {
    std::vector<ra::EvidenceItem> items = {{ra::kEvidenceTdxQuote, ra_tdx_test::ReadVector(c.file)}};
    const std::string pins = PinsOf(base, items, c.pinned);
    EXPECT_EQ(pins.find("# MrServiceTd ") != std::string::npos, c.body_type == 3)
        << c.file << pins;
    ra::Status s = ra::CheckPinsAccept(base, "base", pins, items, c.pinned);
    EXPECT_TRUE(s.ok()) << c.file << ": " << s.message();
    // One changed digit of MRTD, or of RTMR1, in the text: refused.
    for (const char* kw : {"\nMRTD ", "\nRTMR1 "}) {
      std::string bad = pins;
      size_t at = bad.find(kw) + std::strlen(kw);
      bad[at] = bad[at] == '0' ? '1' : '0';
      s = EvaluateText(base + bad, items, c.pinned);
      EXPECT_EQ(s.check(), "tdx policy") << c.file << ": " << s.message();
    }
  }
}

TEST(PolicyPins, SimSnpPinsItsMeasurementAndHostData) {
  TempDir dir;
  const std::string sim = dir.path() + "/sim";
  ra::SimSnpInitOptions o;
  o.rsa_bits = 2048;
  ASSERT_TRUE(ra::SimSnpInit(sim, o).ok());
  const std::string base = "TrustAnchor snp " + sim + "/ark.pem\n";
  std::vector<ra::EvidenceItem> items = Collect("sim-snp:" + sim);
  const std::string pins = PinsOf(base, items);
  EXPECT_TRUE(HasLine(pins, "# snp-report")) << pins;
  EXPECT_NE(pins.find("\nSnpMeasurement "), std::string::npos) << pins;
  EXPECT_NE(pins.find("\nSnpHostData "), std::string::npos) << pins;
  EXPECT_NE(pins.find("\n# SnpMinTcb bl="), std::string::npos) << pins;
  ra::Status s = ra::CheckPinsAccept(base, "base", pins, items, 0);
  EXPECT_TRUE(s.ok()) << s.message();
  std::string bad = pins;
  size_t at = bad.find("\nSnpMeasurement ") + 16;
  bad[at] = bad[at] == '0' ? '1' : '0';
  s = EvaluateText(base + bad, items);
  EXPECT_EQ(s.check(), "snp policy") << s.message();
}

// A real Azure vTPM quote (its AK vouched for by the TD quote): the boot
// PCRs are pinned, later ones are comments, and the vouching TD's MRTD is
// pinned as a TD quote's.
TEST(PolicyPins, AzureVtpmPinsBootPcrsAndTheVouchingTd) {
  using namespace ra_tpm_test;
  ra::TpmPcrValues pcrs;
  const std::vector<ra::EvidenceItem> items = AzureVtpmItems(&pcrs);
  const std::time_t at = ra_tdx_test::Utc(2024, 6, 1);
  const std::string base = "AcceptEvidence tpm-quote\n";
  const std::string pins = PinsOf(base, items, at);
  EXPECT_TRUE(HasLine(pins, "# tpm-quote")) << pins;
  EXPECT_NE(pins.find("needs AcceptEvidence tpm-quote"), std::string::npos) << pins;
  EXPECT_TRUE(HasLine(pins, "PCR0 sha256:" + ra::HexEncode(pcrs[ra::kTpmAlgSha256][0]))) << pins;
  EXPECT_TRUE(HasLine(pins, "PCR9 sha256:" + ra::HexEncode(pcrs[ra::kTpmAlgSha256][9]))) << pins;
  EXPECT_TRUE(HasLine(pins, "# PCR10 sha256:" + ra::HexEncode(pcrs[ra::kTpmAlgSha256][10])))
      << pins;
  EXPECT_NE(pins.find("\nMRTD "), std::string::npos) << pins;
  ra::Status s = ra::CheckPinsAccept(base, "base", pins, items, at);
  EXPECT_TRUE(s.ok()) << s.message();
  for (const char* kw : {"\nPCR4 sha256:", "\nMRTD "}) {
    std::string bad = pins;
    size_t pos = bad.find(kw) + std::strlen(kw);
    bad[pos] = bad[pos] == '0' ? '1' : '0';
    s = EvaluateText(base + bad, items, at);
    EXPECT_FALSE(s.ok()) << kw;
  }
}

// Nothing to pin (no kind with reference values verified): empty text.
TEST(PolicyPins, NothingVerifiedNothingPrinted) {
  EXPECT_EQ(ra::PinPolicyText({}), "");
  ra::VerifiedItem unknown;
  unknown.claims.kind = "x-unknown";
  EXPECT_EQ(ra::PinPolicyText({unknown}), "");
  // Text that does not parse is reported as such.
  ra::Status s = ra::CheckPinsAccept("", "none", "MRTD zz\n", {}, 0);
  EXPECT_EQ(s.check(), "pinned policy");
  EXPECT_NE(s.detail().find("does not parse"), std::string::npos) << s.message();
}

}  // namespace
