// PEM text of OpenSSL objects: what the sim writes to its directory, an
// AK's public key for the user, and test fixtures.  Appends, so a chain
// is written one certificate after another.
#pragma once

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <string>

#include "common/openssl_error.h"
#include "common/openssl_ptr.h"
#include "common/status.h"

namespace ra {

// Appends what write(bio) writes to *out; write returns 1 on success.
template <typename Write>
Status AppendPemOf(Write write, std::string* out) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return Status::Fail("pem encoding", OpenSslError());
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  out->append(p, static_cast<size_t>(n));
  return Status();
}

inline Status AppendCertPem(const X509* cert, std::string* out) {
  return AppendPemOf([cert](BIO* b) { return PEM_write_bio_X509(b, cert); }, out);
}

inline Status AppendPublicKeyPem(const EVP_PKEY* key, std::string* out) {
  return AppendPemOf([key](BIO* b) { return PEM_write_bio_PUBKEY(b, key); }, out);
}

// Unencrypted (PKCS#8), as the sim's key files are.
inline Status AppendPrivateKeyPem(const EVP_PKEY* key, std::string* out) {
  return AppendPemOf(
      [key](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
      },
      out);
}

}  // namespace ra
