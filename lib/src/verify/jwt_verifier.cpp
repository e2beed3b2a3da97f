#include "verify/jwt_verifier.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/bytes_util.h"
#include "common/safe_path.h"
#include "verify/jwks_fetcher.h"

namespace ra {
namespace {

const char kAlgCheck[] = "jwt alg";
const char kKeyCheck[] = "jwt key";
const char kSigCheck[] = "jwt signature";
const char kIssCheck[] = "jwt iss";
const char kJkuCheck[] = "jwt jku";
const char kTimeCheck[] = "jwt time";
const char kJwksCheck[] = "jwks";

constexpr size_t kMaxKeyFile = 256 * 1024;
constexpr size_t kMaxKeys = 64;
constexpr int kMinRsaBitsPinned = 1024;
constexpr int kMinRsaBitsFetched = 2048;


enum class KeyKind { kRsaPkcs1, kRsaPss, kEc };

struct AlgSpec {
  const char* name;
  KeyKind kind;
  const EVP_MD* (*md)();
  const char* curve;   // EC only: OpenSSL group name
  size_t coord_len;    // EC only: bytes of r and of s
};

// The allowlist.  Anything else -- "none", HS*, RS384/512, "ES256K", a
// case variant -- is refused before any key is looked at.
const AlgSpec kAlgs[] = {
    {"RS256", KeyKind::kRsaPkcs1, EVP_sha256, nullptr, 0},
    {"PS256", KeyKind::kRsaPss, EVP_sha256, nullptr, 0},
    {"PS384", KeyKind::kRsaPss, EVP_sha384, nullptr, 0},
    {"ES256", KeyKind::kEc, EVP_sha256, "prime256v1", 32},
    {"ES384", KeyKind::kEc, EVP_sha384, "secp384r1", 48},
};

const AlgSpec* FindAlg(const std::string& alg) {
  for (const AlgSpec& a : kAlgs)
    if (alg == a.name) return &a;
  return nullptr;
}

std::string EcGroup(EVP_PKEY* key) {
  char group[64] = {0};
  size_t glen = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                     sizeof(group), &glen) != 1) {
    ERR_clear_error();
    return std::string();
  }
  return group;
}

// A usable key type at all (RSA of some size, EC on P-256/P-384).
Status CheckKeyUsable(EVP_PKEY* key, bool pinned, const std::string& what) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    int bits = EVP_PKEY_get_bits(key);
    int min = pinned ? kMinRsaBitsPinned : kMinRsaBitsFetched;
    if (bits < min)
      return Status::Fail(kJwksCheck, what + ": RSA key of " + std::to_string(bits) +
                                          " bits (minimum " + std::to_string(min) + ")");
    return Status();
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    std::string g = EcGroup(key);
    if (g != "prime256v1" && g != "secp384r1")
      return Status::Fail(kJwksCheck, what + ": EC key not on P-256 or P-384");
    return Status();
  }
  return Status::Fail(kJwksCheck, what + ": neither an RSA nor an EC key");
}

bool TimeOfAsn1(const ASN1_TIME* t, std::time_t* out) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  *out = timegm(&tm);
  return true;
}

Status KeyFromCert(X509* cert, const std::string& what, JwtKey* k) {
  EVP_PKEY* pk = X509_get0_pubkey(cert);
  if (!pk) {
    ERR_clear_error();
    return Status::Fail(kJwksCheck, what + ": certificate has no usable public key");
  }
  if (EVP_PKEY_up_ref(pk) != 1) return Status::Fail(kJwksCheck, "out of memory");
  k->key.reset(pk);
  if (!TimeOfAsn1(X509_get0_notBefore(cert), &k->not_before) ||
      !TimeOfAsn1(X509_get0_notAfter(cert), &k->not_after))
    return Status::Fail(kJwksCheck, what + ": unreadable certificate validity");
  k->has_validity = true;
  return Status();
}

Status BnFromB64Url(const json_t* jwk, const char* name, const std::string& what,
                    BnPtr* out) {
  std::string s;
  RA_RETURN_IF_ERROR(JsonGetString(jwk, name, kJwksCheck, &s));
  Bytes b;
  Status st = Base64UrlDecode(s, &b);
  if (!st.ok() || b.empty())
    return Status::Fail(kJwksCheck, what + ": '" + name + "' is not base64url");
  BnPtr bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
  if (!bn) return Status::Fail(kJwksCheck, "out of memory");
  *out = std::move(bn);
  return Status();
}

Status KeyFromParams(const char* type, OSSL_PARAM_BLD* bld, const std::string& what,
                     EvpPkeyPtr* out) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr pctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* k = nullptr;
  if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &k, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return Status::Fail(kJwksCheck, what + ": not a valid " + type + " public key");
  }
  EvpPkeyPtr key(k);
  EvpPkeyCtxPtr cctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!cctx || EVP_PKEY_public_check(cctx.get()) != 1) {
    ERR_clear_error();
    return Status::Fail(kJwksCheck, what + ": public key check failed");
  }
  *out = std::move(key);
  return Status();
}

Status RsaKeyFromJwk(const json_t* jwk, const std::string& what, EvpPkeyPtr* out) {
  BnPtr n, e;
  RA_RETURN_IF_ERROR(BnFromB64Url(jwk, "n", what, &n));
  RA_RETURN_IF_ERROR(BnFromB64Url(jwk, "e", what, &e));
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
    return Status::Fail(kJwksCheck, "out of memory");
  return KeyFromParams("RSA", bld.get(), what, out);
}

Status EcKeyFromJwk(const json_t* jwk, const std::string& what, EvpPkeyPtr* out) {
  std::string crv, xs, ys;
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "crv", kJwksCheck, &crv));
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "x", kJwksCheck, &xs));
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "y", kJwksCheck, &ys));
  const char* group = crv == "P-256" ? "prime256v1" : crv == "P-384" ? "secp384r1" : nullptr;
  size_t len = crv == "P-256" ? 32 : 48;
  if (!group) return Status::Fail(kJwksCheck, what + ": curve '" + crv + "' not supported");
  Bytes x, y;
  if (!Base64UrlDecode(xs, &x).ok() || !Base64UrlDecode(ys, &y).ok() ||
      x.size() != len || y.size() != len)
    return Status::Fail(kJwksCheck, what + ": bad EC coordinates");
  Bytes point{0x04};  // uncompressed SEC1 point
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        point.data(), point.size()))
    return Status::Fail(kJwksCheck, "out of memory");
  return KeyFromParams("EC", bld.get(), what, out);
}

Status ParseJwk(const json_t* jwk, size_t index, const std::string& source, bool pinned,
                JwtKey* out) {
  std::string what = source + " key " + std::to_string(index);
  if (!json_is_object(jwk)) return Status::Fail(kJwksCheck, what + ": not an object");
  JwtKey k;
  k.pinned = pinned;
  k.source = source;
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "kid", kJwksCheck, &k.kid));
  if (k.kid.empty()) return Status::Fail(kJwksCheck, what + ": empty kid");
  what = source + " kid '" + k.kid + "'";
  bool present = false;
  std::string use, kty;
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "use", kJwksCheck, &use, &present));
  if (present && use != "sig")
    return Status::Fail(kJwksCheck, what + ": \"use\" is '" + use + "', not sig");
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "alg", kJwksCheck, &k.alg, &present));
  if (present && !FindAlg(k.alg))
    return Status::Fail(kJwksCheck, what + ": alg '" + k.alg + "' not supported");
  RA_RETURN_IF_ERROR(JsonGetString(jwk, "kty", kJwksCheck, &kty, &present));
  // A symmetric key in an issuer's set can only be a mistake or a trap.
  if (kty == "oct") return Status::Fail(kJwksCheck, what + ": symmetric (oct) key");

  EvpPkeyPtr from_params;
  if (kty == "RSA" && json_object_get(jwk, "n"))
    RA_RETURN_IF_ERROR(RsaKeyFromJwk(jwk, what, &from_params));
  else if (kty == "EC" && json_object_get(jwk, "x"))
    RA_RETURN_IF_ERROR(EcKeyFromJwk(jwk, what, &from_params));
  else if (present && kty != "RSA" && kty != "EC")
    return Status::Fail(kJwksCheck, what + ": kty '" + kty + "' not supported");

  const json_t* x5c = json_object_get(jwk, "x5c");
  if (x5c) {
    if (!json_is_array(x5c) || json_array_size(x5c) == 0 ||
        !json_is_string(json_array_get(x5c, 0)))
      return Status::Fail(kJwksCheck, what + ": x5c is not an array of strings");
    const json_t* first = json_array_get(x5c, 0);
    Bytes der;
    Status st = Base64Decode(std::string(json_string_value(first), json_string_length(first)),
                             &der);
    if (!st.ok()) return Status::Fail(kJwksCheck, what + ": x5c[0]: " + st.detail());
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert || p != der.data() + der.size()) {
      ERR_clear_error();
      return Status::Fail(kJwksCheck, what + ": x5c[0] is not one DER certificate");
    }
    RA_RETURN_IF_ERROR(KeyFromCert(cert.get(), what, &k));
    // Both given: they must be the same key, or which one signs is a guess.
    if (from_params && EVP_PKEY_eq(from_params.get(), k.key.get()) != 1) {
      ERR_clear_error();
      return Status::Fail(kJwksCheck, what + ": x5c and n/e (or x/y) disagree");
    }
  } else if (from_params) {
    k.key = std::move(from_params);
  } else {
    return Status::Fail(kJwksCheck, what + ": neither x5c nor key parameters");
  }
  if (!kty.empty() && ((kty == "RSA") != (EVP_PKEY_is_a(k.key.get(), "RSA") == 1)))
    return Status::Fail(kJwksCheck, what + ": kty does not match the key");
  RA_RETURN_IF_ERROR(CheckKeyUsable(k.key.get(), pinned, what));
  *out = std::move(k);
  return Status();
}

Status AddKey(JwtKey k, std::vector<JwtKey>* out) {
  for (const JwtKey& e : *out)
    if (e.kid == k.kid)
      // Two keys under one kid: which one the issuer meant is a guess.
      return Status::Fail(kJwksCheck, "kid '" + k.kid + "' given twice (" + e.source +
                                          ", " + k.source + ")");
  if (out->size() >= kMaxKeys)
    return Status::Fail(kJwksCheck, "more than " + std::to_string(kMaxKeys) + " keys");
  out->push_back(std::move(k));
  return Status();
}

Status DerFromJoseEcdsa(ByteView sig, size_t coord_len, Bytes* der) {
  return EcdsaRawToDer(sig, coord_len, kSigCheck, der);
}

Status VerifySignature(const AlgSpec& alg, const JwtKey& k, const JwtToken& tok) {
  EVP_PKEY* key = k.key.get();
  // The key decides nothing about the algorithm: the header's alg (already
  // on the allowlist) must suit the key, or the token is refused.
  Bytes sig = tok.signature;
  if (sig.empty()) return Status::Fail(kSigCheck, "empty signature");
  if (alg.kind == KeyKind::kEc) {
    if (!EVP_PKEY_is_a(key, "EC") || EcGroup(key) != alg.curve)
      return Status::Fail(kKeyCheck, "kid '" + k.kid + "' is not a " +
                                         (alg.coord_len == 32 ? "P-256" : "P-384") +
                                         " key, as " + alg.name + " needs");
    Bytes der;
    RA_RETURN_IF_ERROR(DerFromJoseEcdsa(sig, alg.coord_len, &der));
    sig = std::move(der);
  } else {
    if (!EVP_PKEY_is_a(key, "RSA"))
      return Status::Fail(kKeyCheck, "kid '" + k.kid + "' is not an RSA key, as " +
                                         alg.name + " needs");
    if (sig.size() != static_cast<size_t>(EVP_PKEY_get_size(key)))
      return Status::Fail(kSigCheck, "RSA signature length differs from the modulus");
  }
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, alg.md(), nullptr, key) != 1)
    return Status::Fail(kSigCheck, OpenSslError());
  if (alg.kind == KeyKind::kRsaPss) {
    // RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, alg.md()) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(alg.md())) != 1)
      return Status::Fail(kSigCheck, OpenSslError());
  } else if (alg.kind == KeyKind::kRsaPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
      return Status::Fail(kSigCheck, OpenSslError());
  }
  int rc = EVP_DigestVerify(md.get(), sig.data(), sig.size(),
                            reinterpret_cast<const unsigned char*>(tok.signing_input.data()),
                            tok.signing_input.size());
  ERR_clear_error();
  if (rc != 1)
    return Status::Fail(kSigCheck, std::string(alg.name) + " signature by kid '" + k.kid +
                                       "' does not verify");
  return Status();
}

}  // namespace

bool JwtAlgAllowed(const std::string& alg) { return FindAlg(alg) != nullptr; }

Status ParseJwks(const std::string& json, const std::string& source, bool pinned,
                 std::vector<JwtKey>* out) {
  if (json.size() > kMaxKeyFile)
    return Status::Fail(kJwksCheck, source + ": larger than " + std::to_string(kMaxKeyFile) +
                                        " bytes");
  JsonPtr doc;
  Status st = ParseJsonObject(json, kJwksCheck, &doc);
  if (!st.ok()) return Status::Fail(kJwksCheck, source + ": " + st.detail());
  const json_t* keys = json_object_get(doc.get(), "keys");
  if (!json_is_array(keys))
    return Status::Fail(kJwksCheck, source + ": no \"keys\" array");
  if (json_array_size(keys) == 0) return Status::Fail(kJwksCheck, source + ": no keys");
  std::vector<JwtKey> result;
  for (size_t i = 0; i < json_array_size(keys); i++) {
    JwtKey k;
    RA_RETURN_IF_ERROR(ParseJwk(json_array_get(keys, i), i, source, pinned, &k));
    RA_RETURN_IF_ERROR(AddKey(std::move(k), &result));
  }
  *out = std::move(result);
  return Status();
}

Status LoadJwksFile(const std::string& path, std::vector<JwtKey>* out) {
  // Pinned keys are trust material: judged like ssh's own files.
  RA_RETURN_IF_ERROR(CheckSafeFile(kJwksCheck, path));
  std::string text;
  Status st = ReadTextFileBounded(path, kMaxKeyFile, &text);
  if (!st.ok()) return Status::Fail(kJwksCheck, st.message());
  return ParseJwks(text, path, true, out);
}

Status LoadPemKeyFile(const std::string& kid, const std::string& path, JwtKey* out) {
  std::string what = path + " (kid '" + kid + "')";
  RA_RETURN_IF_ERROR(CheckSafeFile(kJwksCheck, path));
  Bytes pem;
  Status st = ReadFileBounded(path, kMaxKeyFile, &pem);
  if (!st.ok()) return Status::Fail(kJwksCheck, st.message());
  JwtKey k;
  k.kid = kid;
  k.pinned = true;
  k.source = path;
  BioPtr bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Fail(kJwksCheck, "out of memory");
  EVP_PKEY* pk = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (pk) {
    k.key.reset(pk);
  } else {
    // Not a bare public key: perhaps the signing certificate itself.
    ERR_clear_error();
    BioPtr bio2(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(bio2 ? PEM_read_bio_X509(bio2.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!cert)
      return Status::Fail(kJwksCheck, what + ": no PEM public key or certificate");
    RA_RETURN_IF_ERROR(KeyFromCert(cert.get(), what, &k));
  }
  RA_RETURN_IF_ERROR(CheckKeyUsable(k.key.get(), true, what));
  *out = std::move(k);
  return Status();
}

Status LoadPinnedIssuerKeys(const Policy& policy, std::vector<JwtKey>* out) {
  std::vector<JwtKey> keys;
  if (!policy.issuer_keys_file.empty())
    RA_RETURN_IF_ERROR(LoadJwksFile(policy.issuer_keys_file, &keys));
  for (const auto& kp : policy.issuer_key_pems) {
    JwtKey k;
    RA_RETURN_IF_ERROR(LoadPemKeyFile(kp.first, kp.second, &k));
    RA_RETURN_IF_ERROR(AddKey(std::move(k), &keys));
  }
  *out = std::move(keys);
  return Status();
}

namespace {

// The unverified header and iss, enough to pick the issuer and the key.
struct Selection {
  const AlgSpec* alg = nullptr;
  std::string kid;
  std::string issuer;  // normalized, in the policy
};

Status Select(const JwtToken& tok, const std::vector<std::string>& issuers,
              Selection* sel) {
  std::string alg;
  RA_RETURN_IF_ERROR(JsonGetString(tok.header.get(), "alg", kAlgCheck, &alg));
  sel->alg = FindAlg(alg);
  if (!sel->alg)
    return Status::Fail(kAlgCheck, "'" + alg +
                                       "' refused (allowed: RS256, PS256, PS384, ES256, ES384)");
  // RFC 7515 4.1.11: extensions we do not understand must not be ignored.
  if (json_object_get(tok.header.get(), "crit"))
    return Status::Fail("jwt crit", "critical header extensions are not supported");
  RA_RETURN_IF_ERROR(JsonGetString(tok.header.get(), "kid", kKeyCheck, &sel->kid));

  std::string iss;
  RA_RETURN_IF_ERROR(JsonGetString(tok.payload.get(), "iss", kIssCheck, &iss));
  std::string norm;
  Status st = NormalizeHttpsUrl(iss, &norm);
  if (!st.ok()) return Status::Fail(kIssCheck, st.detail());
  if (issuers.empty()) return Status::Fail(kIssCheck, "the policy names no Issuer");
  if (std::find(issuers.begin(), issuers.end(), norm) == issuers.end())
    return Status::Fail(kIssCheck, "'" + iss + "' is not a policy Issuer");
  sel->issuer = norm;

  // jku is never followed; but a token naming another key set than its
  // issuer's is inconsistent, and refusing it costs nothing.
  bool has_jku = false;
  std::string jku;
  RA_RETURN_IF_ERROR(JsonGetString(tok.header.get(), "jku", kJkuCheck, &jku, &has_jku));
  if (has_jku) {
    std::string jnorm;
    st = NormalizeHttpsUrl(jku, &jnorm);
    if (!st.ok()) return Status::Fail(kJkuCheck, st.detail());
    if (jnorm != norm + "/certs")
      return Status::Fail(kJkuCheck, "'" + jku + "' is not " + norm + "/certs");
  }
  return Status();
}

Status CheckTimes(const JwtToken& tok, int64_t skew, int64_t max_age, std::time_t now,
                  VerifiedJwt* v) {
  const json_t* c = tok.payload.get();
  const int64_t t = static_cast<int64_t>(now);
  bool has_nbf = false, has_iat = false;
  // exp is required: a token without one would be valid forever.
  RA_RETURN_IF_ERROR(JsonGetNumericDate(c, "exp", kTimeCheck, &v->exp));
  RA_RETURN_IF_ERROR(JsonGetNumericDate(c, "nbf", kTimeCheck, &v->nbf, &has_nbf));
  RA_RETURN_IF_ERROR(JsonGetNumericDate(c, "iat", kTimeCheck, &v->iat, &has_iat));
  if (!has_nbf) v->nbf = -1;
  if (!has_iat) v->iat = -1;
  // Values are bounded by JsonGetNumericDate, so these sums cannot overflow.
  if (t - skew >= v->exp)
    return Status::Fail("jwt exp", "token expired at " + std::to_string(v->exp) +
                                       " (now " + std::to_string(t) + ")");
  if (has_nbf && t + skew < v->nbf)
    return Status::Fail("jwt nbf", "token not valid before " + std::to_string(v->nbf) +
                                       " (now " + std::to_string(t) + ")");
  if (has_iat && t + skew < v->iat)
    return Status::Fail("jwt iat", "token issued in the future (" + std::to_string(v->iat) +
                                       ", now " + std::to_string(t) + ")");
  if (max_age > 0) {
    if (!has_iat) return Status::Fail("jwt iat", "missing 'iat' (MaxAge needs it)");
    if (t - v->iat > max_age + skew)
      return Status::Fail("jwt iat", "token issued " + std::to_string(t - v->iat) +
                                         " s ago, MaxAge is " + std::to_string(max_age));
  }
  return Status();
}

}  // namespace

Status VerifyJwtWithKeys(const JwtToken& tok, const std::vector<std::string>& issuers,
                         const std::vector<JwtKey>& keys, int64_t clock_skew,
                         int64_t max_age, std::time_t now, VerifiedJwt* out) {
  Selection sel;
  RA_RETURN_IF_ERROR(Select(tok, issuers, &sel));
  const JwtKey* key = nullptr;
  for (const JwtKey& k : keys)
    if (k.kid == sel.kid) key = &k;
  if (!key) return Status::Fail(kKeyCheck, "unknown kid '" + sel.kid + "'");
  if (!key->alg.empty() && key->alg != sel.alg->name)
    return Status::Fail(kKeyCheck, "kid '" + sel.kid + "' is for " + key->alg + ", not " +
                                       sel.alg->name);
  if (key->has_validity) {
    const int64_t t = static_cast<int64_t>(now);
    if (t + clock_skew < static_cast<int64_t>(key->not_before) ||
        t - clock_skew > static_cast<int64_t>(key->not_after))
      return Status::Fail(kKeyCheck, "certificate of kid '" + sel.kid +
                                         "' is not valid at the verification time");
  }
  RA_RETURN_IF_ERROR(VerifySignature(*sel.alg, *key, tok));

  VerifiedJwt v;
  RA_RETURN_IF_ERROR(CheckTimes(tok, clock_skew, max_age, now, &v));
  bool present = false;
  RA_RETURN_IF_ERROR(JsonGetString(tok.payload.get(), "x-ms-attestation-type",
                                   "jwt claims", &v.attestation_type, &present));
  v.alg = sel.alg->name;
  v.kid = sel.kid;
  v.issuer = sel.issuer;
  v.key_source = key->source;
  v.header.reset(json_incref(tok.header.get()));
  v.claims.reset(json_incref(tok.payload.get()));
  if (out) *out = std::move(v);
  return Status();
}

Status VerifyJwtToken(const std::string& token, const Policy& policy, std::time_t now,
                      VerifiedJwt* out, FetchDeadline deadline) {
  if (now == 0) now = std::time(nullptr);
  JwtToken tok;
  RA_RETURN_IF_ERROR(ParseJwt(token, &tok));
  std::vector<JwtKey> keys;
  if (!policy.issuer_keys_file.empty() || !policy.issuer_key_pems.empty()) {
    RA_RETURN_IF_ERROR(LoadPinnedIssuerKeys(policy, &keys));
  } else {
    // No pinned keys: the issuer's own /certs, over verified TLS.  Select
    // first, so nothing is fetched for a token whose alg or iss is already
    // refused, and nothing from a URL the policy does not list.
    Selection sel;
    RA_RETURN_IF_ERROR(Select(tok, policy.issuers, &sel));
    RA_RETURN_IF_ERROR(FetchIssuerKeys(sel.issuer, policy, now, &keys, deadline));
  }
  return VerifyJwtWithKeys(tok, policy.issuers, keys, policy.clock_skew, policy.max_age,
                           now, out);
}

}  // namespace ra
