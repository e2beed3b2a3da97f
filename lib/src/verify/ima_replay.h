// Checking an IMA measurement list (parse/ima_log.h) and replaying it into
// the PCR it extends (PCR 10 unless the IMA policy says otherwise), as the
// kernel does (security/integrity/ima/ima_crypto.c, ima_queue.c): for
// every TPM bank the template digest is that bank's hash over the
// template data; a violation (all-zero template hash) extends all 0xFF.
// Kernels before 5.8, and later ones for a bank whose hash they lack,
// extend the bank instead with the SHA-1 template digest zero-padded to
// the bank's size (a violation: 20 bytes of 0xFF, padded).
#pragma once

#include <cstdint>
#include <map>

#include "common/status.h"
#include "parse/ima_log.h"

namespace ra {

constexpr uint32_t kImaPcr = 10;

// Every non-violation entry's template hash equals hash_alg over its
// template data (hash_alg: the list's algorithm, SHA-1 for the classic
// list).  Names the first entry that differs.
Status CheckImaTemplateHashes(const ImaLog& log, uint16_t hash_alg);

// The algorithm of the list's template hashes, from their length (20
// SHA-1, 32 SHA-256, 48 SHA-384, 64 SHA-512); 0 for any other.
uint16_t ImaListHashAlg(const ImaLog& log);

// What the kernel extended a bank with (see above).
enum class ImaBankDigest {
  kBankHash,    // the bank's hash of the template data (Linux >= 5.8)
  kPaddedSha1,  // SHA-1 of the template data, zero-padded (Linux < 5.8)
};

// PCR index -> replayed value of bank hash_alg, for every PCR the list
// extends (each starting at zero).  When hash_alg is the list's own
// algorithm (and how is kBankHash) the recorded template hashes are
// checked on the way (as CheckImaTemplateHashes, at no extra cost).
Status ReplayImaLog(const ImaLog& log, uint16_t hash_alg, std::map<uint32_t, Bytes>* out,
                    ImaBankDigest how = ImaBankDigest::kBankHash);

// The shortest prefix of the list (its first *covered entries, 0 for
// none) whose replay into bank hash_alg gives PCR pcr the value want.
// The kernel only appends, so a list read after the quote is the quoted
// list plus entries measured since; the prefix is what the quote covers
// (as Keylime's verifier treats a grown list).  A bank other than SHA-1
// is tried with its own hash first, then as a kernel before 5.8 extended
// it (ImaBankDigest::kPaddedSha1).  Fails "ima replay" when
// no prefix matches (a changed, left-out or reordered entry, or a list
// shorter than the quoted one).  Template hashes of the list's own
// algorithm are checked within the prefix, as ReplayImaLog does.
Status ReplayImaPrefix(const ImaLog& log, uint16_t hash_alg, uint32_t pcr, const Bytes& want,
                       size_t* covered);

}  // namespace ra
