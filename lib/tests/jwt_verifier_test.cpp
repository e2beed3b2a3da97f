// Generic token checks, each failed on its own: a token that is good in
// every respect but one must be refused, with that check named.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jwt_test_util.h"
#include "policy/policy.h"
#include "ra_test_util.h"
#include "verify/jwt_verifier.h"

namespace {

using jwt_test::Obj;
using ra::Bytes;
using ra::JsonPtr;

const time_t kNow = 1750000000;
const char kIssuer[] = "https://x.attest.azure.net";

class JwtVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = jwt_test::GenRsa(2048).release();
    other_rsa_ = jwt_test::GenRsa(2048).release();
    ec256_ = jwt_test::GenEc("P-256").release();
    ec384_ = jwt_test::GenEc("P-384").release();
  }
  static void TearDownTestSuite() {
    for (EVP_PKEY* k : {rsa_, other_rsa_, ec256_, ec384_}) EVP_PKEY_free(k);
  }

  void SetUp() override {
    JsonPtr keys(json_array());
    json_array_append_new(keys.get(), jwt_test::Jwk("rsa1", rsa_).release());
    json_array_append_new(keys.get(), jwt_test::Jwk("ec256", ec256_).release());
    json_array_append_new(keys.get(), jwt_test::Jwk("ec384", ec384_).release());
    JsonPtr jwks(json_object());
    json_object_set(jwks.get(), "keys", keys.get());
    ra_test::WriteFile(dir_ / "jwks.json", ra::JsonDump(jwks.get()));
    LoadPolicy("");
  }

  void LoadPolicy(const std::string& extra) {
    std::string text = std::string("AcceptEvidence maa-token\nIssuer ") + kIssuer +
                       "\nIssuerKeys " + (dir_ / "jwks.json") + "\n" + extra;
    ra::Status s = ra::ParsePolicy(text, dir_ / "policy", &policy_);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  static JsonPtr Header(const std::string& alg, const std::string& kid) {
    JsonPtr h(json_object());
    json_object_set_new(h.get(), "alg", json_string(alg.c_str()));
    json_object_set_new(h.get(), "jku", json_string((std::string(kIssuer) + "/certs").c_str()));
    json_object_set_new(h.get(), "kid", json_string(kid.c_str()));
    json_object_set_new(h.get(), "typ", json_string("JWT"));
    return h;
  }
  static JsonPtr Claims() {
    JsonPtr c(json_object());
    json_object_set_new(c.get(), "iss", json_string(kIssuer));
    json_object_set_new(c.get(), "iat", json_integer(kNow - 10));
    json_object_set_new(c.get(), "nbf", json_integer(kNow - 10));
    json_object_set_new(c.get(), "exp", json_integer(kNow + 3600));
    json_object_set_new(c.get(), "x-ms-attestation-type", json_string("tdxvm"));
    return c;
  }
  // A token good in every respect, then changed by the test.
  std::string Good(const std::string& alg = "RS256") {
    EVP_PKEY* k = alg == "ES256" ? ec256_ : alg == "ES384" ? ec384_ : rsa_;
    std::string kid = alg == "ES256" ? "ec256" : alg == "ES384" ? "ec384" : "rsa1";
    return jwt_test::Sign(alg, k, Header(alg, kid).get(), Claims().get());
  }

  ra::Status Verify(const std::string& token, time_t now = kNow) {
    return ra::VerifyJwtToken(token, policy_, now, &result_);
  }
  void ExpectRefused(const std::string& token, const std::string& check,
                     const std::string& needle = "") {
    ra::Status s = Verify(token);
    ASSERT_FALSE(s.ok()) << "accepted";
    EXPECT_EQ(s.check(), check) << s.message();
    if (!needle.empty()) {
      EXPECT_NE(s.message().find(needle), std::string::npos)
          << "'" << needle << "' not in: " << s.message();
    }
  }

  static EVP_PKEY* rsa_;
  static EVP_PKEY* other_rsa_;
  static EVP_PKEY* ec256_;
  static EVP_PKEY* ec384_;
  ra_test::TempDir dir_;
  ra::Policy policy_;
  ra::VerifiedJwt result_;
};

EVP_PKEY* JwtVerify::rsa_ = nullptr;
EVP_PKEY* JwtVerify::other_rsa_ = nullptr;
EVP_PKEY* JwtVerify::ec256_ = nullptr;
EVP_PKEY* JwtVerify::ec384_ = nullptr;

TEST_F(JwtVerify, EveryAllowedAlgorithmVerifies) {
  for (const char* alg : {"RS256", "PS256", "PS384", "ES256", "ES384"}) {
    ra::Status s = Verify(Good(alg));
    EXPECT_TRUE(s.ok()) << alg << ": " << s.message();
    EXPECT_EQ(result_.alg, alg);
    EXPECT_EQ(result_.issuer, kIssuer);
    EXPECT_EQ(result_.attestation_type, "tdxvm");
    EXPECT_EQ(result_.exp, kNow + 3600);
  }
}

TEST_F(JwtVerify, AlgNoneRefused) {
  std::string unsigned_input = jwt_test::Encode(Header("none", "rsa1").get(), Claims().get());
  ExpectRefused(unsigned_input + ".", "jwt alg", "'none' refused");
  // With a genuine RS256 signature attached, still refused: alg decides first.
  std::string sig = Good().substr(Good().rfind('.'));
  ExpectRefused(unsigned_input + sig, "jwt alg");
  for (const char* spelling : {"None", "NONE", "nOnE", ""})
    ExpectRefused(jwt_test::Encode(Header(spelling, "rsa1").get(), Claims().get()) + ".",
                  "jwt alg");
}

TEST_F(JwtVerify, HmacWithThePublicKeyAsSecretRefused) {
  // The key-confusion attack: HS256 "signed" with the issuer's public key.
  for (const Bytes& secret : {jwt_test::PubDer(rsa_),
                              [] {
                                std::string pem = jwt_test::PubPem(rsa_);
                                return Bytes(pem.begin(), pem.end());
                              }()}) {
    ExpectRefused(jwt_test::SignHmac(secret, Header("HS256", "rsa1").get(), Claims().get()),
                  "jwt alg", "HS256");
  }
  for (const char* alg : {"HS384", "HS512"})
    ExpectRefused(jwt_test::SignHmac(jwt_test::PubDer(rsa_), Header(alg, "rsa1").get(),
                                     Claims().get()),
                  "jwt alg");
}

TEST_F(JwtVerify, AlgorithmsOffTheAllowlistRefused) {
  for (const char* alg : {"RS384", "RS512", "ES512", "EdDSA", "rs256", "RS256 ", "PS512"}) {
    JsonPtr h = Header(alg, "rsa1");
    ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt alg");
  }
  JsonPtr h = Header("RS256", "rsa1");
  json_object_set_new(h.get(), "alg", json_integer(256));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt alg", "number");
  json_object_del(h.get(), "alg");
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt alg", "missing");
}

TEST_F(JwtVerify, CriticalExtensionsRefused) {
  JsonPtr h = Header("RS256", "rsa1");
  json_object_set_new(h.get(), "crit", Obj(R"(["b64"])").release());
  json_object_set_new(h.get(), "b64", json_false());
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt crit");
}

TEST_F(JwtVerify, UnknownOrMissingKidRefused) {
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa2").get(), Claims().get()),
                "jwt key", "unknown kid 'rsa2'");
  JsonPtr h = Header("RS256", "rsa1");
  json_object_del(h.get(), "kid");
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt key", "missing");
  json_object_set_new(h.get(), "kid", json_integer(1));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt key", "number");
}

TEST_F(JwtVerify, KidOfAKeyOfTheWrongTypeRefused) {
  // alg and kid disagree: the key never decides the algorithm.
  ExpectRefused(jwt_test::Sign("ES256", ec256_, Header("RS256", "ec256").get(), Claims().get()),
                "jwt key", "not an RSA key");
  ExpectRefused(jwt_test::Sign("PS256", rsa_, Header("ES256", "rsa1").get(), Claims().get()),
                "jwt key", "not a P-256 key");
  ExpectRefused(jwt_test::Sign("ES256", ec256_, Header("ES384", "ec256").get(), Claims().get()),
                "jwt key", "not a P-384 key");
  ExpectRefused(jwt_test::Sign("ES384", ec384_, Header("ES256", "ec384").get(), Claims().get()),
                "jwt key", "not a P-256 key");
}

TEST_F(JwtVerify, BadSignaturesRefused) {
  // Payload changed after signing.
  std::string t = Good();
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "tdx_mrtd", json_string("00"));
  std::string forged = jwt_test::Encode(Header("RS256", "rsa1").get(), c.get()) +
                       t.substr(t.rfind('.'));
  ExpectRefused(forged, "jwt signature", "does not verify");
  // Signed by a key that is not the issuer's, under the issuer's kid.
  ExpectRefused(jwt_test::Sign("RS256", other_rsa_, Header("RS256", "rsa1").get(), Claims().get()),
                "jwt signature");
  // RS256 header over a PSS signature, and the other way round.
  ExpectRefused(jwt_test::Sign("PS256", rsa_, Header("RS256", "rsa1").get(), Claims().get()),
                "jwt signature");
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("PS256", "rsa1").get(), Claims().get()),
                "jwt signature");
  // PS384 header over a PS256 signature (hash and salt length differ).
  ExpectRefused(jwt_test::Sign("PS256", rsa_, Header("PS384", "rsa1").get(), Claims().get()),
                "jwt signature");
  // Truncated RSA signature; empty signature.
  Bytes sig;
  ASSERT_TRUE(ra::Base64UrlDecode(t.substr(t.rfind('.') + 1), &sig).ok());
  sig.pop_back();
  ExpectRefused(t.substr(0, t.rfind('.') + 1) + jwt_test::B64u(sig), "jwt signature", "length");
  ExpectRefused(t.substr(0, t.rfind('.') + 1), "jwt signature", "empty");
}

TEST_F(JwtVerify, EcdsaSignatureMustBeJoseRawOfTheRightLength) {
  std::string input = jwt_test::Encode(Header("ES256", "ec256").get(), Claims().get());
  Bytes raw = jwt_test::SignRaw("ES256", ec256_, input);
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_TRUE(Verify(input + "." + jwt_test::B64u(raw)).ok());
  // DER-encoded (what OpenSSL emits) is not JOSE.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, ec256_);
  size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  Bytes der(len);
  EVP_DigestSign(ctx.get(), der.data(), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  der.resize(len);
  ExpectRefused(input + "." + jwt_test::B64u(der), "jwt signature");
  raw.push_back(0);
  ExpectRefused(input + "." + jwt_test::B64u(raw), "jwt signature", "not 64");
  raw.resize(64);
  raw[10] ^= 1;
  ExpectRefused(input + "." + jwt_test::B64u(raw), "jwt signature", "does not verify");
}

TEST_F(JwtVerify, IssuerMustMatchExactly) {
  auto with_iss = [&](json_t* iss) {
    JsonPtr c = Claims();
    if (iss) json_object_set_new(c.get(), "iss", iss);
    else json_object_del(c.get(), "iss");
    return jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get());
  };
  for (const char* iss : {"https://other.attest.azure.net",
                          "https://evil.example/attest.azure.net",
                          "https://evil.example/x.attest.azure.net",
                          "https://x.attest.azure.net.evil.example",
                          "https://evilx.attest.azure.net",
                          "https://x.attest.azure.net:8443",
                          "https://x.attest.azure.net/tenant"}) {
    ExpectRefused(with_iss(json_string(iss)), "jwt iss", "not a policy Issuer");
  }
  for (const char* iss : {"http://x.attest.azure.net", "https://x.attest.azure.net@evil.example",
                          "https://x.attest.azure.net?x", "x.attest.azure.net"}) {
    ExpectRefused(with_iss(json_string(iss)), "jwt iss");
  }
  ExpectRefused(with_iss(nullptr), "jwt iss", "missing");
  ExpectRefused(with_iss(json_integer(1)), "jwt iss", "number");
  ExpectRefused(with_iss(Obj(R"(["https://x.attest.azure.net"])").release()), "jwt iss", "array");
  // Spellings of the same URL are the same issuer.
  for (const char* iss : {"https://X.Attest.Azure.Net/", "https://x.attest.azure.net:443"}) {
    JsonPtr h = Header("RS256", "rsa1");
    json_object_del(h.get(), "jku");
    JsonPtr c = Claims();
    json_object_set_new(c.get(), "iss", json_string(iss));
    ra::Status s = Verify(jwt_test::Sign("RS256", rsa_, h.get(), c.get()));
    EXPECT_TRUE(s.ok()) << iss << ": " << s.message();
  }
}

TEST_F(JwtVerify, JkuMustBeTheIssuersCertsExactly) {
  auto with_jku = [&](const char* jku) {
    JsonPtr h = Header("RS256", "rsa1");
    json_object_set_new(h.get(), "jku", json_string(jku));
    return jwt_test::Sign("RS256", rsa_, h.get(), Claims().get());
  };
  for (const char* jku : {"https://evil.example/certs",
                          "https://evil.example/x.attest.azure.net/certs",
                          "https://x.attest.azure.net.evil.example/certs",
                          "https://evil.example/attest.azure.net/certs",
                          "https://x.attest.azure.net",
                          "https://x.attest.azure.net/certs/evil",
                          "https://x.attest.azure.net/certsx",
                          "https://x.attest.azure.net:8443/certs",
                          "http://x.attest.azure.net/certs",
                          "https://x.attest.azure.net/certs?evil"}) {
    ExpectRefused(with_jku(jku), "jwt jku");
  }
  JsonPtr h = Header("RS256", "rsa1");
  json_object_set_new(h.get(), "jku", json_integer(3));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get()), "jwt jku", "number");
  // Absent, or another spelling of the same URL: fine.
  EXPECT_TRUE(Verify(with_jku("https://X.attest.azure.net:443/certs/")).ok());
  json_object_del(h.get(), "jku");
  EXPECT_TRUE(Verify(jwt_test::Sign("RS256", rsa_, h.get(), Claims().get())).ok());
}

TEST_F(JwtVerify, OnlyListedIssuersAreTrustedAmongSeveral) {
  LoadPolicy("Issuer https://y.attest.azure.net\n");
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "iss", json_string("https://y.attest.azure.net"));
  JsonPtr h = Header("RS256", "rsa1");
  json_object_set_new(h.get(), "jku", json_string("https://y.attest.azure.net/certs"));
  EXPECT_TRUE(Verify(jwt_test::Sign("RS256", rsa_, h.get(), c.get())).ok());
  // jku of the other listed issuer: still inconsistent.
  json_object_set_new(h.get(), "jku", json_string("https://x.attest.azure.net/certs"));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, h.get(), c.get()), "jwt jku");
}

TEST_F(JwtVerify, ExpiredRefused) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "exp", json_integer(kNow - 61));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt exp",
                "expired");
  // Within ClockSkew (60 s by default): accepted.
  json_object_set_new(c.get(), "exp", json_integer(kNow - 59));
  EXPECT_TRUE(Verify(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get())).ok());
  // The same token later on.
  EXPECT_EQ(Verify(Good(), kNow + 3600 + 60).check(), "jwt exp");
}

TEST_F(JwtVerify, ExpIsRequiredAndANumber) {
  JsonPtr c = Claims();
  json_object_del(c.get(), "exp");
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt time",
                "missing 'exp'");
  json_object_set_new(c.get(), "exp", json_string("4102444800"));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt time",
                "string");
  json_object_set_new(c.get(), "exp", json_true());
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt time");
  json_object_set_new(c.get(), "exp", json_real(1e300));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt time",
                "out of range");
  json_object_set_new(c.get(), "exp", json_integer(INT64_MAX));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt time",
                "out of range");
}

TEST_F(JwtVerify, NotYetValidRefused) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "nbf", json_integer(kNow + 120));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt nbf");
  json_object_set_new(c.get(), "nbf", json_string("0"));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt time",
                "'nbf' is a string");
  EXPECT_EQ(Verify(Good(), kNow - 100).check(), "jwt nbf");
}

TEST_F(JwtVerify, IatTooOldForMaxAgeRefused) {
  LoadPolicy("MaxAge 300\n");
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "iat", json_integer(kNow - 400));
  json_object_set_new(c.get(), "nbf", json_integer(kNow - 400));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt iat",
                "MaxAge is 300");
  json_object_set_new(c.get(), "iat", json_integer(kNow - 350));  // within MaxAge + skew
  EXPECT_TRUE(Verify(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get())).ok());
  // MaxAge needs an iat.
  json_object_del(c.get(), "iat");
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt iat",
                "missing");
}

TEST_F(JwtVerify, IatInTheFutureRefused) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "iat", json_integer(kNow + 600));
  json_object_del(c.get(), "nbf");
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()), "jwt iat",
                "future");
}

TEST_F(JwtVerify, WrongAttestationTypeTypeRefusedEvenGenerically) {
  JsonPtr c = Claims();
  json_object_set_new(c.get(), "x-ms-attestation-type", json_integer(1));
  ExpectRefused(jwt_test::Sign("RS256", rsa_, Header("RS256", "rsa1").get(), c.get()),
                "jwt claims");
}

TEST_F(JwtVerify, X5cKeysAndCertificateValidity) {
  ra::X509Ptr cert = jwt_test::SelfSigned(rsa_, kNow - 86400, kNow + 86400);
  std::string jwks = R"({"keys":[{"kid":"c1","kty":"RSA","x5c":[")" +
                     jwt_test::CertB64(cert.get()) + R"("]}]})";
  std::vector<ra::JwtKey> keys;
  ASSERT_TRUE(ra::ParseJwks(jwks, "test", false, &keys).ok());
  ASSERT_EQ(keys.size(), 1u);
  ra::JwtToken tok;
  ASSERT_TRUE(ra::ParseJwt(jwt_test::Sign("RS256", rsa_, Header("RS256", "c1").get(),
                                          Claims().get()),
                           &tok)
                  .ok());
  std::vector<std::string> iss{kIssuer};
  ra::VerifiedJwt v;
  EXPECT_TRUE(ra::VerifyJwtWithKeys(tok, iss, keys, 60, 0, kNow, &v).ok());
  // The signing certificate has expired (or is not yet valid) at `now`.
  ra::Status s = ra::VerifyJwtWithKeys(tok, iss, keys, 60, 0, kNow + 2 * 86400, &v);
  EXPECT_EQ(s.check(), "jwt key") << s.message();
  s = ra::VerifyJwtWithKeys(tok, iss, keys, 60, 0, kNow - 2 * 86400, &v);
  EXPECT_EQ(s.check(), "jwt key") << s.message();
  // x5c and n/e naming different keys.
  JsonPtr other = jwt_test::Jwk("c1", other_rsa_);
  json_object_set_new(other.get(), "x5c", Obj("[\"" + jwt_test::CertB64(cert.get()) + "\"]").release());
  std::string mixed = "{\"keys\":[" + ra::JsonDump(other.get()) + "]}";
  EXPECT_FALSE(ra::ParseJwks(mixed, "test", false, &keys).ok());
}

TEST_F(JwtVerify, JwkAlgRestrictsTheKey) {
  JsonPtr jwk = jwt_test::Jwk("rsa1", rsa_);
  json_object_set_new(jwk.get(), "alg", json_string("PS256"));
  std::vector<ra::JwtKey> keys;
  ASSERT_TRUE(ra::ParseJwks("{\"keys\":[" + ra::JsonDump(jwk.get()) + "]}", "t", true, &keys).ok());
  std::vector<std::string> iss{kIssuer};
  ra::JwtToken tok;
  ASSERT_TRUE(ra::ParseJwt(Good("RS256"), &tok).ok());
  EXPECT_EQ(ra::VerifyJwtWithKeys(tok, iss, keys, 60, 0, kNow, nullptr).check(), "jwt key");
  ASSERT_TRUE(ra::ParseJwt(Good("PS256"), &tok).ok());
  EXPECT_TRUE(ra::VerifyJwtWithKeys(tok, iss, keys, 60, 0, kNow, nullptr).ok());
}

TEST(Jwks, MalformedKeySetsRefused) {
  std::vector<ra::JwtKey> keys;
  const char* const kBad[] = {
      "[]",
      "{}",
      R"({"keys":{}})",
      R"({"keys":[]})",
      R"({"keys":[1]})",
      R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})",               // no kid
      R"({"keys":[{"kid":"","kty":"RSA","n":"AQAB","e":"AQAB"}]})",      // empty kid
      R"({"keys":[{"kid":"k","kty":"oct","k":"c2VjcmV0"}]})",            // symmetric
      R"({"keys":[{"kid":"k","kty":"RSA","n":"AQAB","e":"AQAB"}]})",     // 17-bit RSA
      R"({"keys":[{"kid":"k","kty":"OKP","crv":"Ed25519","x":"AA"}]})",  // unsupported
      R"({"keys":[{"kid":"k","kty":"RSA"}]})",                           // no material
      R"({"keys":[{"kid":"k","x5c":"MIIB"}]})",                          // x5c not an array
      R"({"keys":[{"kid":"k","x5c":["not base64!"]}]})",
      R"({"keys":[{"kid":"k","x5c":["AAAA"]}]})",                        // not a certificate
      R"({"keys":[{"kid":"k","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})",
      R"({"keys":[{"kid":"k","kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]})",
      R"({"keys":[{"kid":"k","kty":"RSA","alg":"HS256","n":"AQAB","e":"AQAB"}]})",
      R"({"keys":[{"kid":"k","kid":"j","kty":"RSA","n":"AQAB","e":"AQAB"}]})",  // dup member
  };
  for (const char* j : kBad) EXPECT_FALSE(ra::ParseJwks(j, "t", true, &keys).ok()) << j;
}

TEST(Jwks, DuplicateKidAndKeySizeRules) {
  auto rsa = jwt_test::GenRsa(2048);
  auto small = jwt_test::GenRsa(1024);
  std::string k1 = ra::JsonDump(jwt_test::Jwk("k", rsa.get()).get());
  std::vector<ra::JwtKey> keys;
  EXPECT_TRUE(ra::ParseJwks("{\"keys\":[" + k1 + "]}", "t", false, &keys).ok());
  EXPECT_FALSE(ra::ParseJwks("{\"keys\":[" + k1 + "," + k1 + "]}", "t", true, &keys).ok());
  // 1024-bit RSA: only when pinned by the operator, never when fetched.
  std::string ks = ra::JsonDump(jwt_test::Jwk("s", small.get()).get());
  EXPECT_TRUE(ra::ParseJwks("{\"keys\":[" + ks + "]}", "t", true, &keys).ok());
  EXPECT_FALSE(ra::ParseJwks("{\"keys\":[" + ks + "]}", "t", false, &keys).ok());
}

// The real Azure Attestation token (SGX, RS256, sharedwus, 2021) with the
// public key of its signing certificate pinned for its kid.
class RealMaaToken : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = ra_test::ReadFile(std::string(RA_VECTORS_DIR) + "/maa/token2.jwt");
    ASSERT_FALSE(token_.empty());
  }
  ra::Status Load(const std::string& kid, const std::string& issuer) {
    std::string text = "AcceptEvidence maa-token\nIssuer " + issuer + "\nIssuerKey \"" + kid +
                       "\" " + RA_VECTORS_DIR + "/maa/sharedwus_kid_15N2MH_pubkey.pem\n";
    return ra::ParsePolicy(text, dir_ / "policy", &policy_);
  }
  const std::string kKid = "15N2MHoj9iAdkF/c5nRE3J2HB8JG6Vue3Uzvu3K/Ses=";
  const std::string kIss = "https://sharedwus.wus.attest.azure.net";
  const time_t kIat = 1620244717, kExp = 1620273517;
  std::string token_;
  ra_test::TempDir dir_;
  ra::Policy policy_;
};

TEST_F(RealMaaToken, VerifiesAsAGenericTokenAtItsTime) {
  ASSERT_TRUE(Load(kKid, kIss).ok());
  ra::VerifiedJwt v;
  for (time_t now : {kIat, kIat + 3600, kExp - 1}) {
    ra::Status s = ra::VerifyJwtToken(token_, policy_, now, &v);
    ASSERT_TRUE(s.ok()) << now << ": " << s.message();
  }
  EXPECT_EQ(v.alg, "RS256");
  EXPECT_EQ(v.kid, kKid);
  EXPECT_EQ(v.issuer, kIss);
  EXPECT_EQ(v.attestation_type, "sgx");
  EXPECT_EQ(v.iat, kIat);
  EXPECT_EQ(v.exp, kExp);
}

TEST_F(RealMaaToken, RefusedOutsideItsWindowOrIssuerOrKey) {
  ASSERT_TRUE(Load(kKid, kIss).ok());
  EXPECT_EQ(ra::VerifyJwtToken(token_, policy_, kExp + 61, nullptr).check(), "jwt exp");
  EXPECT_EQ(ra::VerifyJwtToken(token_, policy_, kIat - 61, nullptr).check(), "jwt nbf");
  // Today: long expired.
  EXPECT_EQ(ra::VerifyJwtToken(token_, policy_, 0, nullptr).check(), "jwt exp");
  policy_.max_age = 600;
  EXPECT_EQ(ra::VerifyJwtToken(token_, policy_, kIat + 3600, nullptr).check(), "jwt iat");
  // Another instance of the same service is not this issuer.
  ASSERT_TRUE(Load(kKid, "https://sharedeus.eus.attest.azure.net").ok());
  EXPECT_EQ(ra::VerifyJwtToken(token_, policy_, kIat, nullptr).check(), "jwt iss");
  // The right key under another kid is not found.
  ASSERT_TRUE(Load("other-kid", kIss).ok());
  EXPECT_EQ(ra::VerifyJwtToken(token_, policy_, kIat, nullptr).check(), "jwt key");
  // One flipped payload bit breaks the signature.
  ASSERT_TRUE(Load(kKid, kIss).ok());
  std::string t = token_;
  size_t dot = t.find('.');
  t[dot + 40] = t[dot + 40] == 'A' ? 'B' : 'A';
  ra::Status s = ra::VerifyJwtToken(t, policy_, kIat, nullptr);
  EXPECT_FALSE(s.ok());
}

}  // namespace
