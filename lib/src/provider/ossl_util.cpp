#include "provider/ossl_util.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <vector>

#include "common/bytes_util.h"

namespace ra {
namespace ossl {

Status SignP256Raw(EVP_PKEY* key, ByteView msg, std::array<uint8_t, 64>* out) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Status::Fail("ecdsa sign", "out of memory");
  size_t der_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, msg.data, msg.size) != 1)
    return Status::Fail("ecdsa sign", OpenSslError());
  std::vector<uint8_t> der(der_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_len, msg.data, msg.size) != 1)
    return Status::Fail("ecdsa sign", OpenSslError());
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return Status::Fail("ecdsa sign", OpenSslError());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_bn2binpad(r, out->data(), 32) != 32 ||
      BN_bn2binpad(s, out->data() + 32, 32) != 32)
    return Status::Fail("ecdsa sign", "signature value wider than 32 bytes");
  return Status();
}

Status P256PublicRaw(EVP_PKEY* key, std::array<uint8_t, 64>* out) {
  char curve[64] = {0};
  size_t curve_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve,
                                     sizeof(curve), &curve_len) != 1 ||
      std::string(curve) != "prime256v1")
    return Status::Fail("ecdsa key", "not a P-256 key");
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  int okx = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
  BnPtr xp(x);
  int oky = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  BnPtr yp(y);
  if (okx != 1 || oky != 1) return Status::Fail("ecdsa key", OpenSslError());
  if (BN_bn2binpad(x, out->data(), 32) != 32 ||
      BN_bn2binpad(y, out->data() + 32, 32) != 32)
    return Status::Fail("ecdsa key", "coordinate wider than 32 bytes");
  return Status();
}

// The sim's keys are read in sshd's monitor on every connection.  A
// decoder narrowed to what sim-init writes (PKCS#8 PEM, EC) skips most of
// OpenSSL 3's decoder set-up, about 40% of the cost of the generic
// PEM_read_bio_PrivateKey (measured with callgrind in make bench); any
// other key still goes through the generic path.  Setting up even the
// narrowed context costs more than the decoding (OpenSSL 3.0 gathers its
// decoders anew each time), so one reader serves all of a caller's keys.
EcKeyPemReader::EcKeyPemReader()
    : dctx_(OSSL_DECODER_CTX_new_for_pkey(&slot_, "PEM", "PrivateKeyInfo", "EC",
                                          OSSL_KEYMGMT_SELECT_KEYPAIR, nullptr, nullptr)) {}

EcKeyPemReader::~EcKeyPemReader() { OSSL_DECODER_CTX_free(dctx_); }

Status EcKeyPemReader::Read(const std::string& path, PkeyPtr* out) {
  Bytes pem;
  RA_RETURN_IF_ERROR(ReadFileBounded(path, 64 * 1024, &pem));
  slot_ = nullptr;
  const unsigned char* p = pem.data();
  size_t left = pem.size();
  if (dctx_ != nullptr && OSSL_DECODER_from_data(dctx_, &p, &left) != 1) {
    EVP_PKEY_free(slot_);
    slot_ = nullptr;
  }
  PkeyPtr key(slot_);
  slot_ = nullptr;
  if (!key) {
    ERR_clear_error();
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return Status::Fail("read " + path, "out of memory");
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  }
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key) return Status::Fail("read " + path, "not a PEM private key: " + OpenSslError());
  *out = std::move(key);
  return Status();
}

Status ReadPrivateKeyPem(const std::string& path, PkeyPtr* out) {
  return EcKeyPemReader().Read(path, out);
}

}  // namespace ossl
}  // namespace ra
