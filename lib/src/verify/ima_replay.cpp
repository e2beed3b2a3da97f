#include "verify/ima_replay.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

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

namespace {

// What each entry extends into one bank, by one of the two kernel rules
// (ImaBankDigest).  The template hashes come checked for free when the
// bank is the list's own algorithm; the padded rule is a fallback and
// checks none, so that a changed entry is refused as not replaying
// ("ima replay") whichever rule the refusal comes from.
class BankDigester {
 public:
  BankDigester(const ImaLog& log, uint16_t bank, ImaBankDigest how)
      : n_(TpmHashSize(bank)),
        padded_(how == ImaBankDigest::kPaddedSha1 && bank != kTpmAlgSha1),
        h_(padded_ ? EVP_sha1() : TpmHashMd(bank)),
        check_(!padded_ && ImaListHashAlg(log) == bank) {}
  size_t size() const { return n_; }

  // The n-byte digest entry i extends: its template data's digest, or
  // 0xFF..FF for a violation (padded: 20 bytes of each, then zeros).
  Status Digest(const ImaEntry& e, size_t i, uint8_t* digest) {
    const size_t len = padded_ ? 20 : n_;
    std::fill(digest, digest + n_, 0);
    if (e.violation()) {
      std::fill(digest, digest + len, 0xFF);
    } else if (!h_.Hash(e.template_data.data(), e.template_data.size(), nullptr, 0, digest)) {
      return Status::Fail("ima replay", OpenSslError());
    } else if (check_ && CRYPTO_memcmp(digest, e.template_hash.data(), len) != 0) {
      return Status::Fail("ima template hash", "entry " + std::to_string(i) + " (" +
                                                   e.file_name() + ") does not match its data");
    }
    return Status();
  }

 private:
  size_t n_;
  bool padded_;
  DigestHasher h_;  // the hash computed: the bank's, or SHA-1 when padded
  bool check_;
};

Status PcrOf(const ImaEntry& e, size_t i) {
  if (e.pcr >= kTpmMaxPcrs)
    return Status::Fail("ima replay", "entry " + std::to_string(i) + ": PCR " + std::to_string(e.pcr));
  return Status();
}

}  // namespace

Status CheckImaTemplateHashes(const ImaLog& log, uint16_t hash_alg) {
  if (TpmHashMd(hash_alg) == nullptr || ImaListHashAlg(log) != hash_alg)
    return Status::Fail("ima template hash", "the list's hashes are not " + TpmHashName(hash_alg));
  BankDigester bank(log, hash_alg, ImaBankDigest::kBankHash);
  uint8_t digest[EVP_MAX_MD_SIZE];
  for (size_t i = 0; i < log.entries.size(); i++)
    RA_RETURN_IF_ERROR(bank.Digest(log.entries[i], i, digest));
  return Status();
}

Status ReplayImaLog(const ImaLog& log, uint16_t hash_alg, std::map<uint32_t, Bytes>* out,
                    ImaBankDigest how) {
  const EVP_MD* md = TpmHashMd(hash_alg);
  if (md == nullptr) return Status::Fail("ima replay", "cannot replay bank " + TpmHashName(hash_alg));
  BankDigester bank(log, hash_alg, how);
  const size_t n = bank.size();
  DigestHasher h(md);
  std::map<uint32_t, Bytes> pcrs;
  uint8_t digest[EVP_MAX_MD_SIZE];
  for (size_t i = 0; i < log.entries.size(); i++) {
    const ImaEntry& e = log.entries[i];
    RA_RETURN_IF_ERROR(PcrOf(e, i));
    RA_RETURN_IF_ERROR(bank.Digest(e, i, digest));
    Bytes& pcr = pcrs[e.pcr];
    if (pcr.empty()) pcr.assign(n, 0);
    if (!h.Hash(pcr.data(), n, digest, n, pcr.data())) return Status::Fail("ima replay", OpenSslError());
  }
  *out = std::move(pcrs);
  return Status();
}

namespace {

// ReplayImaPrefix for one rule; *found false when no prefix matches.
Status FindImaPrefix(const ImaLog& log, uint16_t hash_alg, ImaBankDigest how, uint32_t pcr,
                     const Bytes& want, bool* found, size_t* covered) {
  BankDigester bank(log, hash_alg, how);
  const size_t n = bank.size();
  DigestHasher h(TpmHashMd(hash_alg));
  Bytes value(n, 0);
  uint8_t digest[EVP_MAX_MD_SIZE];
  *found = false;
  for (size_t i = 0; i < log.entries.size(); i++) {
    const ImaEntry& e = log.entries[i];
    RA_RETURN_IF_ERROR(PcrOf(e, i));
    if (e.pcr != pcr) continue;
    RA_RETURN_IF_ERROR(bank.Digest(e, i, digest));
    if (!h.Hash(value.data(), n, digest, n, value.data())) return Status::Fail("ima replay", OpenSslError());
    if (value == want) {
      *found = true;
      *covered = i + 1;
      return Status();
    }
  }
  return Status();
}

}  // namespace

Status ReplayImaPrefix(const ImaLog& log, uint16_t hash_alg, uint32_t pcr, const Bytes& want,
                       size_t* covered) {
  if (TpmHashMd(hash_alg) == nullptr)
    return Status::Fail("ima replay", "cannot replay bank " + TpmHashName(hash_alg));
  // The empty prefix: nothing measured into pcr when it was quoted.
  if (want == Bytes(TpmHashSize(hash_alg), 0)) {
    *covered = 0;
    return Status();
  }
  for (ImaBankDigest how : {ImaBankDigest::kBankHash, ImaBankDigest::kPaddedSha1}) {
    if (how == ImaBankDigest::kPaddedSha1 && hash_alg == kTpmAlgSha1) break;
    bool found = false;
    RA_RETURN_IF_ERROR(FindImaPrefix(log, hash_alg, how, pcr, want, &found, covered));
    if (found) return Status();
  }
  return Status::Fail("ima replay", "no prefix of the IMA list (" + std::to_string(log.entries.size()) +
                                        " entries) reproduces the quoted PCR " + std::to_string(pcr) +
                                        " (" + TpmHashName(hash_alg) + ")");
}

}  // namespace ra
