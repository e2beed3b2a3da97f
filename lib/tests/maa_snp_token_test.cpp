// Azure Attestation tokens of SEV-SNP VMs (x-ms-attestation-type sevsnpvm)
// as maa-token evidence: the claims Azure's SEV-SNP claim set names are
// read, the binding is the runtime user-data, and the SNP policy keywords
// (SnpMeasurement, AllowDebug, SnpVmpl, SnpMinTcb...) appraise them.
// Tokens are signed here by a test key pinned with IssuerKey.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "common/bytes_util.h"
#include "jwt_test_util.h"
#include "policy/maa_snp_policy.h"
#include "policy/policy.h"
#include "ra_test_util.h"
#include "verify/evaluate.h"

namespace {

using jwt_test::Obj;
using ra::JsonPtr;

const time_t kNow = 1750000000;
const char kIssuer[] = "https://snp.attest.example";
const std::string kMeasurement = std::string(48, 'a') + std::string(48, 'B');

class MaaSnp : public jwt_test::SignerFixture {
 protected:
  void SetUp() override {
    SetUpSigner(5, 3);
  }
  // The claims of a compliant, non-debug Azure SNP CVM bound to binding_,
  // in the shape of Azure's documented sevsnpvm claim set.
  JsonPtr Claims() {
    std::string ud = ra::HexEncode(ra::ByteView(binding_.data(), binding_.size()));
    for (char& c : ud) c = static_cast<char>(toupper(c));
    JsonPtr c = Obj(R"({"iss":"https://snp.attest.example","x-ms-ver":"1.0",
        "x-ms-attestation-type":"sevsnpvm","x-ms-compliance-status":"azure-compliant-cvm",
        "x-ms-runtime":{"keys":[]},
        "x-ms-sevsnpvm-authorkeydigest":"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "x-ms-sevsnpvm-bootloader-svn":3,"x-ms-sevsnpvm-familyId":"01000000000000000000000000000000",
        "x-ms-sevsnpvm-guestsvn":2,
        "x-ms-sevsnpvm-hostdata":"0000000000000000000000000000000000000000000000000000000000000000",
        "x-ms-sevsnpvm-idkeydigest":"57486a447ec0f1958002a22a06b7673b9fd27d11e1c6527498056054c5fa92d23c50f9de44072760fe2b6fb89740b696",
        "x-ms-sevsnpvm-imageId":"02000000000000000000000000000000",
        "x-ms-sevsnpvm-is-debuggable":false,"x-ms-sevsnpvm-microcode-svn":115,
        "x-ms-sevsnpvm-migration-allowed":false,"x-ms-sevsnpvm-smt-allowed":true,
        "x-ms-sevsnpvm-snpfw-svn":8,"x-ms-sevsnpvm-tee-svn":0,"x-ms-sevsnpvm-vmpl":0})");
    json_object_set_new(c.get(), "iat", json_integer(kNow - 5));
    json_object_set_new(c.get(), "nbf", json_integer(kNow - 5));
    json_object_set_new(c.get(), "exp", json_integer(kNow + 28800));
    json_object_set_new(json_object_get(c.get(), "x-ms-runtime"), "user-data",
                        json_string(ud.c_str()));
    json_object_set_new(c.get(), "x-ms-sevsnpvm-launchmeasurement",
                        json_string(kMeasurement.c_str()));
    return c;
  }
  std::string Sign(const json_t* claims) {
    JsonPtr h = Obj(R"({"alg":"RS256","kid":"k1","jku":"https://snp.attest.example/certs","typ":"JWT"})");
    return jwt_test::Sign("RS256", key_, h.get(), claims);
  }
  ra::Status Eval(const json_t* claims, const std::string& extra = "",
                  const ra::Binding* binding = nullptr) {
    std::string text = std::string("AcceptEvidence maa-token\nIssuer ") + kIssuer +
                       "\nIssuerKey k1 " + (dir_ / "signer.pem") + "\n" + extra;
    ra::Policy p;
    ra::Status s = ra::ParsePolicy(text, dir_ / "policy", &p);
    if (!s.ok()) return ra::Status::Fail("policy parse", s.message());
    std::string tok = Sign(claims);
    std::vector<ra::EvidenceItem> items{{ra::kEvidenceMaaToken, ra::Bytes(tok.begin(), tok.end())}};
    verdict_ = ra::Verdict();
    return ra::Evaluate(items, p, binding ? binding : &binding_, kNow, &verdict_);
  }
  std::string Field(const std::string& name) {
    return verdict_.items.empty() ? "<none>" : ra::ClaimField(verdict_.items[0].claims, name);
  }
  void ExpectRefused(const json_t* claims, const std::string& extra, const std::string& check,
                     const std::string& needle) {
    ra::Status s = Eval(claims, extra);
    ASSERT_FALSE(s.ok()) << "accepted";
    EXPECT_EQ(s.check(), check) << s.message();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  }

  ra::Verdict verdict_;
};

TEST_F(MaaSnp, CompliantBoundTokenVerifiesWithItsClaims) {
  JsonPtr c = Claims();
  ra::Status s = Eval(c.get());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field("attestation_type"), "sevsnpvm");
  std::string lower = kMeasurement;
  for (char& ch : lower) ch = static_cast<char>(tolower(ch));
  EXPECT_EQ(Field("measurement"), lower);
  EXPECT_EQ(Field("debug"), "no");
  EXPECT_EQ(Field("vmpl"), "0");
  EXPECT_EQ(Field("guest_svn"), "2");
  EXPECT_EQ(Field("reported_tcb_ucode"), "115");
  EXPECT_EQ(Field("family_id"), "01000000000000000000000000000000");
  EXPECT_EQ(Field("binding_checked"), "yes");
  EXPECT_EQ(Field("user_data_is"), "binding");
}

TEST_F(MaaSnp, AnotherSessionsBindingRefused) {
  JsonPtr c = Claims();
  ra::Binding other = binding_;
  other[63] ^= 1;
  ra::Status s = Eval(c.get(), "", &other);
  EXPECT_EQ(s.check(), "runtime data binding") << s.message();
}

TEST_F(MaaSnp, ServiceVerdictAndRequiredClaims) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-compliance-status", json_string("azure-noncompliant-cvm"));
  ExpectRefused(c.get(), "", "maa snp claims", "not azure-compliant-cvm");
  for (const char* claim : {"x-ms-sevsnpvm-is-debuggable", "x-ms-sevsnpvm-launchmeasurement",
                            "x-ms-sevsnpvm-vmpl"}) {
    c = Claims();
    json_object_del(c.get(), claim);
    ExpectRefused(c.get(), "", "maa snp claims", claim);
  }
  c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-launchmeasurement", json_string("abcd"));
  ExpectRefused(c.get(), "", "maa snp claims", "96 hex digits");
  c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-vmpl", json_integer(4));
  ExpectRefused(c.get(), "", "maa snp claims", "0..3");
  c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-guestsvn", json_string("2"));
  ExpectRefused(c.get(), "", "maa snp claims", "guestsvn");
  c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-hostdata", json_string("00"));
  ExpectRefused(c.get(), "", "maa snp claims", "hostdata");
}

TEST_F(MaaSnp, DebugMigrationAndVmplAppraised) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-is-debuggable", json_true());
  ExpectRefused(c.get(), "", "snp policy", "AllowDebug");
  EXPECT_TRUE(Eval(c.get(), "AllowDebug yes\n").ok());
  c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-migration-allowed", json_true());
  ExpectRefused(c.get(), "", "snp policy", "SnpAllowMigrationAgent");
  EXPECT_TRUE(Eval(c.get(), "SnpAllowMigrationAgent yes\n").ok());
  c = Claims();
  json_object_set_new(c.get(), "x-ms-sevsnpvm-vmpl", json_integer(2));
  ExpectRefused(c.get(), "", "snp policy", "SnpVmpl");
  EXPECT_TRUE(Eval(c.get(), "SnpVmpl 2\n").ok());
}

TEST_F(MaaSnp, ReferenceValuesAndMinimums) {
  JsonPtr c = Claims();
  std::string lower = kMeasurement;
  for (char& ch : lower) ch = static_cast<char>(tolower(ch));
  EXPECT_TRUE(Eval(c.get(), "SnpMeasurement " + lower + "\n").ok());
  ExpectRefused(c.get(), "SnpMeasurement " + std::string(96, '0') + "\n", "snp policy",
                "launchmeasurement");
  EXPECT_TRUE(Eval(c.get(), "SnpFamilyId 01000000000000000000000000000000\n"
                            "SnpImageId 02000000000000000000000000000000\n"
                            "SnpHostData " + std::string(64, '0') + "\n").ok());
  ExpectRefused(c.get(), "SnpImageId 03000000000000000000000000000000\n", "snp policy", "imageId");
  ExpectRefused(c.get(), "SnpIdKeyDigest " + std::string(96, 'f') + "\n", "snp policy",
                "idkeydigest");
  EXPECT_TRUE(Eval(c.get(), "SnpMinGuestSvn 2\nSnpMinTcb bl=3,tee=0,snp=8,ucode=115\n").ok());
  ExpectRefused(c.get(), "SnpMinGuestSvn 3\n", "snp policy", "SnpMinGuestSvn");
  ExpectRefused(c.get(), "SnpMinTcb bl=3,tee=0,snp=9,ucode=115\n", "snp policy", "SnpMinTcb");
  // A listed value whose claim the token lacks: refused, not skipped.
  json_object_del(c.get(), "x-ms-sevsnpvm-hostdata");
  ExpectRefused(c.get(), "SnpHostData " + std::string(64, '0') + "\n", "maa snp claims",
                "missing 'x-ms-sevsnpvm-hostdata'");
  c = Claims();
  json_object_del(c.get(), "x-ms-sevsnpvm-snpfw-svn");
  ExpectRefused(c.get(), "SnpMinTcb bl=3,tee=0,snp=8,ucode=115\n", "maa snp claims", "SnpMinTcb");
}

TEST_F(MaaSnp, PinsNoTokenCarriesRefused) {
  JsonPtr c = Claims();
  ExpectRefused(c.get(), "SnpMinAbi 1.51\n", "maa snp claims", "SnpMinAbi");
  ExpectRefused(c.get(), "SnpRequireNoSmt yes\n", "maa snp claims", "SnpRequireNoSmt");
  ExpectRefused(c.get(), "SnpRequirePlatform tsme_enabled\n", "maa snp claims",
                "SnpRequirePlatform");
}

// A TDX token's claims are not read as SNP ones, nor the reverse.
TEST_F(MaaSnp, TdxClaimsAreNotSnpClaims) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-attestation-type", json_string("tdxvm"));
  ra::Status s = Eval(c.get());
  EXPECT_EQ(s.check(), "maa tdx claims") << s.message();
}

}  // namespace
