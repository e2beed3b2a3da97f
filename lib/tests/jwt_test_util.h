// Token factory for the JWT/MAA tests: keys made with OpenSSL at run
// time, tokens signed the way a real issuer (or an attacker) would.
#pragma once

#include <gtest/gtest.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "common/bytes_util.h"
#include "parse/jwt_token.h"
#include "ra_test_util.h"
#include "verify/x509_util.h"

namespace jwt_test {

using ra::Bytes;
using ra::EvpPkeyPtr;
using ra::JsonPtr;

inline EvpPkeyPtr GenRsa(unsigned bits = 2048) {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}
inline EvpPkeyPtr GenEc(const char* curve = "P-256") {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

inline std::string PubPem(EVP_PKEY* k) { return ra_test::PublicKeyPem(k); }

// SubjectPublicKeyInfo DER: the "public key bytes" an HMAC-confusion
// attacker would use as the secret.
inline Bytes PubDer(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  Bytes b(der, der + n);
  OPENSSL_free(der);
  return b;
}

inline std::string B64u(const Bytes& b) { return ra::Base64UrlEncode(b); }
inline std::string B64u(const std::string& s) {
  return ra::Base64UrlEncode(ra::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

inline Bytes BnBytes(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  Bytes b(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, b.data());
  BN_free(bn);
  return b;
}

// A JWK (public part) for k: RSA n/e or EC crv/x/y.
inline JsonPtr Jwk(const std::string& kid, EVP_PKEY* k) {
  JsonPtr j(json_object());
  json_object_set_new(j.get(), "kid", json_string(kid.c_str()));
  json_object_set_new(j.get(), "use", json_string("sig"));
  if (EVP_PKEY_is_a(k, "RSA")) {
    json_object_set_new(j.get(), "kty", json_string("RSA"));
    json_object_set_new(j.get(), "n", json_string(B64u(BnBytes(k, OSSL_PKEY_PARAM_RSA_N)).c_str()));
    json_object_set_new(j.get(), "e", json_string(B64u(BnBytes(k, OSSL_PKEY_PARAM_RSA_E)).c_str()));
  } else {
    char group[64] = {0};
    size_t glen = 0;
    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen);
    size_t len = std::string(group) == "prime256v1" ? 32 : 48;
    unsigned char pt[200];
    size_t ptlen = 0;
    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptlen);
    json_object_set_new(j.get(), "kty", json_string("EC"));
    json_object_set_new(j.get(), "crv", json_string(len == 32 ? "P-256" : "P-384"));
    json_object_set_new(j.get(), "x", json_string(B64u(Bytes(pt + 1, pt + 1 + len)).c_str()));
    json_object_set_new(j.get(), "y", json_string(B64u(Bytes(pt + 1 + len, pt + 1 + 2 * len)).c_str()));
  }
  return j;
}

// A self-signed certificate for k valid [not_before, not_after].
inline ra::X509Ptr SelfSigned(EVP_PKEY* k, time_t not_before, time_t not_after) {
  ra::X509Ptr c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 1);
  ASN1_TIME_set(X509_getm_notBefore(c.get()), not_before);
  ASN1_TIME_set(X509_getm_notAfter(c.get()), not_after);
  X509_NAME* n = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("test issuer"), -1, -1, 0);
  X509_set_issuer_name(c.get(), n);
  X509_set_pubkey(c.get(), k);
  X509_sign(c.get(), k, EVP_sha256());
  return c;
}

inline std::string CertB64(X509* c) {
  unsigned char* der = nullptr;
  int n = i2d_X509(c, &der);
  // Standard base64 with padding, as x5c wants.
  std::string out(static_cast<size_t>(4 * ((n + 2) / 3) + 1), '\0');
  int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), der, n);
  out.resize(static_cast<size_t>(m));
  OPENSSL_free(der);
  return out;
}

inline Bytes SignRaw(const std::string& alg, EVP_PKEY* key, const std::string& input) {
  const EVP_MD* md = alg.find("384") != std::string::npos ? EVP_sha384() : EVP_sha256();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key);
  if (alg[0] == 'P') {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(md));
  }
  size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  Bytes sig(len);
  EVP_DigestSign(ctx.get(), sig.data(), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  if (alg[0] == 'E') {  // DER -> JOSE r || s
    size_t clen = alg == "ES256" ? 32 : 48;
    const unsigned char* p = sig.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    Bytes raw(2 * clen);
    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw.data(), static_cast<int>(clen));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw.data() + clen, static_cast<int>(clen));
    ECDSA_SIG_free(es);
    return raw;
  }
  return sig;
}

inline std::string Encode(const json_t* header, const json_t* claims) {
  return B64u(ra::JsonDump(header)) + "." + B64u(ra::JsonDump(claims));
}

// header.claims signed with key by alg (RS/PS/ES); the header is used as
// given, so a test can lie in it.
inline std::string Sign(const std::string& alg, EVP_PKEY* key, const json_t* header,
                        const json_t* claims) {
  std::string input = Encode(header, claims);
  return input + "." + B64u(SignRaw(alg, key, input));
}

inline std::string SignHmac(const Bytes& secret, const json_t* header, const json_t* claims) {
  std::string input = Encode(header, claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + B64u(Bytes(mac, mac + len));
}

inline JsonPtr Obj(const std::string& json) {
  json_error_t e;
  return JsonPtr(json_loads(json.c_str(), 0, &e));
}

// A token signer for a suite: one RSA key (slow to make) per suite, its
// public key in dir_/signer.pem, and binding_ with byte i = i * mul + add.
class SignerFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = GenRsa(2048).release(); }
  static void TearDownTestSuite() {
    EVP_PKEY_free(key_);
    key_ = nullptr;
  }
  void SetUpSigner(unsigned mul, unsigned add) {
    for (size_t i = 0; i < binding_.size(); i++) binding_[i] = static_cast<uint8_t>(i * mul + add);
    ra_test::WriteFile(dir_ / "signer.pem", PubPem(key_));
  }

  static inline EVP_PKEY* key_ = nullptr;
  ra_test::TempDir dir_;
  ra::Binding binding_{};
};

}  // namespace jwt_test
