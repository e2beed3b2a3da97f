#include "verify/tpm_quote_check.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <memory>

#include "common/openssl_error.h"
#include "common/openssl_ptr.h"

namespace ra {
namespace {

Status CheckHashAllowed(uint16_t alg, const TpmQuoteCheckOptions& opt,
                        const char* check) {
  if (TpmHashMd(alg) == nullptr)
    return Status::Fail(check, "unsupported hash " + TpmHashName(alg));
  if (alg == kTpmAlgSha1 && !opt.allow_sha1)
    return Status::Fail(check, "SHA-1 not allowed");
  return Status();
}

// One EVP_DigestVerify; pss_saltlen is used for RSAPSS only.
bool VerifyOnce(EVP_PKEY* key, const EVP_MD* md, ByteView msg, ByteView sig,
                uint16_t sig_alg, int pss_saltlen) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) != 1)
    return false;
  if (sig_alg == kTpmAlgRsapss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_saltlen) != 1))
    return false;
  return EVP_DigestVerify(ctx.get(), sig.data, sig.size, msg.data, msg.size) == 1;
}

// r || s as two big-endian integers -> the DER ECDSA-Sig-Value OpenSSL takes.
Status EcdsaDer(const TpmSignature& sig, Bytes* der) {
  EcdsaSigPtr es(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(sig.ecc_r.data(), static_cast<int>(sig.ecc_r.size()), nullptr);
  BIGNUM* s = BN_bin2bn(sig.ecc_s.data(), static_cast<int>(sig.ecc_s.size()), nullptr);
  if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Status::Fail("tpm quote signature", "out of memory");
  }
  int len = i2d_ECDSA_SIG(es.get(), nullptr);
  if (len <= 0) return Status::Fail("tpm quote signature", OpenSslError());
  der->resize(static_cast<size_t>(len));
  uint8_t* p = der->data();
  i2d_ECDSA_SIG(es.get(), &p);
  return Status();
}

}  // namespace

Status CheckTpmQuoteSignature(const TpmQuote& quote, const TpmSignature& sig,
                              EVP_PKEY* ak, const TpmQuoteCheckOptions& opt) {
  const char* kCheck = "tpm quote signature";
  if (ak == nullptr) return Status::Fail(kCheck, "no attestation key");
  RA_RETURN_IF_ERROR(CheckHashAllowed(sig.hash_alg, opt, kCheck));
  const EVP_MD* md = TpmHashMd(sig.hash_alg);
  bool rsa = sig.sig_alg == kTpmAlgRsassa || sig.sig_alg == kTpmAlgRsapss;
  if (!rsa && sig.sig_alg != kTpmAlgEcdsa)
    return Status::Fail(kCheck, "unsupported signature algorithm");
  if (rsa != EVP_PKEY_is_a(ak, "RSA") || (!rsa && !EVP_PKEY_is_a(ak, "EC")))
    return Status::Fail(kCheck, "key type does not match the signature algorithm");
  if (rsa && static_cast<uint32_t>(EVP_PKEY_get_bits(ak)) < opt.min_rsa_bits)
    return Status::Fail(kCheck, "RSA key of " + std::to_string(EVP_PKEY_get_bits(ak)) +
                                    " bits is too small");
  ByteView msg(quote.raw);
  bool good = false;
  if (sig.sig_alg == kTpmAlgRsassa) {
    good = VerifyOnce(ak, md, msg, sig.rsa_sig, sig.sig_alg, 0);
  } else if (sig.sig_alg == kTpmAlgRsapss) {
    good = VerifyOnce(ak, md, msg, sig.rsa_sig, sig.sig_alg, RSA_PSS_SALTLEN_MAX) ||
           VerifyOnce(ak, md, msg, sig.rsa_sig, sig.sig_alg, RSA_PSS_SALTLEN_DIGEST);
  } else {
    Bytes der;
    RA_RETURN_IF_ERROR(EcdsaDer(sig, &der));
    good = VerifyOnce(ak, md, msg, der, sig.sig_alg, 0);
  }
  OpenSslError();  // drop whatever a failed attempt queued
  if (!good) return Status::Fail(kCheck, "does not verify with the attestation key");
  return Status();
}

Status ComputeTpmPcrDigest(const std::vector<TpmPcrSelection>& selection,
                           const TpmPcrValues& pcrs, uint16_t digest_alg,
                           Bytes* out) {
  const char* kCheck = "tpm pcr digest";
  const EVP_MD* md = TpmHashMd(digest_alg);
  if (md == nullptr) return Status::Fail(kCheck, "unsupported hash " + TpmHashName(digest_alg));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    return Status::Fail(kCheck, OpenSslError());
  for (const auto& bank : selection) {
    // Values of the wrong size could concatenate to the quoted bytes while
    // each differs from what the TPM holds.
    const size_t value_len = TpmHashSize(bank.hash_alg);
    if (value_len == 0 && !bank.pcrs.empty())
      return Status::Fail(kCheck, "quoted bank " + TpmHashName(bank.hash_alg) + " is not supported");
    auto b = pcrs.find(bank.hash_alg);
    for (uint32_t pcr : bank.pcrs) {
      const Bytes* v = nullptr;
      if (b != pcrs.end()) {
        auto it = b->second.find(pcr);
        if (it != b->second.end()) v = &it->second;
      }
      if (v == nullptr)
        return Status::Fail(kCheck, "no value for quoted PCR " + std::to_string(pcr) +
                                        " of bank " + TpmHashName(bank.hash_alg));
      if (v->size() != value_len)
        return Status::Fail(kCheck, "PCR " + std::to_string(pcr) + " of bank " +
                                        TpmHashName(bank.hash_alg) + " is not " +
                                        std::to_string(value_len) + " bytes");
      if (EVP_DigestUpdate(ctx.get(), v->data(), v->size()) != 1)
        return Status::Fail(kCheck, OpenSslError());
    }
  }
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned int hlen = 0;
  if (EVP_DigestFinal_ex(ctx.get(), h, &hlen) != 1) return Status::Fail(kCheck, OpenSslError());
  out->assign(h, h + hlen);
  return Status();
}

Status CheckTpmPcrDigest(const TpmQuote& quote, const TpmPcrValues& pcrs,
                         uint16_t digest_alg, const TpmQuoteCheckOptions& opt) {
  RA_RETURN_IF_ERROR(CheckHashAllowed(digest_alg, opt, "tpm pcr digest"));
  // A value the quote does not cover is unauthenticated; refusing it here
  // means no later check can mistake it for a quoted one.
  for (const auto& bank : pcrs) {
    const TpmPcrSelection* sel = nullptr;
    for (const auto& s : quote.pcr_select)
      if (s.hash_alg == bank.first) sel = &s;
    for (const auto& v : bank.second)
      if (sel == nullptr || std::find(sel->pcrs.begin(), sel->pcrs.end(), v.first) == sel->pcrs.end())
        return Status::Fail("tpm pcr digest", "PCR " + std::to_string(v.first) + " (" +
                                                  TpmHashName(bank.first) + ") given but not quoted");
  }
  Bytes digest;
  RA_RETURN_IF_ERROR(ComputeTpmPcrDigest(quote.pcr_select, pcrs, digest_alg, &digest));
  if (digest.size() != quote.pcr_digest.size() ||
      CRYPTO_memcmp(digest.data(), quote.pcr_digest.data(), digest.size()) != 0)
    return Status::Fail("tpm pcr digest", "the PCR values are not the quoted ones");
  return Status();
}

Status CheckTpmQuoteExtraData(const TpmQuote& quote, ByteView expected) {
  if (quote.extra_data.size() != expected.size ||
      CRYPTO_memcmp(quote.extra_data.data(), expected.data, expected.size) != 0)
    return Status::Fail("tpm quote binding", "extraData is not this session's binding");
  return Status();
}

}  // namespace ra
