// A reusable hash context for the replays (event logs, IMA lists): the
// digest is fetched from the provider once and one EVP_MD_CTX serves every
// hash, so a 10,000-entry list costs no allocation or algorithm lookup per
// entry (EVP_Digest with EVP_sha256() does both each time).
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace ra {

class DigestHasher {
 public:
  explicit DigestHasher(const EVP_MD* md)
      : md_(md ? EVP_MD_fetch(nullptr, EVP_MD_get0_name(md), nullptr) : nullptr),
        ctx_(EVP_MD_CTX_new()) {}
  ~DigestHasher() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  DigestHasher(const DigestHasher&) = delete;
  DigestHasher& operator=(const DigestHasher&) = delete;

  // out = H(a || b); out may alias a or b (written after both are read).
  bool Hash(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen, uint8_t* out) {
    unsigned int n = 0;
    return md_ && ctx_ && EVP_DigestInit_ex(ctx_, md_, nullptr) == 1 &&
           EVP_DigestUpdate(ctx_, a, alen) == 1 &&
           (blen == 0 || EVP_DigestUpdate(ctx_, b, blen) == 1) &&
           EVP_DigestFinal_ex(ctx_, out, &n) == 1;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace ra
