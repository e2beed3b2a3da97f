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
#include "common/openssl_ptr.h"
#include "common/status.h"

namespace ra {
namespace ossl {

// The library's one set (common/openssl_ptr.h), under the names this
// folder uses.
using PkeyPtr = EvpPkeyPtr;
using X509Ptr = ra::X509Ptr;
using BioPtr = ra::BioPtr;
using BnPtr = ra::BnPtr;
using MdCtxPtr = EvpMdCtxPtr;
using NamePtr = X509NamePtr;
using ExtPtr = X509ExtPtr;
using ObjPtr = Asn1ObjectPtr;
using OctetPtr = Asn1OctetPtr;
using EcdsaSigPtr = ra::EcdsaSigPtr;


// ECDSA-SHA256 over msg, as the 64-byte r||s a quote carries (each value
// big-endian, left-padded to 32 bytes).
Status SignP256Raw(EVP_PKEY* key, ByteView msg, std::array<uint8_t, 64>* out);

// The P-256 public point as X||Y (no 0x04 prefix), as a quote carries it.
Status P256PublicRaw(EVP_PKEY* key, std::array<uint8_t, 64>* out);

// Reads a PEM private key / the first PEM certificate from a file.
Status ReadPrivateKeyPem(const std::string& path, PkeyPtr* out);

// The same for several keys, with one decoder set up for all of them
// (ossl_util.cpp says why).  Not for use by two threads at once.
class EcKeyPemReader {
 public:
  EcKeyPemReader();
  ~EcKeyPemReader();
  EcKeyPemReader(const EcKeyPemReader&) = delete;
  EcKeyPemReader& operator=(const EcKeyPemReader&) = delete;
  Status Read(const std::string& path, PkeyPtr* out);

 private:
  EVP_PKEY* slot_ = nullptr;  // where the decoder puts each key
  OSSL_DECODER_CTX* dctx_;
};

}  // namespace ossl
}  // namespace ra
