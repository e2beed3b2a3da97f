// The verification steps of a TPM quote, one function each, on already
// parsed objects (parse/tpm_quote.h, parse/tpm_pcrs.h), so a verifier can
// run them in the order it needs and report which one failed:
//   1. CheckTpmQuoteSignature: the AK signed the TPMS_ATTEST bytes;
//   2. CheckTpmPcrDigest:      the PCR values given are the ones quoted;
//   3. CheckTpmQuoteExtraData: the quote was made for this session.
// Where the AK comes from (HCLAkPub, an AK certificate, a pinned key) is
// the caller's decision; these functions only take the key.
#pragma once

#include <openssl/evp.h>

#include <cstdint>

#include "common/status.h"
#include "parse/tpm_pcrs.h"
#include "parse/tpm_quote.h"

namespace ra {

struct TpmQuoteCheckOptions {
  // SHA-1 signatures and PCR digests are refused unless set (old TPM
  // stacks, e.g. go-attestation's Windows vectors, quote with SHA-1).
  bool allow_sha1 = false;
  // RSA attestation keys below this size are refused.
  uint32_t min_rsa_bits = 2048;
};

// The signature sig over quote.raw with ak.  RSASSA: PKCS#1 v1.5;
// RSAPSS: the salt as long as the key allows (TPM 2.0 Part 1, B.7) or, as
// FIPS-mode TPMs make it, the digest size; ECDSA: r and s as the TPM gives
// them.  The key's type must match the signature's algorithm.
Status CheckTpmQuoteSignature(const TpmQuote& quote, const TpmSignature& sig,
                              EVP_PKEY* ak, const TpmQuoteCheckOptions& opt);

// H(the selected PCR values concatenated in selection order: banks in
// TPML order, PCRs ascending within a bank), H = digest_alg, the hash of
// the signing scheme (TpmSignature::hash_alg; TPM 2.0 Part 3, 18.4).
// Every selected PCR must have a value in pcrs of its bank's digest size
// (otherwise wrong values could concatenate to the quoted bytes).
Status ComputeTpmPcrDigest(const std::vector<TpmPcrSelection>& selection,
                           const TpmPcrValues& pcrs, uint16_t digest_alg,
                           Bytes* out);

// ComputeTpmPcrDigest over quote.pcr_select equals quote.pcr_digest, and
// pcrs holds no value the quote does not select (it would be unsigned).
Status CheckTpmPcrDigest(const TpmQuote& quote, const TpmPcrValues& pcrs,
                         uint16_t digest_alg, const TpmQuoteCheckOptions& opt);

// quote.extra_data equals expected (constant time).
Status CheckTpmQuoteExtraData(const TpmQuote& quote, ByteView expected);

}  // namespace ra
