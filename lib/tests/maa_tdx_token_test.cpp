// Azure TDX token claims (maa-token evidence), the policy keywords that
// configure tokens, and the paths into them: the C API and ssh-attest.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "common/bytes_util.h"
#include "jwt_test_util.h"
#include "policy/policy.h"
#include "ra_attest.h"
#include "ra_test_util.h"
#include "verify/maa_token_verifier.h"

namespace {

using jwt_test::Obj;
using ra::JsonPtr;

const time_t kNow = 1750000000;
const char kIssuer[] = "https://tdx.attest.example";
const std::string kMrtd = std::string(96, 'a');
const std::string kRtmr2 = std::string(48, 'b') + std::string(48, 'C');

class MaaTdx : public jwt_test::SignerFixture {
 protected:
  void SetUp() override {
    SetUpSigner(7, 1);
    LoadPolicy("");
  }
  void LoadPolicy(const std::string& extra) {
    policy_text_ = std::string("AcceptEvidence maa-token\nIssuer ") + kIssuer +
                   "\nIssuerKey k1 " + (dir_ / "signer.pem") + "\n" + extra;
    ra_test::WriteFile(dir_ / "policy", policy_text_);
    chmod((dir_ / "policy").c_str(), 0600);
    ra::Status s = ra::ParsePolicy(policy_text_, dir_ / "policy", &policy_);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  // Claims of a compliant, non-debug Azure TDX CVM bound to binding_, the
  // user-data in upper case as Azure writes it.
  JsonPtr Claims() {
    std::string ud = ra::HexEncode(ra::ByteView(binding_.data(), binding_.size()));
    for (char& c : ud) c = static_cast<char>(toupper(c));
    JsonPtr c = Obj(R"({"iss":"https://tdx.attest.example","x-ms-ver":"1.0",
        "x-ms-attestation-type":"tdxvm","x-ms-compliance-status":"azure-compliant-cvm",
        "tdx_td_attributes_debug":false,"attester_tcb_status":"UpToDate",
        "x-ms-runtime":{"client-payload":{"nonce":""},"keys":[]}})");
    json_object_set_new(c.get(), "iat", json_integer(kNow - 5));
    json_object_set_new(c.get(), "nbf", json_integer(kNow - 5));
    json_object_set_new(c.get(), "exp", json_integer(kNow + 28800));
    json_object_set_new(json_object_get(c.get(), "x-ms-runtime"), "user-data",
                        json_string(ud.c_str()));
    json_object_set_new(c.get(), "tdx_mrtd", json_string(kMrtd.c_str()));
    for (const char* r : {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr3", "tdx_mrseam"})
      json_object_set_new(c.get(), r, json_string(std::string(96, '0').c_str()));
    json_object_set_new(c.get(), "tdx_rtmr2", json_string(kRtmr2.c_str()));
    return c;
  }
  std::string Sign(const json_t* claims) {
    JsonPtr h = Obj(R"({"alg":"RS256","kid":"k1","jku":"https://tdx.attest.example/certs","typ":"JWT"})");
    return jwt_test::Sign("RS256", key_, h.get(), claims);
  }
  ra::Status Verify(const std::string& token) {
    return ra::VerifyMaaTdxToken(token, &binding_, policy_, kNow, &claims_);
  }
  void ExpectRefused(const json_t* claims, const std::string& check, const std::string& needle) {
    ra::Status s = Verify(Sign(claims));
    ASSERT_FALSE(s.ok()) << "accepted";
    EXPECT_EQ(s.check(), check) << s.message();
    EXPECT_NE(s.message().find(needle), std::string::npos)
        << "'" << needle << "' not in: " << s.message();
  }
  std::string Field(const std::string& name) {
    for (const auto& f : claims_.fields)
      if (f.first == name) return f.second;
    return "<absent>";
  }

  std::string policy_text_;
  ra::Policy policy_;
  ra::VerifiedClaims claims_;
};

TEST_F(MaaTdx, CompliantBoundTokenVerifies) {
  JsonPtr c = Claims();
  ra::Status s = Verify(Sign(c.get()));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(claims_.kind, "maa-token");
  EXPECT_EQ(Field("issuer"), kIssuer);
  EXPECT_EQ(Field("attestation_type"), "tdxvm");
  EXPECT_EQ(Field("debug"), "no");
  EXPECT_EQ(Field("mrtd"), kMrtd);
  EXPECT_EQ(Field("binding_checked"), "yes");
  // Lower-case user-data is the same binding.
  std::string ud = ra::HexEncode(ra::ByteView(binding_.data(), binding_.size()));
  json_object_set_new(json_object_get(c.get(), "x-ms-runtime"), "user-data",
                      json_string(ud.c_str()));
  EXPECT_TRUE(Verify(Sign(c.get())).ok());
}

TEST_F(MaaTdx, GenericChecksComeFirst) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "exp", json_integer(kNow - 3600));
  ExpectRefused(c.get(), "jwt exp", "expired");
  JsonPtr h = Obj(R"({"alg":"none","kid":"k1"})");
  EXPECT_EQ(Verify(jwt_test::Encode(h.get(), Claims().get()) + ".").check(), "jwt alg");
}

TEST_F(MaaTdx, AttestationTypeMustBeTdxvm) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-attestation-type", json_string("sevsnpvm"));
  ExpectRefused(c.get(), "maa tdx claims", "not tdxvm");
  json_object_del(c.get(), "x-ms-attestation-type");
  ExpectRefused(c.get(), "maa tdx claims", "missing 'x-ms-attestation-type'");
}

TEST_F(MaaTdx, ComplianceStatusRequired) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-compliance-status", json_string("azure-noncompliant-cvm"));
  ExpectRefused(c.get(), "maa tdx claims", "not azure-compliant-cvm");
  json_object_set_new(c.get(), "x-ms-compliance-status", json_true());
  ExpectRefused(c.get(), "maa tdx claims", "boolean");
  json_object_del(c.get(), "x-ms-compliance-status");
  ExpectRefused(c.get(), "maa tdx claims", "missing");
}

TEST_F(MaaTdx, DebugTdRefusedUnlessAllowed) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "tdx_td_attributes_debug", json_true());
  ExpectRefused(c.get(), "tdx policy", "debug");
  LoadPolicy("AllowDebug yes\n");
  ra::Status s = Verify(Sign(c.get()));
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field("debug"), "yes");
}

TEST_F(MaaTdx, DebugClaimMissingOrMistypedRefused) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "tdx_td_attributes_debug", json_string("false"));
  ExpectRefused(c.get(), "maa tdx claims", "not a boolean");
  json_object_set_new(c.get(), "tdx_td_attributes_debug", json_integer(0));
  ExpectRefused(c.get(), "maa tdx claims", "not a boolean");
  json_object_del(c.get(), "tdx_td_attributes_debug");
  ExpectRefused(c.get(), "maa tdx claims", "missing");
}

TEST_F(MaaTdx, WrongUserDataRefused) {
  JsonPtr c = Claims();
  binding_[63] ^= 1;  // the session expects another binding
  ExpectRefused(c.get(), "runtime data binding", "does not match");
}

TEST_F(MaaTdx, RuntimeClaimsMissingOrMistypedRefused) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-runtime", Obj("[{\"user-data\":\"00\"}]").release());
  ExpectRefused(c.get(), "maa tdx claims", "'x-ms-runtime' is an array");
  json_object_set_new(c.get(), "x-ms-runtime", json_string("{}"));
  ExpectRefused(c.get(), "maa tdx claims", "string");
  json_object_del(c.get(), "x-ms-runtime");
  ExpectRefused(c.get(), "maa tdx claims", "missing 'x-ms-runtime'");

  c = Claims();
  json_t* rt = json_object_get(c.get(), "x-ms-runtime");
  json_object_set_new(rt, "user-data", json_integer(1234));
  ExpectRefused(c.get(), "maa tdx claims", "'user-data' is a number");
  json_object_del(rt, "user-data");
  ExpectRefused(c.get(), "maa tdx claims", "missing 'user-data'");
  json_object_set_new(rt, "user-data", json_string(std::string(126, 'a').c_str()));
  ExpectRefused(c.get(), "maa tdx claims", "128 hex digits");
  json_object_set_new(rt, "user-data", json_string((std::string(126, 'a') + "zz").c_str()));
  ExpectRefused(c.get(), "maa tdx claims", "128 hex digits");
}

TEST_F(MaaTdx, ReferenceValuesAgainstTdxClaims) {
  LoadPolicy("MRTD " + kMrtd + "\nRTMR2 " + kRtmr2 + "\n");
  JsonPtr c = Claims();
  ra::Status s = Verify(Sign(c.get()));
  EXPECT_TRUE(s.ok()) << s.message();
  // Upper-case claim, same value.
  std::string upper = kMrtd;
  for (char& ch : upper) ch = static_cast<char>(toupper(ch));
  json_object_set_new(c.get(), "tdx_mrtd", json_string(upper.c_str()));
  EXPECT_TRUE(Verify(Sign(c.get())).ok());
  json_object_set_new(c.get(), "tdx_mrtd", json_string(std::string(96, 'f').c_str()));
  ExpectRefused(c.get(), "tdx policy", "MRTD");
  c = Claims();
  json_object_set_new(c.get(), "tdx_rtmr2", json_string(std::string(96, '0').c_str()));
  ExpectRefused(c.get(), "tdx policy", "RTMR2");
  c = Claims();
  json_object_del(c.get(), "tdx_rtmr2");
  ExpectRefused(c.get(), "maa tdx claims", "missing 'tdx_rtmr2'");
  c = Claims();
  json_object_set_new(c.get(), "tdx_mrtd", Obj("[1]").release());
  ExpectRefused(c.get(), "maa tdx claims", "array");
  LoadPolicy("MRSEAM " + std::string(96, '1') + "\n");
  ExpectRefused(Claims().get(), "tdx policy", "MRSEAM");
}

// A token carries no MRCONFIGID, MROWNER, ... : a policy pinning one
// refuses tokens, unless it also requires a raw TDX quote that checks it.
TEST_F(MaaTdx, PinsATokenCannotCarryRefused) {
  const std::string h48(96, 'a');
  for (const std::string& line :
       {"MrConfigId " + h48, "MrOwner " + h48, "MrOwnerConfig " + h48, "MrServiceTd " + h48,
        std::string("Xfam e71a060000000000"), std::string("TdAttributes SEPT_VE_DISABLE"),
        "TeeTcbSvn " + std::string(32, '0')}) {
    LoadPolicy(line + "\n");
    std::string kw = line.substr(0, line.find(' '));
    ExpectRefused(Claims().get(), "maa tdx claims", "pins " + kw);
    policy_.accepted_types = {ra::kEvidenceMaaToken, ra::kEvidenceAzureTdxQuote};
    policy_.required_types = {ra::kEvidenceMaaToken, ra::kEvidenceAzureTdxQuote};
    ra::Status s = Verify(Sign(Claims().get()));
    EXPECT_TRUE(s.ok()) << line << ": " << s.message();
  }
}

TEST_F(MaaTdx, MistypedMeasurementRefusedEvenWithoutPolicyValues) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "tdx_rtmr1", json_integer(0));
  ExpectRefused(c.get(), "maa tdx claims", "'tdx_rtmr1' is a number");
  json_object_set_new(c.get(), "tdx_rtmr1", json_string("abc"));
  ExpectRefused(c.get(), "maa tdx claims", "96 hex digits");
}

TEST_F(MaaTdx, RealSgxTokenIsNotATdxToken) {
  std::string token = ra_test::ReadFile(std::string(RA_VECTORS_DIR) + "/maa/token2.jwt");
  std::string text = "AcceptEvidence maa-token\nIssuer https://sharedwus.wus.attest.azure.net\n"
                     "IssuerKey 15N2MHoj9iAdkF/c5nRE3J2HB8JG6Vue3Uzvu3K/Ses= " +
                     std::string(RA_VECTORS_DIR) + "/maa/sharedwus_kid_15N2MH_pubkey.pem\n";
  ra::Policy pol;
  ASSERT_TRUE(ra::ParsePolicy(text, dir_ / "p", &pol).ok());
  ra::Status s = ra::VerifyMaaTdxToken(token, &binding_, pol, 1620244717 + 60, nullptr);
  EXPECT_EQ(s.check(), "maa tdx claims") << s.message();
  EXPECT_NE(s.message().find("'sgx', not tdxvm"), std::string::npos) << s.message();
}

TEST_F(MaaTdx, ThroughTheCApi) {
  ra_policy* pol = nullptr;
  char err[512];
  ASSERT_EQ(ra_policy_load((dir_ / "policy").c_str(), &pol, err, sizeof(err)), RA_OK) << err;
  EXPECT_STREQ(ra_policy_accepted_kinds(pol), "maa-token");
  ra_evidence* ev = ra_evidence_new();
  std::string token = Sign(Claims().get());
  ASSERT_EQ(ra_evidence_add(ev, RA_EVIDENCE_MAA_TOKEN,
                            reinterpret_cast<const uint8_t*>(token.data()), token.size(), err,
                            sizeof(err)),
            RA_OK);
  char summary[1024];
  int rc = ra_verify(pol, ev, binding_.data(), kNow, summary, sizeof(summary), err, sizeof(err));
  EXPECT_EQ(rc, RA_OK) << err;
  EXPECT_NE(std::string(summary).find("maa-token"), std::string::npos) << summary;
  ra::Binding other = binding_;
  other[0] ^= 0xff;
  rc = ra_verify(pol, ev, other.data(), kNow, summary, sizeof(summary), err, sizeof(err));
  EXPECT_EQ(rc, RA_ERR_REFUSED);
  EXPECT_NE(std::string(err).find("runtime data binding"), std::string::npos) << err;
  ra_evidence_free(ev);
  ra_policy_free(pol);
}

// ---- Policy keywords ----

ra::Status ParseText(const std::string& text, ra::Policy* pol) {
  return ra::ParsePolicy(text, "/etc/ra/p.conf", pol);
}

TEST_F(MaaTdx, PolicyKeywordsParse) {
  EXPECT_EQ(policy_.issuers, std::vector<std::string>{kIssuer});
  ASSERT_EQ(policy_.issuer_key_pems.size(), 1u);
  EXPECT_EQ(policy_.issuer_key_pems[0].first, "k1");
  ra::Policy pol;
  ASSERT_TRUE(ParseText("Issuer HTTPS://A.example/\nIssuer https://b.example:8443\nIssuerCA " +
                            std::string(RA_VECTORS_DIR) + "/roots/Intel_SGX_Root_CA.pem\n",
                        &pol)
                  .ok());
  EXPECT_EQ(pol.issuers, (std::vector<std::string>{"https://a.example", "https://b.example:8443"}));
  EXPECT_FALSE(pol.issuer_ca_file.empty());
  // Tokens stay off by default.
  EXPECT_EQ(pol.accepted_types,
            std::vector<std::string>({"tdx-quote", "tdx-quote-sha512", "snp-report"}));
  ra::Policy def;
  EXPECT_EQ(def.accepted_types,
            std::vector<std::string>({"tdx-quote", "tdx-quote-sha512", "snp-report"}));
}

TEST_F(MaaTdx, PolicyKeywordErrors) {
  std::string pem = dir_ / "signer.pem";
  ra_test::WriteFile(dir_ / "garbage", "not a key\n");
  ra_test::WriteFile(dir_ / "oct.json", R"({"keys":[{"kid":"a","kty":"oct","k":"AA"}]})");
  ra_test::WriteFile(dir_ / "k1.json",
                     "{\"keys\":[" + ra::JsonDump(jwt_test::Jwk("k1", key_).get()) + "]}");
  struct Case {
    std::string text, needle;
  };
  const Case kCases[] = {
      {"AcceptEvidence maa-token\n", "needs at least one Issuer"},
      {"Issuer http://a.example\n", "not an https URL"},
      {"Issuer https://a.example/?q\n", "query"},
      {"Issuer\n", "missing argument"},
      {"Issuer https://a.example\nIssuer https://A.example/\n", "duplicate Issuer"},
      {"IssuerKeys " + (dir_ / "missing.json") + "\n", "IssuerKeys"},
      {"IssuerKeys " + (dir_ / "oct.json") + "\n", "symmetric"},
      {"IssuerKeys " + (dir_ / "k1.json") + "\nIssuerKeys " + (dir_ / "k1.json") + "\n",
       "duplicate"},
      {"IssuerKey k1\n", "missing argument"},
      {"IssuerKey k1 " + (dir_ / "garbage") + "\n", "no PEM public key"},
      {"IssuerKey k1 " + pem + "\nIssuerKey k1 " + pem + "\n", "given twice"},
      {"IssuerKeys " + (dir_ / "k1.json") + "\nIssuerKey k1 " + pem + "\n", "given twice"},
      {"IssuerCA " + (dir_ / "garbage") + "\n", "no PEM certificate"},
      {"AcceptEvidence maa-token,sgx-token\n", "unknown evidence type"},
  };
  for (const Case& c : kCases) {
    ra::Policy pol;
    ra::Status s = ParseText(c.text, &pol);
    ASSERT_FALSE(s.ok()) << "accepted: " << c.text;
    EXPECT_EQ(s.check(), "policy");
    EXPECT_NE(s.message().find(c.needle), std::string::npos)
        << "'" << c.needle << "' not in: " << s.message();
  }
}

// ---- ssh-attest ----

int RunCli(const std::string& args, std::string* out) {
  std::string cmd = std::string(RA_SSH_ATTEST) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  out->clear();
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out->append(buf.data(), n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST_F(MaaTdx, SshAttestVerifiesTokens) {
  ra_test::WriteFile(dir_ / "t.jwt", Sign(Claims().get()) + "\n");
  std::string hex = ra::HexEncode(ra::ByteView(binding_.data(), binding_.size()));
  std::string out;
  EXPECT_EQ(RunCli("verify " + (dir_ / "t.jwt") + " --policy " + (dir_ / "policy") +
                    " --at 2025-06-15T15:06:40Z --report-data " + hex,
                &out),
            0)
      << out;
  EXPECT_NE(out.find("verified maa-token (tdxvm)"), std::string::npos) << out;
  EXPECT_NE(out.find("report-data=matches"), std::string::npos) << out;
  std::string wrong(128, '0');
  EXPECT_EQ(RunCli("verify " + (dir_ / "t.jwt") + " --policy " + (dir_ / "policy") +
                    " --at 2025-06-15T15:06:40Z --report-data " + wrong,
                &out),
            1);
  EXPECT_NE(out.find("runtime data binding"), std::string::npos) << out;
  // The default policy accepts no tokens.
  EXPECT_EQ(RunCli("verify " + (dir_ / "t.jwt"), &out), 1);
  EXPECT_NE(out.find("does not accept maa-token"), std::string::npos) << out;
}

TEST_F(MaaTdx, SshAttestRealTokenAndClaims) {
  std::string vec = std::string(RA_VECTORS_DIR) + "/maa/token2.jwt";
  ra_test::WriteFile(dir_ / "real.policy",
                     "AcceptEvidence maa-token\nIssuer https://sharedwus.wus.attest.azure.net\n"
                     "IssuerKey 15N2MHoj9iAdkF/c5nRE3J2HB8JG6Vue3Uzvu3K/Ses= " +
                         std::string(RA_VECTORS_DIR) + "/maa/sharedwus_kid_15N2MH_pubkey.pem\n");
  chmod((dir_ / "real.policy").c_str(), 0600);
  std::string out;
  EXPECT_EQ(RunCli("verify " + vec + " --policy " + (dir_ / "real.policy") +
                    " --at 2021-05-06T00:00:00Z",
                &out),
            0)
      << out;
  EXPECT_NE(out.find("generic; attestation type sgx"), std::string::npos) << out;
  EXPECT_EQ(RunCli("verify " + vec + " --policy " + (dir_ / "real.policy"), &out), 1);
  EXPECT_NE(out.find("jwt exp"), std::string::npos) << out;
  EXPECT_EQ(RunCli("token-claims " + vec, &out), 0) << out;
  EXPECT_NE(out.find("UNVERIFIED"), std::string::npos) << out;
  EXPECT_NE(out.find("\"x-ms-attestation-type\": \"sgx\""), std::string::npos) << out;
  ra_test::WriteFile(dir_ / "bad.jwt", "eyJ.a.b.c\n");
  EXPECT_EQ(RunCli("token-claims " + (dir_ / "bad.jwt"), &out), 1);
  EXPECT_NE(out.find("jwt format"), std::string::npos) << out;
}

}  // namespace
