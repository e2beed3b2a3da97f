// TPM algorithm identifiers (TPM 2.0 Library Part 2, 6.3 TPM_ALG_ID) and
// the hash algorithms shared by the TPM quote, the TCG event log, the CCEL
// log and the IMA list.  Only the hashes OpenSSL computes are known here;
// a bank of another algorithm can be carried but not replayed.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ra {

constexpr uint16_t kTpmAlgRsa = 0x0001;
constexpr uint16_t kTpmAlgSha1 = 0x0004;
constexpr uint16_t kTpmAlgSha256 = 0x000B;
constexpr uint16_t kTpmAlgSha384 = 0x000C;
constexpr uint16_t kTpmAlgSha512 = 0x000D;
constexpr uint16_t kTpmAlgNull = 0x0010;
constexpr uint16_t kTpmAlgSm3_256 = 0x0012;
constexpr uint16_t kTpmAlgRsassa = 0x0014;
constexpr uint16_t kTpmAlgRsapss = 0x0016;
constexpr uint16_t kTpmAlgEcdsa = 0x0018;
constexpr uint16_t kTpmAlgEcc = 0x0023;

// The PCRs a TPM 2.0 may have (TPM2_MAX_PCRS; PC Client TPMs have 24).
constexpr uint32_t kTpmMaxPcrs = 32;
// The largest digest of any hash here (SHA-512).
constexpr size_t kTpmMaxDigestLen = 64;

// The OpenSSL digest of a TPM hash algorithm, nullptr for any other.
const EVP_MD* TpmHashMd(uint16_t alg);
// Digest size of a known hash algorithm, 0 for any other.
size_t TpmHashSize(uint16_t alg);
// "sha1", "sha256", "sha384", "sha512"; "0xNNNN" for any other.
std::string TpmHashName(uint16_t alg);
// The inverse of TpmHashName for the four known names (lowercase only).
bool TpmHashFromName(const std::string& name, uint16_t* alg);

// Big-endian readers (TPM structures); callers check bounds first.
inline uint16_t LoadBe16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t LoadBe32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

}  // namespace ra
