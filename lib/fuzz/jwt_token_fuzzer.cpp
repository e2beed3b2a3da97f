// libFuzzer target: attestation-service tokens.  Two ways in:
//
//  * raw: arbitrary bytes to ra::ParseJwt and to the MAA token verifier,
//    as a peer would send them;
//  * signed: the fuzzer supplies the header and claims bytes, the harness
//    signs them with a key made in LLVMFuzzerInitialize and pinned by the
//    policies, so fuzzed claims get past the signature and reach the time,
//    issuer and Azure TDX claim checks (ra::VerifyMaaTdxToken, the real
//    path of evidence type maa-token, or its steps with the keys loaded
//    once: see LLVMFuzzerTestOneInput).  Without this, no mutated claim
//    would ever survive the signature check.
//
// Input layout:
//   byte 0  bits 0-2  how the token is made:
//                     0, 7  raw: bytes 1.. are the token text
//                     1 ES256 with the pinned P-256 key (kid k-es)
//                     2 RS256 with the pinned RSA key (kid k-rs)
//                     3 PS256 with the pinned RSA key (kid k-rs)
//                     4 ES256 with a key nobody pinned (kid k-es)
//                     5 HS256 keyed with the pinned RSA key's DER, the
//                       classic confusion (kid k-rs)
//                     6 unsecured ("none", empty signature)
//           bit 3     header: set = the fuzzed header bytes verbatim;
//                     clear = {"alg":<mode's alg>,"kid":<key>,"typ":"JWT"}
//           bits 4-5  policy: 0 pinned JWKS (both keys); 1 the same + AllowDebug,
//                     reference values, MaxAge 300, ClockSkew 0;
//                     2 the real Azure (sharedwus) key and issuer;
//                     3 a pinned JWKS (RSA key restricted to RS256) and a
//                     second issuer
//           bit 6     time: 1750000000, or 1620244777 (real vector token)
//           bit 7     binding: a fixed 64-byte binding, or none
//   signed modes: bytes 1-2 header length (u16 little-endian, clamped),
//   the header bytes, then the claims bytes (the rest).  Neither has to be
//   JSON: the harness base64url-encodes whatever it gets.
//
// Invariants (abort on violation): a failure names its check; an accepted
// token was signed by a pinned key with the alg its header states, that
// alg is on the allowlist, its iss normalizes to a policy Issuer, it has
// not expired, and its claims say tdxvm, azure-compliant-cvm, no debug
// (unless allowed), the expected user-data and the policy's MRTD; tokens
// of modes 4-6 and raw tokens under our own keys are never accepted (a
// raw token only as a generic one under the real key, without binding); a
// token built from two JSON objects always parses, with exactly the
// signing input it was built from.
//
// No network: every policy pins its keys, so nothing is ever fetched.
// Environment: RA_FUZZ_MAA (shared vectors' maa/, for policy 2; without
// it policy 2 is policy 0); RA_FUZZ_VERBOSE prints each verdict (when
// replaying inputs).
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_checks.h"
#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/jwt_token.h"
#include "policy/maa_tdx_policy.h"
#include "policy/policy.h"
#include "verify/evaluate.h"
#include "verify/jwt_verifier.h"
#include "verify/maa_token_verifier.h"
#include "verify/x509_util.h"

namespace {

using fuzz::Die;

const char kIssuer[] = "https://tdx.attest.example";
const char kIssuer2[] = "https://other.attest.example";
const char kRealIssuer[] = "https://sharedwus.wus.attest.azure.net";
const std::string kMrtd(96, 'a');
const time_t kTimes[2] = {1750000000, 1620244777};

EVP_PKEY* g_es = nullptr;       // pinned P-256 (kid k-es)
EVP_PKEY* g_rs = nullptr;       // pinned RSA (kid k-rs)
EVP_PKEY* g_foreign = nullptr;  // P-256 no policy knows
ra::Bytes g_rs_der;             // SubjectPublicKeyInfo of g_rs
ra::Policy g_policy[4];
bool g_real_maa = false;  // policy 2 pins the sharedwus key (else it is policy 0)
std::vector<ra::JwtKey> g_keys[4];  // each policy's pinned keys, loaded once
ra::Binding g_binding;

void WriteFile(const std::string& path, const std::string& text) {
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr || fputs(text.c_str(), f) < 0 || fclose(f) != 0) Die("cannot write " + path);
  chmod(path.c_str(), 0644);
}

std::string B64u(const std::string& s) {
  return ra::Base64UrlEncode(ra::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// x and y of an uncompressed P-256 point, for a JWK.
void EcXy(EVP_PKEY* k, std::string* x, std::string* y) {
  unsigned char pt[65];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(k, "pub", pt, sizeof(pt), &len) != 1 || len != 65)
    Die("EC public point");
  *x = ra::Base64UrlEncode(ra::ByteView(pt + 1, 32));
  *y = ra::Base64UrlEncode(ra::ByteView(pt + 33, 32));
}

std::string BnB64u(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) Die("EVP_PKEY_get_bn_param");
  ra::Bytes b(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, b.data());
  BN_free(bn);
  return ra::Base64UrlEncode(ra::ByteView(b.data(), b.size()));
}

ra::Policy ParsePolicyOrDie(const std::string& dir, const std::string& name,
                            const std::string& text) {
  ra::Policy p;
  ra::Status s = ra::ParsePolicy(text, dir + "/" + name, &p);
  if (!s.ok()) Die("policy " + name + ": " + s.message());
  return p;
}

// ES256 wants JOSE r || s, not OpenSSL's DER.
ra::Bytes Sign(const char* alg, EVP_PKEY* key, const std::string& input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                             EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1)
    Die("EVP_DigestSignInit");
  if (alg[0] == 'P' && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
                        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1))
    Die("PSS parameters");
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) Die("EVP_DigestSign");
  ra::Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, in, input.size()) != 1) Die("EVP_DigestSign");
  sig.resize(len);
  if (alg[0] != 'E') return sig;
  const unsigned char* p = sig.data();
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (es == nullptr) Die("d2i_ECDSA_SIG");
  ra::Bytes raw(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(es), raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), raw.data() + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

ra::Bytes Hmac(const ra::Bytes& secret, const std::string& input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &len) == nullptr)
    Die("HMAC");
  return ra::Bytes(mac, mac + len);
}

std::string Field(const ra::VerifiedClaims& c, const std::string& name) {
  for (const auto& f : c.fields)
    if (f.first == name) return f.second;
  return "<absent>";
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  return s;
}

const json_t* Member(const json_t* obj, const char* key) {
  return obj != nullptr ? json_object_get(obj, key) : nullptr;
}

bool StringIs(const json_t* v, const char* want) {
  return json_is_string(v) && json_string_length(v) == strlen(want) &&
         strcmp(json_string_value(v), want) == 0;
}

// An accepted token: everything the verifier promised, re-derived from
// the bytes the harness signed (not from what the verifier reports).
void CheckAccepted(int mode, int pol, time_t now, bool with_binding, const std::string& header,
                   const std::string& claims, const ra::VerifiedClaims& out) {
  static const char* const kAlg[] = {"", "ES256", "RS256", "PS256"};
  static const char* const kKid[] = {"", "k-es", "k-rs", "k-rs"};
  if (mode < 1 || mode > 3) Die("accepted a token no pinned key signed (mode " +
                                std::to_string(mode) + ")");
  ra::JsonPtr h, c;
  if (!ra::ParseJsonObject(header, "h", &h).ok() || !ra::ParseJsonObject(claims, "c", &c).ok())
    Die("accepted a token whose header or claims are not JSON objects");
  if (!StringIs(Member(h.get(), "alg"), kAlg[mode]) || Field(out, "alg") != kAlg[mode] ||
      !ra::JwtAlgAllowed(kAlg[mode]))
    Die("accepted alg differs from the signing alg " + std::string(kAlg[mode]));
  if (!StringIs(Member(h.get(), "kid"), kKid[mode]) || Field(out, "kid") != kKid[mode])
    Die("accepted kid differs from the signing key");
  if (pol == 2 && g_real_maa) Die("accepted our own key under the sharedwus-only policy");
  if (pol == 3 && mode == 3) Die("accepted PS256 for a JWK restricted to RS256");
  const json_t* iss = Member(c.get(), "iss");
  std::string norm;
  if (!json_is_string(iss) || !ra::NormalizeHttpsUrl(json_string_value(iss), &norm).ok())
    Die("accepted iss is not an https URL");
  if (norm != Field(out, "issuer") ||
      !(norm == kIssuer || (pol == 3 && norm == kIssuer2)))
    Die("accepted iss '" + norm + "' is not a policy Issuer");
  const json_t* exp = Member(c.get(), "exp");
  int64_t skew = pol == 1 ? 0 : 60;
  if (!json_is_number(exp) || json_number_value(exp) <= static_cast<double>(now - skew))
    Die("accepted an expired token or one without exp");
  if (pol == 1) {
    const json_t* iat = Member(c.get(), "iat");
    if (!json_is_number(iat) || static_cast<double>(now) - json_number_value(iat) > 300.0)
      Die("accepted a token older than MaxAge");
  }
  if (!StringIs(Member(c.get(), "x-ms-attestation-type"), "tdxvm") ||
      !StringIs(Member(c.get(), "x-ms-compliance-status"), "azure-compliant-cvm"))
    Die("accepted a token that is not an azure-compliant tdxvm");
  const json_t* dbg = Member(c.get(), "tdx_td_attributes_debug");
  if (!json_is_boolean(dbg) || (json_is_true(dbg) && pol != 1))
    Die("accepted a debug TD without AllowDebug");
  const json_t* ud = Member(Member(c.get(), "x-ms-runtime"), "user-data");
  if (!json_is_string(ud) || json_string_length(ud) != 128)
    Die("accepted without a 128-digit user-data");
  if (with_binding &&
      Lower(json_string_value(ud)) != ra::HexEncode(ra::ByteView(g_binding.data(), 64)))
    Die("accepted user-data that is not the binding");
  if (pol == 1) {
    const json_t* mrtd = Member(c.get(), "tdx_mrtd");
    if (!json_is_string(mrtd) || Lower(json_string_value(mrtd)) != kMrtd)
      Die("accepted an MRTD the policy does not list");
    const json_t* rtmr2 = Member(c.get(), "tdx_rtmr2");
    if (!json_is_string(rtmr2) || Lower(json_string_value(rtmr2)) != std::string(96, 'b'))
      Die("accepted an RTMR2 the policy does not list");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_es = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  g_foreign = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  // 1024 bits: the smallest a pinned key may be (the real 2021 MAA key
  // is), and signing with it is several times cheaper than with 2048.
  g_rs = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  if (!g_es || !g_foreign || !g_rs) Die("key generation");
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(g_rs, &der);
  if (n <= 0) Die("i2d_PUBKEY");
  g_rs_der.assign(der, der + n);
  OPENSSL_free(der);
  for (size_t i = 0; i < g_binding.size(); i++) g_binding[i] = static_cast<uint8_t>(i * 7 + 1);

  const char* tmp = getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/ra-jwt-fuzz.XXXXXX";
  if (mkdtemp(&dir[0]) == nullptr) Die("mkdtemp");
  // Pinned as JWKS files rather than PEM: the verifier loads pinned keys
  // on every call, and OpenSSL 3's PEM decoder costs more than the rest of
  // an execution (input-independent work that finds nothing).  The PEM
  // path is still run by policy 2 (the real Azure key).
  std::string x, y;
  EcXy(g_es, &x, &y);
  const std::string jwk_es = "{\"kid\":\"k-es\",\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" +
                             x + "\",\"y\":\"" + y + "\"}";
  const std::string jwk_rs = "{\"kid\":\"k-rs\",\"kty\":\"RSA\",\"n\":\"" +
                             BnB64u(g_rs, "n") + "\",\"e\":\"" + BnB64u(g_rs, "e") + "\"";
  WriteFile(dir + "/keys.json", "{\"keys\":[" + jwk_es + "," + jwk_rs + "}]}");
  WriteFile(dir + "/keys-rs256.json",
            "{\"keys\":[" + jwk_es + "," + jwk_rs + ",\"alg\":\"RS256\"}]}");
  const std::string base = std::string("AcceptEvidence maa-token\nIssuer ") + kIssuer +
                           "\nIssuerKeys \"" + dir + "/keys.json\"\n";
  g_policy[0] = ParsePolicyOrDie(dir, "p0", base);
  g_policy[1] = ParsePolicyOrDie(dir, "p1",
                                 base + "AllowDebug yes\nMRTD " + kMrtd + "\nRTMR2 " +
                                     std::string(96, 'b') + "\nMaxAge 300\nClockSkew 0\n");
  const char* maa = getenv("RA_FUZZ_MAA");
  if (maa != nullptr) {
    g_real_maa = true;
    g_policy[2] = ParsePolicyOrDie(
        dir, "p2",
        std::string("AcceptEvidence maa-token\nIssuer ") + kRealIssuer +
            "\nIssuerKey \"15N2MHoj9iAdkF/c5nRE3J2HB8JG6Vue3Uzvu3K/Ses=\" \"" + maa +
            "/sharedwus_kid_15N2MH_pubkey.pem\"\n");
  } else {
    g_policy[2] = g_policy[0];
  }
  g_policy[3] = ParsePolicyOrDie(dir, "p3",
                                 std::string("AcceptEvidence maa-token\nIssuer ") + kIssuer +
                                     "\nIssuer " + kIssuer2 + "\nIssuerKeys \"" + dir +
                                     "/keys-rs256.json\"\n");
  for (int i = 0; i < 4; i++) {
    ra::Status s = ra::LoadPinnedIssuerKeys(g_policy[i], &g_keys[i]);
    if (!s.ok()) Die("pinned keys of policy " + std::to_string(i) + ": " + s.message());
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] & 7;
  const bool fuzzed_header = (data[0] & 8) != 0;
  const int pol = (data[0] >> 4) & 3;
  const time_t now = kTimes[(data[0] >> 6) & 1];
  const bool with_binding = (data[0] & 0x80) != 0;
  const ra::Binding* binding = with_binding ? &g_binding : nullptr;
  data++;
  size--;

  std::string token, header, claims, input;
  bool objects = false;  // signed modes: header and claims are JSON objects
  if (mode == 0 || mode == 7) {
    token.assign(reinterpret_cast<const char*>(data), size);
  } else {
    size_t hlen = 0;
    if (size >= 2) {
      hlen = data[0] | (static_cast<size_t>(data[1]) << 8);
      data += 2;
      size -= 2;
    }
    if (hlen > size) hlen = size;
    static const char* const kHeader[] = {
        "",
        R"({"alg":"ES256","kid":"k-es","typ":"JWT"})",
        R"({"alg":"RS256","kid":"k-rs","typ":"JWT"})",
        R"({"alg":"PS256","kid":"k-rs","typ":"JWT"})",
        R"({"alg":"ES256","kid":"k-es","typ":"JWT"})",
        R"({"alg":"HS256","kid":"k-rs","typ":"JWT"})",
        R"({"alg":"none","kid":"k-es","typ":"JWT"})"};
    header = fuzzed_header ? std::string(reinterpret_cast<const char*>(data), hlen)
                           : std::string(kHeader[mode]);
    claims.assign(reinterpret_cast<const char*>(data + hlen), size - hlen);
    input = B64u(header) + "." + B64u(claims);
    ra::JsonPtr h, c;
    objects = ra::ParseJsonObject(header, "h", &h).ok() &&
              ra::ParseJsonObject(claims, "c", &c).ok();
    // Header or claims that are not JSON objects are refused by ParseJwt,
    // before any signature is looked at (asserted below); signing them
    // would only cost time, so they get a dummy signature of ES256's size.
    ra::Bytes sig(objects ? 0 : 64, 0x5a);
    if (objects) {
      switch (mode) {
        case 1: sig = Sign("ES256", g_es, input); break;
        case 2: sig = Sign("RS256", g_rs, input); break;
        case 3: sig = Sign("PS256", g_rs, input); break;
        case 4: sig = Sign("ES256", g_foreign, input); break;
        case 5: sig = Hmac(g_rs_der, input); break;
        default: break;  // 6: unsecured, empty signature
      }
    }
    token = input + "." + ra::Base64UrlEncode(ra::ByteView(sig.data(), sig.size()));
  }

  // The parser alone.
  ra::JwtToken tok;
  ra::Status ps = ra::ParseJwt(token, &tok);
  if (ps.ok()) {
    if (!json_is_object(tok.header.get()) || !json_is_object(tok.payload.get()))
      Die("parsed header or payload is not an object");
    if (token.find(tok.signing_input) == std::string::npos)
      Die("signing input is not part of the token");
  } else if (ps.check() != "jwt format" || ps.detail().empty()) {
    Die("parse failure without the check or a reason: " + ps.message());
  }
  if (!input.empty() && token.size() <= ra::kMaxJwtLen) {
    // Our own encoding of two JSON objects must round-trip exactly.
    if (objects != ps.ok()) Die("ParseJwt disagrees with ParseJsonObject: " + ps.message());
    if (ps.ok() && tok.signing_input != input) Die("signing input differs from the one signed");
  }

  // The maa-token checks.  The front door (ra::Evaluate) reloads the policy's pinned
  // keys on every call, which costs more than everything else here (see
  // the comment in LLVMFuzzerInitialize) and does not depend on the
  // input.  So a parsed token is first judged by the same steps with the
  // keys loaded once: VerifyJwtWithKeys, then CheckMaaTdxClaims, which is
  // what the maa-token kind runs after loading keys.  The front door
  // then runs on every token that path accepts (and must accept it too,
  // with the same verdict), on tokens that do not parse (it refuses them
  // before loading keys, so they are cheap), and under policy 2, whose
  // PEM key takes the other loading path.
  const ra::Policy& policy = g_policy[pol];
  ra::Status s;
  bool cached_ok = false;
  if (ps.ok() && pol != 2) {
    ra::VerifiedJwt jwt;
    s = ra::VerifyJwtWithKeys(tok, policy.issuers, g_keys[pol], policy.clock_skew,
                              policy.max_age, now, &jwt);
    if (s.ok()) s = ra::CheckMaaTdxClaims(jwt.claims.get(), binding, policy, nullptr);
    cached_ok = s.ok();
  }
  ra::VerifiedClaims out;
  if (!ps.ok() || pol == 2 || cached_ok) {
    // The front door, as ssh and ssh-attest reach the kind.
    ra::Verdict verdict;
    s = ra::Evaluate({{ra::kEvidenceMaaToken, ra::Bytes(token.begin(), token.end())}}, policy,
                     binding, now, &verdict);
    if (s.ok()) out = verdict.items.at(0).claims;
    if (cached_ok && !s.ok())
      Die("Evaluate refused what the maa-token steps accept: " + s.message());
  }
  static const bool verbose = getenv("RA_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    fprintf(stderr, "jwt: mode %d policy %d: parse %s; verify %s\n", mode, pol,
            ps.ok() ? "ok" : ps.message().c_str(), s.ok() ? "ACCEPTED" : s.message().c_str());
  if (s.ok()) {
    if (!ps.ok()) Die("verifier accepted what the parser refused");
    const bool raw = mode == 0 || mode == 7;
    if (Field(out, "generic") == "yes") {
      // Another attestation type: only offline, without a binding, and
      // still signed by a pinned key: ours (modes 1-3), or Azure's real
      // key under policy 2, which signed the real vector token (an SGX
      // token) that a raw input may be.
      if (with_binding) Die("accepted a non-tdxvm token against a binding");
      if (raw ? !(pol == 2 && g_real_maa) : (mode < 1 || mode > 3))
        Die("accepted a generic token no pinned key signed");
      return 0;
    }
    // Nothing but the real vector token could be genuine, and it is an
    // SGX token, which the TDX claim checks refuse.
    if (raw) Die("accepted a raw token");
    CheckAccepted(mode, pol, now, with_binding, header, claims, out);
    if (out.kind != "maa-token") Die("accepted claims of kind '" + out.kind + "'");
  } else if (s.message().empty()) {
    Die("refusal without a reason");
  }
  return 0;
}
