// Compact JWS parsing: the shape of the token, before any trust decision.
#include <gtest/gtest.h>

#include <string>

#include "jwt_test_util.h"
#include "parse/jwt_token.h"

namespace {

using jwt_test::B64u;
using ra::Bytes;

const std::string kHeader = B64u(std::string(R"({"alg":"RS256","kid":"k"})"));
const std::string kPayload = B64u(std::string(R"({"iss":"https://a.example","exp":1})"));
const std::string kSig = B64u(Bytes{1, 2, 3});

void ExpectFormatError(const std::string& token, const std::string& needle) {
  ra::JwtToken t;
  ra::Status s = ra::ParseJwt(token, &t);
  ASSERT_FALSE(s.ok()) << "accepted: " << token.substr(0, 200);
  EXPECT_EQ(s.check(), "jwt format") << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos)
      << "'" << needle << "' not in: " << s.message();
}

TEST(JwtParse, WellFormedTokenParses) {
  ra::JwtToken t;
  ASSERT_TRUE(ra::ParseJwt(kHeader + "." + kPayload + "." + kSig + "\n", &t).ok());
  EXPECT_EQ(t.signing_input, kHeader + "." + kPayload);
  EXPECT_EQ(t.signature, (Bytes{1, 2, 3}));
  std::string alg;
  ASSERT_TRUE(ra::JsonGetString(t.header.get(), "alg", "x", &alg).ok());
  EXPECT_EQ(alg, "RS256");
}

TEST(JwtParse, EmptySignatureParsesSoTheVerifierNamesTheRefusal) {
  // An unsecured JWS ("alg":"none") is syntactically valid; refusing it is
  // the verifier's job, with "jwt alg" as the reason.
  ra::JwtToken t;
  EXPECT_TRUE(ra::ParseJwt(kHeader + "." + kPayload + ".", &t).ok());
  EXPECT_TRUE(t.signature.empty());
}

TEST(JwtParse, PartCountIsExactlyThree) {
  ExpectFormatError(kHeader + "." + kPayload, "three");
  ExpectFormatError(kHeader, "three");
  ExpectFormatError(kHeader + "." + kPayload + "." + kSig + "." + kSig, "more than three");
  // A JWE has five parts.
  ExpectFormatError(kHeader + "..." + kPayload + "." + kSig, "more than three");
  ExpectFormatError("." + kPayload + "." + kSig, "empty header");
  ExpectFormatError(kHeader + ".." + kSig, "empty header or payload");
  ExpectFormatError("", "empty token");
  ExpectFormatError("  \n", "empty token");
}

TEST(JwtParse, MalformedBase64urlRefused) {
  // Padding, the standard alphabet, whitespace inside, an impossible length.
  ExpectFormatError(kHeader + "=." + kPayload + "." + kSig, "header");
  ExpectFormatError(kHeader + "." + kPayload + "." + kSig + "==", "signature");
  std::string std_alpha = kSig;
  std_alpha[0] = '+';
  ExpectFormatError(kHeader + "." + kPayload + "." + std_alpha, "invalid base64url character");
  ExpectFormatError(kHeader + "." + kPayload + "." + "AQ/D", "invalid base64url character");
  ExpectFormatError(kHeader + "." + kPayload.substr(0, 4) + " " + kPayload.substr(4) + "." + kSig,
                    "payload");
  ExpectFormatError(kHeader + "." + kPayload + ".AAAAA", "impossible base64 length");
  ExpectFormatError(kHeader + "." + kPayload + ".A\x01" "AA", "invalid");
}

TEST(JwtParse, NonCanonicalBase64urlRefused) {
  // "AR" and "AQ" both decode to 0x01 if unused bits are ignored.
  Bytes b;
  EXPECT_TRUE(ra::Base64UrlDecode("AQ", &b).ok());
  EXPECT_EQ(b, Bytes{1});
  EXPECT_FALSE(ra::Base64UrlDecode("AR", &b).ok());
  ExpectFormatError(kHeader + "." + kPayload + ".AR", "non-canonical");
}

TEST(JwtParse, Base64RoundTrip) {
  for (size_t n = 0; n < 70; n++) {
    Bytes in(n);
    for (size_t i = 0; i < n; i++) in[i] = static_cast<uint8_t>(i * 37 + n);
    Bytes out;
    ASSERT_TRUE(ra::Base64UrlDecode(ra::Base64UrlEncode(in), &out).ok()) << n;
    EXPECT_EQ(out, in);
  }
  Bytes out;
  EXPECT_TRUE(ra::Base64Decode("AQID", &out).ok());
  EXPECT_TRUE(ra::Base64Decode("AQI=", &out).ok());
  EXPECT_EQ(out, (Bytes{1, 2}));
  EXPECT_TRUE(ra::Base64Decode("+/+/", &out).ok());
  EXPECT_FALSE(ra::Base64Decode("AQI", &out).ok());   // padding is mandatory
  EXPECT_FALSE(ra::Base64Decode("AQ-_", &out).ok());  // url alphabet is not
  EXPECT_FALSE(ra::Base64Decode("A===", &out).ok());
}

TEST(JwtParse, OversizeRefusedBeforeDecoding) {
  std::string big(ra::kMaxJwtLen + 1, 'A');
  ExpectFormatError(big, "longer than");
  // Just under the bound is only refused for what it is (not JSON).
  std::string payload(ra::kMaxJwtLen - kHeader.size() - 10, 'A');
  ExpectFormatError(kHeader + "." + payload + "." + kSig, "payload");
}

TEST(JwtParse, HeaderAndPayloadMustBeJsonObjects) {
  ExpectFormatError(B64u(std::string("[1]")) + "." + kPayload + "." + kSig, "not a JSON object");
  // jansson refuses a bare string at the top level already.
  ExpectFormatError(kHeader + "." + B64u(std::string("\"x\"")) + "." + kSig, "payload");
  ExpectFormatError(kHeader + "." + B64u(std::string("{\"a\":")) + "." + kSig, "invalid JSON");
  ExpectFormatError(kHeader + "." + B64u(std::string("{} {}")) + "." + kSig, "invalid JSON");
}

TEST(JwtParse, DuplicateMembersRefused) {
  // Two parsers could disagree on which "iss" or "alg" counts.
  ExpectFormatError(kHeader + "." +
                        B64u(std::string(R"({"iss":"https://good","iss":"https://evil"})")) +
                        "." + kSig,
                    "duplicate");
  ExpectFormatError(B64u(std::string(R"({"alg":"RS256","alg":"none"})")) + "." + kPayload +
                        "." + kSig,
                    "duplicate");
}

TEST(JwtParse, NulInsideStringsRefused) {
  ExpectFormatError(kHeader + "." + B64u(std::string(R"({"iss":"https://a\u0000.evil"})")) +
                        "." + kSig,
                    "invalid JSON");
}

TEST(JwtClaims, TypedAccessorsRefuseWrongTypesAndMissingMembers) {
  auto j = jwt_test::Obj(
      R"({"s":"x","n":5,"r":1.9,"b":true,"o":{},"a":[],"z":null,"neg":-1,"big":1e300})");
  std::string s;
  bool b = false, present = true;
  int64_t t = 0;
  const json_t* o = nullptr;
  EXPECT_TRUE(ra::JsonGetString(j.get(), "s", "c", &s).ok());
  EXPECT_FALSE(ra::JsonGetString(j.get(), "n", "c", &s).ok());
  EXPECT_FALSE(ra::JsonGetString(j.get(), "z", "c", &s).ok());
  EXPECT_FALSE(ra::JsonGetString(j.get(), "missing", "c", &s).ok());
  EXPECT_TRUE(ra::JsonGetString(j.get(), "missing", "c", &s, &present).ok());
  EXPECT_FALSE(present);
  EXPECT_FALSE(ra::JsonGetString(j.get(), "n", "c", &s, &present).ok());  // present, wrong
  EXPECT_TRUE(ra::JsonGetBool(j.get(), "b", "c", &b).ok());
  EXPECT_TRUE(b);
  EXPECT_FALSE(ra::JsonGetBool(j.get(), "s", "c", &b).ok());
  EXPECT_FALSE(ra::JsonGetBool(j.get(), "n", "c", &b).ok());
  EXPECT_TRUE(ra::JsonGetObject(j.get(), "o", "c", &o).ok());
  EXPECT_FALSE(ra::JsonGetObject(j.get(), "a", "c", &o).ok());
  EXPECT_FALSE(ra::JsonGetObject(j.get(), "z", "c", &o).ok());
  EXPECT_TRUE(ra::JsonGetNumericDate(j.get(), "n", "c", &t).ok());
  EXPECT_EQ(t, 5);
  EXPECT_TRUE(ra::JsonGetNumericDate(j.get(), "r", "c", &t).ok());
  EXPECT_EQ(t, 1);
  EXPECT_FALSE(ra::JsonGetNumericDate(j.get(), "s", "c", &t).ok());
  EXPECT_FALSE(ra::JsonGetNumericDate(j.get(), "b", "c", &t).ok());
  EXPECT_FALSE(ra::JsonGetNumericDate(j.get(), "neg", "c", &t).ok());
  EXPECT_FALSE(ra::JsonGetNumericDate(j.get(), "big", "c", &t).ok());
  // Not an object at all (x-ms-runtime as an array, say).
  EXPECT_FALSE(ra::JsonGetString(json_object_get(j.get(), "a"), "s", "c", &s).ok());
  EXPECT_FALSE(ra::JsonGetString(nullptr, "s", "c", &s).ok());
}

struct UrlCase {
  const char* in;
  const char* out;  // nullptr: refused
};

TEST(IssuerUrl, NormalizationIsExactAndRefusesSecondSpellings) {
  const UrlCase kCases[] = {
      {"https://sharedwus.wus.attest.azure.net", "https://sharedwus.wus.attest.azure.net"},
      {"HTTPS://SharedWUS.wus.Attest.Azure.NET/", "https://sharedwus.wus.attest.azure.net"},
      {"https://a.example:443/", "https://a.example"},
      {"https://a.example:0443", "https://a.example"},
      {"https://a.example:8443/x/", "https://a.example:8443/x"},
      {"https://127.0.0.1:4433", "https://127.0.0.1:4433"},
      {"https://[::1]:4433/p", "https://[::1]:4433/p"},
      {"https://[::A]", "https://[::a]"},
      {"https://[0:0::a]:443", "https://[::a]"},
      {"https://[2001:DB8::1]", "https://[2001:db8::1]"},
      {"https://[]", nullptr},
      {"https://[::1%25eth0]", nullptr},
      {"https://[::g]", nullptr},
      {"https://[1:2:3:4:5:6:7:8:9]", nullptr},
      {"https://[::1]x", nullptr},
      {"https://a.example/certs", "https://a.example/certs"},
      {"http://a.example", nullptr},
      {"a.example", nullptr},
      {"https://", nullptr},
      {"https://user@a.example", nullptr},
      {"https://evil.example@a.example", nullptr},
      {"https://a.example/?x", nullptr},
      {"https://a.example#f", nullptr},
      {"https://a.example/%2e%2e", nullptr},
      {"https://a.example/../b", nullptr},
      {"https://a.example/./b", nullptr},
      {"https://a.example//b", nullptr},
      {"https://a.example.", nullptr},
      {"https://a..example", nullptr},
      {"https://a_b.example", nullptr},
      {"https://a.example:", nullptr},
      {"https://a.example:65536", nullptr},
      {"https://a.example:0", nullptr},
      {"https://a.example:12x", nullptr},
      {"https://a.example\\@b", nullptr},
      {"https://a.example /", nullptr},
      {"https://a.ex\xc3\xa4mple", nullptr},
  };
  for (const UrlCase& c : kCases) {
    std::string out;
    ra::Status s = ra::NormalizeHttpsUrl(c.in, &out);
    if (c.out) {
      EXPECT_TRUE(s.ok()) << c.in << ": " << s.message();
      EXPECT_EQ(out, c.out) << c.in;
    } else {
      EXPECT_FALSE(s.ok()) << c.in << " -> " << out;
    }
  }
}

}  // namespace
