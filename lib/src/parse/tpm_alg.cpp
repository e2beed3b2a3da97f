#include "parse/tpm_alg.h"

#include <cstdio>

namespace ra {

const EVP_MD* TpmHashMd(uint16_t alg) {
  switch (alg) {
    case kTpmAlgSha1: return EVP_sha1();
    case kTpmAlgSha256: return EVP_sha256();
    case kTpmAlgSha384: return EVP_sha384();
    case kTpmAlgSha512: return EVP_sha512();
    default: return nullptr;
  }
}

size_t TpmHashSize(uint16_t alg) {
  switch (alg) {
    case kTpmAlgSha1: return 20;
    case kTpmAlgSha256: return 32;
    case kTpmAlgSha384: return 48;
    case kTpmAlgSha512: return 64;
    default: return 0;
  }
}

std::string TpmHashName(uint16_t alg) {
  switch (alg) {
    case kTpmAlgSha1: return "sha1";
    case kTpmAlgSha256: return "sha256";
    case kTpmAlgSha384: return "sha384";
    case kTpmAlgSha512: return "sha512";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%04x", alg);
      return buf;
    }
  }
}

bool TpmHashFromName(const std::string& name, uint16_t* alg) {
  static const struct { const char* name; uint16_t alg; } kNames[] = {
      {"sha1", kTpmAlgSha1}, {"sha256", kTpmAlgSha256},
      {"sha384", kTpmAlgSha384}, {"sha512", kTpmAlgSha512}};
  for (const auto& n : kNames) {
    if (name == n.name) {
      *alg = n.alg;
      return true;
    }
  }
  return false;
}

}  // namespace ra
