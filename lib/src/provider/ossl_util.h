// OpenSSL helpers for the providers: owning pointers, and the two ECDSA
// conversions a TDX quote needs (raw r||s signatures, raw X||Y keys).
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <string>

#include "common/openssl_error.h"
#include "common/status.h"

namespace ra {
namespace ossl {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;


// ECDSA-SHA256 over msg, as the 64-byte r||s a quote carries (each value
// big-endian, left-padded to 32 bytes).
Status SignP256Raw(EVP_PKEY* key, ByteView msg, std::array<uint8_t, 64>* out);

// The P-256 public point as X||Y (no 0x04 prefix), as a quote carries it.
Status P256PublicRaw(EVP_PKEY* key, std::array<uint8_t, 64>* out);

// Reads a PEM private key / the first PEM certificate from a file.
Status ReadPrivateKeyPem(const std::string& path, PkeyPtr* out);

}  // namespace ossl
}  // namespace ra
