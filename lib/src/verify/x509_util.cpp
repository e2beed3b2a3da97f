#include "verify/x509_util.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstring>

#include "common/base64.h"
#include "common/bytes_util.h"

namespace ra {
namespace {

constexpr size_t kMaxPem = 1 << 20;

}  // namespace

Status LoadPemCerts(const std::string& pem, const std::string& what,
                    std::vector<X509Ptr>* out, size_t max_certs) {
  if (pem.size() > kMaxPem) return Status::Fail(what, "PEM too large");
  BioPtr bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Fail(what, "out of memory");
  std::vector<X509Ptr> certs;
  for (;;) {
    X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!c) break;
    if (certs.size() == max_certs)
      return Status::Fail(what, "more than " + std::to_string(max_certs) +
                                    " certificates");
    certs.push_back(std::move(c));
  }
  // The loop ends on "no start line" at the end of the text, which is not
  // an error; a damaged PEM block is.
  unsigned long e = ERR_peek_last_error();
  bool clean_end = e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
                              ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
  if (!clean_end) {
    std::string detail = OpenSslError();
    return Status::Fail(what, "bad PEM certificate: " + detail);
  }
  ERR_clear_error();
  if (certs.empty()) return Status::Fail(what, "no certificate");
  *out = std::move(certs);
  return Status();
}

Status LoadPemCertFile(const std::string& path, std::vector<X509Ptr>* out) {
  std::string text;
  RA_RETURN_IF_ERROR(ReadTextFileBounded(path, kMaxPem, &text));
  return LoadPemCerts(text, path, out);
}

Status FillAnchorDer(TrustAnchorCerts* anchors) {
  anchors->der.clear();
  for (const auto& c : anchors->certs) {
    unsigned char* der = nullptr;
    int n = i2d_X509(c.get(), &der);
    if (n <= 0) return Status::Fail("trust anchor " + anchors->source, "cannot encode: " + OpenSslError());
    anchors->der.emplace_back(der, der + n);
    OPENSSL_free(der);
  }
  return Status();
}

std::string DropAnchorCopies(const std::string& pem, const std::vector<Bytes>& anchor_der) {
  static const std::string kBegin = "-----BEGIN CERTIFICATE-----";
  static const std::string kEnd = "-----END CERTIFICATE-----";
  if (anchor_der.empty()) return pem;
  std::string out;
  size_t pos = 0;     // next byte of pem not yet copied to out
  size_t search = 0;  // where to look for the next block
  bool first = true;
  while (true) {
    size_t b = pem.find(kBegin, search);
    if (b == std::string::npos) break;
    size_t e = pem.find(kEnd, b + kBegin.size());
    if (e == std::string::npos) break;
    size_t stop = e + kEnd.size();
    if (first) {  // the leaf, whatever it is, stays where it is
      first = false;
      search = stop;
      continue;
    }
    std::string b64;
    for (size_t i = b + kBegin.size(); i < e; i++) {
      char c = pem[i];
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64 += c;
    }
    Bytes der;
    bool copy = false;
    // Anything but clean base64 (headers, a marker inside) is left for the
    // PEM reader to judge.
    if (Base64Decode(b64, &der).ok())
      for (const Bytes& a : anchor_der)
        if (a == der) copy = true;
    if (copy) {
      out.append(pem, pos, b - pos);
      if (stop < pem.size() && pem[stop] == '\r') stop++;
      if (stop < pem.size() && pem[stop] == '\n') stop++;
      pos = stop;
    }
    search = stop;
  }
  if (pos == 0) return pem;
  out.append(pem, pos, std::string::npos);
  return out;
}

Status LoadCrl(ByteView data, const std::string& what, X509CrlPtr* out) {
  if (data.size > kMaxPem) return Status::Fail(what, "CRL too large");
  const unsigned char* p = data.data;
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size)));
  if (!crl) {
    ERR_clear_error();
    BioPtr bio(
        BIO_new_mem_buf(data.data, static_cast<int>(data.size)));
    if (bio)
      crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!crl) return Status::Fail(what, "not a DER or PEM CRL: " + OpenSslError());
  *out = std::move(crl);
  return Status();
}

namespace {

// X509_V_FLAG_CRL_CHECK_ALL wants a CRL for every certificate's issuer;
// this lets a certificate without one through, and nothing else.
int ToleratesMissingCrl(int ok, X509_STORE_CTX* ctx) {
  if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) return 1;
  return ok;
}

}  // namespace

Status VerifyCertChain(X509* leaf, const std::vector<X509*>& untrusted,
                       const std::vector<X509*>& anchors,
                       const std::vector<X509_CRL*>& crls, std::time_t now,
                       const std::string& check, int* x509_error, X509** anchor_used,
                       bool missing_crl_ok) {
  if (x509_error) *x509_error = X509_V_OK;
  if (!leaf) return Status::Fail(check, "no leaf certificate");
  if (anchors.empty()) return Status::Fail(check, "no trust anchor");
  X509StorePtr store(X509_STORE_new());
  X509StackPtr chain(sk_X509_new_null());
  X509CrlStackPtr crl_stack(
      sk_X509_CRL_new_null());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !chain || !crl_stack || !ctx)
    return Status::Fail(check, "out of memory");
  for (X509* a : anchors)
    if (X509_STORE_add_cert(store.get(), a) != 1)
      return Status::Fail(check, "trust anchor: " + OpenSslError());
  // The stacks do not own their elements (sk_*_free only frees the stack).
  for (X509* c : untrusted)
    if (!sk_X509_push(chain.get(), c)) return Status::Fail(check, "out of memory");
  for (X509_CRL* c : crls)
    if (!sk_X509_CRL_push(crl_stack.get(), c))
      return Status::Fail(check, "out of memory");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain.get()) != 1)
    return Status::Fail(check, OpenSslError());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Evidence is judged at the caller's time, never the wall clock behind
  // its back, so tests and offline verification are reproducible.
  X509_VERIFY_PARAM_set_time(param, now);
  unsigned long flags = X509_V_FLAG_X509_STRICT;
  if (!crls.empty()) {
    X509_STORE_CTX_set0_crls(ctx.get(), crl_stack.get());
    flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    if (missing_crl_ok) X509_STORE_CTX_set_verify_cb(ctx.get(), ToleratesMissingCrl);
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  int rc = X509_verify_cert(ctx.get());
  if (rc != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    if (x509_error) *x509_error = err;
    return Status::Fail(check, std::string(X509_verify_cert_error_string(err)) +
                                   " (depth " + std::to_string(depth) + ")");
  }
  if (anchor_used) {
    // The verified chain ends in the store's copy of one of anchors.
    STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
    X509* top = built ? sk_X509_value(built, sk_X509_num(built) - 1) : nullptr;
    *anchor_used = nullptr;
    for (X509* a : anchors)
      if (top && X509_cmp(a, top) == 0) *anchor_used = a;
  }
  return Status();
}

namespace {

Status RequireP256(EVP_PKEY* key, const std::string& check) {
  if (!EVP_PKEY_is_a(key, "EC"))
    return Status::Fail(check, "key is not an EC key");
  char group[64] = {0};
  size_t glen = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                     sizeof(group), &glen) != 1 ||
      strcmp(group, "prime256v1") != 0) {
    ERR_clear_error();
    return Status::Fail(check, "key is not on P-256");
  }
  return Status();
}

}  // namespace

Status P256KeyOfCert(X509* cert, const std::string& check, EvpPkeyPtr* out) {
  EVP_PKEY* k = X509_get0_pubkey(cert);
  if (!k) return Status::Fail(check, "certificate has no usable public key");
  RA_RETURN_IF_ERROR(RequireP256(k, check));
  if (EVP_PKEY_up_ref(k) != 1) return Status::Fail(check, "out of memory");
  out->reset(k);
  return Status();
}

Status P256KeyFromRaw(ByteView xy, const std::string& check, EvpPkeyPtr* out) {
  if (xy.size != 64) return Status::Fail(check, "raw key is not 64 bytes");
  uint8_t point[65];
  point[0] = 0x04;  // uncompressed SEC1 point
  memcpy(point + 1, xy.data, 64);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                       "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        point, sizeof(point)))
    return Status::Fail(check, "out of memory");
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr pctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* k = nullptr;
  if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &k, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return Status::Fail(check, "not a valid P-256 public key");
  }
  EvpPkeyPtr key(k);
  // fromdata decodes the point; an explicit public-key check makes the
  // on-curve requirement independent of provider internals.  The quick
  // check (coordinates below p, on the curve, not the point at infinity)
  // is the whole check here: P-256's cofactor is 1, so every such point
  // has the group's order, which EVP_PKEY_public_check would verify with a
  // scalar multiplication (0.65 M instructions, each attested connect).
  EvpPkeyCtxPtr cctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!cctx || EVP_PKEY_public_check_quick(cctx.get()) != 1) {
    ERR_clear_error();
    return Status::Fail(check, "public key is not a valid P-256 point");
  }
  *out = std::move(key);
  return Status();
}

Status EcdsaRawToDer(ByteView sig, size_t coord_len, const std::string& check, Bytes* der) {
  if (sig.size != 2 * coord_len)
    return Status::Fail(check, "ECDSA signature is " + std::to_string(sig.size) +
                                   " bytes, not " + std::to_string(2 * coord_len));
  EcdsaSigPtr es(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(sig.data, static_cast<int>(coord_len), nullptr);
  BIGNUM* s = BN_bin2bn(sig.data + coord_len, static_cast<int>(coord_len), nullptr);
  if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Status::Fail(check, "out of memory");
  }
  unsigned char* buf = nullptr;
  int len = i2d_ECDSA_SIG(es.get(), &buf);
  if (len <= 0) return Status::Fail(check, "cannot encode signature");
  der->assign(buf, buf + len);
  OPENSSL_free(buf);
  return Status();
}

Status VerifyEcdsaP256Raw(EVP_PKEY* key, ByteView msg, ByteView sig,
                          const std::string& check) {
  if (sig.size != 64) return Status::Fail(check, "signature is not 64 bytes");
  Bytes der_sig;
  RA_RETURN_IF_ERROR(EcdsaRawToDer(sig, 32, check, &der_sig));
  const unsigned char* der = der_sig.data();
  size_t der_len = der_sig.size();
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  if (!md ||
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1)
    return Status::Fail(check, OpenSslError());
  int rc = EVP_DigestVerify(md.get(), der, der_len, msg.data, msg.size);
  ERR_clear_error();
  if (rc != 1) return Status::Fail(check, "signature does not verify");
  return Status();
}

bool ParseIso8601Utc(const std::string& s, std::time_t* out) {
  // Exactly "YYYY-MM-DDTHH:MM:SSZ"; Intel also emits fractional seconds in
  // some places, which we accept and ignore.
  int y, mo, d, h, mi, sec;
  char t, z;
  int n = 0;
  if (sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &t, &h, &mi,
             &sec, &n) != 7 ||
      t != 'T')
    return false;
  size_t pos = static_cast<size_t>(n);
  if (pos < s.size() && s[pos] == '.') {
    pos++;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') pos++;
  }
  if (pos + 1 != s.size()) return false;
  z = s[pos];
  if (z != 'Z') return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
      y < 1970 || h < 0 || mi < 0 || sec < 0)
    return false;
  // Days from civil (Howard Hinnant's algorithm), avoiding timegm's TZ
  // dependence.
  int yy = y - (mo <= 2);
  int era = yy / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  *out = static_cast<std::time_t>(days * 86400 + h * 3600 + mi * 60 + sec);
  return true;
}

}  // namespace ra
