#include "verify/ima_replay.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/openssl_error.h"
#include "parse/tpm_alg.h"
#include "verify/digest_hasher.h"

namespace ra {

uint16_t ImaListHashAlg(const ImaLog& log) {
  switch (log.template_hash_len) {
    case 20: return kTpmAlgSha1;
    case 32: return kTpmAlgSha256;
    case 48: return kTpmAlgSha384;
    case 64: return kTpmAlgSha512;
    default: return 0;
  }
}

Status CheckImaTemplateHashes(const ImaLog& log, uint16_t hash_alg) {
  const EVP_MD* md = TpmHashMd(hash_alg);
  if (md == nullptr || TpmHashSize(hash_alg) != log.template_hash_len)
    return Status::Fail("ima template hash", "the list's hashes are not " + TpmHashName(hash_alg));
  DigestHasher h(md);
  uint8_t d[EVP_MAX_MD_SIZE];
  for (size_t i = 0; i < log.entries.size(); i++) {
    const ImaEntry& e = log.entries[i];
    if (e.violation()) continue;
    if (!h.Hash(e.template_data.data(), e.template_data.size(), nullptr, 0, d))
      return Status::Fail("ima template hash", OpenSslError());
    if (CRYPTO_memcmp(d, e.template_hash.data(), log.template_hash_len) != 0)
      return Status::Fail("ima template hash", "entry " + std::to_string(i) + " (" +
                                                   e.file_name() + ") does not match its data");
  }
  return Status();
}

namespace {

// What entry i extends into an n-byte bank: its template data's digest, or
// all 0xFF for a violation (as the kernel does).  When the list's hashes
// are of this bank, the check of CheckImaTemplateHashes comes free.
Status ExtendedDigest(DigestHasher& h, const ImaEntry& e, size_t i, size_t n, bool same_alg,
                      uint8_t* digest) {
  if (e.violation()) {
    std::fill(digest, digest + n, 0xFF);
  } else if (!h.Hash(e.template_data.data(), e.template_data.size(), nullptr, 0, digest)) {
    return Status::Fail("ima replay", OpenSslError());
  } else if (same_alg && CRYPTO_memcmp(digest, e.template_hash.data(), n) != 0) {
    return Status::Fail("ima template hash", "entry " + std::to_string(i) + " (" + e.file_name() +
                                                 ") does not match its data");
  }
  return Status();
}

}  // namespace

Status ReplayImaLog(const ImaLog& log, uint16_t hash_alg, std::map<uint32_t, Bytes>* out) {
  const EVP_MD* md = TpmHashMd(hash_alg);
  if (md == nullptr) return Status::Fail("ima replay", "cannot replay bank " + TpmHashName(hash_alg));
  const size_t n = TpmHashSize(hash_alg);
  const bool same_alg = ImaListHashAlg(log) == hash_alg;
  DigestHasher h(md);
  std::map<uint32_t, Bytes> pcrs;
  uint8_t digest[EVP_MAX_MD_SIZE];
  for (size_t i = 0; i < log.entries.size(); i++) {
    const ImaEntry& e = log.entries[i];
    if (e.pcr >= 32) return Status::Fail("ima replay", "entry " + std::to_string(i) + ": PCR " + std::to_string(e.pcr));
    Status s = ExtendedDigest(h, e, i, n, same_alg, digest);
    if (!s.ok()) return s;
    Bytes& pcr = pcrs[e.pcr];
    if (pcr.empty()) pcr.assign(n, 0);
    if (!h.Hash(pcr.data(), n, digest, n, pcr.data())) return Status::Fail("ima replay", OpenSslError());
  }
  *out = std::move(pcrs);
  return Status();
}

Status ReplayImaPrefix(const ImaLog& log, uint16_t hash_alg, uint32_t pcr, const Bytes& want,
                       size_t* covered) {
  const EVP_MD* md = TpmHashMd(hash_alg);
  if (md == nullptr) return Status::Fail("ima replay", "cannot replay bank " + TpmHashName(hash_alg));
  const size_t n = TpmHashSize(hash_alg);
  const bool same_alg = ImaListHashAlg(log) == hash_alg;
  DigestHasher h(md);
  Bytes value(n, 0);
  uint8_t digest[EVP_MAX_MD_SIZE];
  // The empty prefix: nothing measured into pcr when it was quoted.
  if (want == value) {
    *covered = 0;
    return Status();
  }
  for (size_t i = 0; i < log.entries.size(); i++) {
    const ImaEntry& e = log.entries[i];
    if (e.pcr >= 32) return Status::Fail("ima replay", "entry " + std::to_string(i) + ": PCR " + std::to_string(e.pcr));
    if (e.pcr != pcr) continue;
    Status s = ExtendedDigest(h, e, i, n, same_alg, digest);
    if (!s.ok()) return s;
    if (!h.Hash(value.data(), n, digest, n, value.data())) return Status::Fail("ima replay", OpenSslError());
    if (value == want) {
      *covered = i + 1;
      return Status();
    }
  }
  return Status::Fail("ima replay", "no prefix of the IMA list (" + std::to_string(log.entries.size()) +
                                        " entries) reproduces the quoted PCR " + std::to_string(pcr) +
                                        " (" + TpmHashName(hash_alg) + ")");
}

}  // namespace ra
