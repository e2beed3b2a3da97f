// The three TPM 2.0 structures of a quote (TPM 2.0 Library Part 2):
//   TPMS_ATTEST (10.12.12) of type TPM_ST_ATTEST_QUOTE with its
//     TPMS_QUOTE_INFO (10.12.4): what TPM2_Quote signs;
//   TPMT_SIGNATURE (11.3.4): RSASSA, RSAPSS or ECDSA over it;
//   TPMT_PUBLIC (12.2.4) / TPM2B_PUBLIC (12.2.5): the attestation key's
//     public area (RSA, or ECC on NIST P-256/P-384/P-521), as an EVP_PKEY,
//     and its TPM Name (nameAlg || H_nameAlg(TPMT_PUBLIC)).
// Unmarshalling is tpm2-tss's libtss2-mu (big-endian, every TPM2B bounded
// by its buffer, every union selector checked); on top of it these parsers
// refuse trailing bytes and structures that are not what a quote
// verification can use.  Structure only: nothing here is trusted until
// verify/tpm_quote_check.h has checked the signature.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "parse/tpm_alg.h"

namespace ra {

constexpr uint32_t kTpmGeneratedValue = 0xff544347;  // "\xffTCG"
constexpr uint16_t kTpmStAttestQuote = 0x8018;
constexpr uint16_t kTpmEccNistP256 = 0x0003;
constexpr uint16_t kTpmEccNistP384 = 0x0004;
constexpr uint16_t kTpmEccNistP521 = 0x0005;
// sizeof(TPMS_ATTEST) on the wire is well under 1 KiB for a quote.
constexpr size_t kMaxTpmQuoteLen = 2048;

// One TPMS_PCR_SELECTION: a bank and the PCRs selected in it.
struct TpmPcrSelection {
  uint16_t hash_alg = 0;
  std::vector<uint32_t> pcrs;  // ascending, as the bitmap orders them
};

// TPMS_ATTEST with attested = TPMS_QUOTE_INFO.
struct TpmQuote {
  uint32_t magic = 0;  // kTpmGeneratedValue
  uint16_t type = 0;   // kTpmStAttestQuote
  Bytes qualified_signer;  // TPM2B_NAME
  Bytes extra_data;        // TPM2B_DATA: the caller's qualifyingData
  uint64_t clock = 0;      // TPMS_CLOCK_INFO
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::vector<TpmPcrSelection> pcr_select;  // TPML_PCR_SELECTION, in order
  Bytes pcr_digest;                         // TPM2B_DIGEST
  Bytes raw;  // the TPMS_ATTEST bytes exactly as signed
};

// in must be exactly one TPMS_ATTEST (no trailing bytes) whose magic is
// TPM_GENERATED_VALUE and whose type is TPM_ST_ATTEST_QUOTE.  A bank may
// appear once only.
Status ParseTpmQuote(ByteView in, TpmQuote* out);

// TPMT_SIGNATURE.  sig_alg RSASSA/RSAPSS: rsa_sig; ECDSA: ecc_r, ecc_s.
struct TpmSignature {
  uint16_t sig_alg = 0;
  uint16_t hash_alg = 0;  // SHA-1/256/384/512 (verify/ decides which pass)
  Bytes rsa_sig;
  Bytes ecc_r;
  Bytes ecc_s;
};

// Exactly one TPMT_SIGNATURE; other signature or hash algorithms refused.
Status ParseTpmSignature(ByteView in, TpmSignature* out);

// An RSA signature as some platforms hand it over without the TPMT
// wrapper (Azure's vTPM quote evidence: raw RSASSA bytes).
TpmSignature TpmRsaSignature(uint16_t sig_alg, uint16_t hash_alg, ByteView sig);

struct TpmPublic {
  uint16_t type = 0;      // kTpmAlgRsa or kTpmAlgEcc
  uint16_t name_alg = 0;
  uint32_t object_attributes = 0;
  uint16_t scheme = 0;       // TPM_ALG_NULL, RSASSA, RSAPSS or ECDSA
  uint16_t scheme_hash = 0;  // 0 when scheme is NULL
  uint32_t key_bits = 0;     // RSA modulus bits or the curve's field bits
  uint16_t curve = 0;        // ECC only
  std::shared_ptr<EVP_PKEY> key;
  Bytes name;  // nameAlg (2 bytes BE) || H(raw); empty if nameAlg unknown
  Bytes raw;   // the TPMT_PUBLIC bytes
};

// Exactly one TPMT_PUBLIC of an RSA (1024..16384 bits, n of keyBits/8
// bytes) or ECC (NIST P-256/384/521, points on the curve) key.
Status ParseTpmPublic(ByteView in, TpmPublic* out);
// TPM2B_PUBLIC: a 2-byte size that must equal the TPMT_PUBLIC that follows.
Status ParseTpm2bPublic(ByteView in, TpmPublic* out);

// An RSA public key from big-endian modulus and exponent (such as a JWK's
// n and e after base64url decoding: Azure's HCLAkPub).
Status RsaPublicKeyFromBytes(ByteView n, ByteView e, std::shared_ptr<EVP_PKEY>* out);

}  // namespace ra
