// libFuzzer target: the TPM quote structures (parse/tpm_quote.h) and the
// quote checks (verify/tpm_quote_check.h) on arbitrary bytes.  Every
// parser gets the whole input (TPMS_ATTEST, TPMT_SIGNATURE, TPMT_PUBLIC,
// TPM2B_PUBLIC); the seeds (fuzz/gen_tpm_seeds.py) are the real quotes,
// signatures and AK public areas of the shared vectors, and quote +
// signature composites.  A quote that parses goes through the PCR-digest
// and binding checks; a composite through the signature check.
//
// Invariants (abort on violation): a parsed quote is exactly the input
// (raw), has the quote magic and type, PCR selections ascending below 32
// with no bank twice; a parsed public area has a key and a Name of
// nameAlg's size; every failure names its check and says why.
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_checks.h"
#include "parse/tpm_quote.h"
#include "parse/tpm_json_view.h"
#include "verify/tpm_quote_check.h"

namespace {

using fuzz::Die;
using fuzz::CheckFailure;
using fuzz::CheckJson;

void CheckQuote(const uint8_t* data, size_t size, const ra::TpmQuote& q) {
  if (q.raw.size() != size || memcmp(q.raw.data(), data, size) != 0) Die("raw is not the input");
  if (q.magic != ra::kTpmGeneratedValue || q.type != ra::kTpmStAttestQuote)
    Die("accepted a non-quote");
  for (size_t i = 0; i < q.pcr_select.size(); i++) {
    for (size_t j = 0; j < i; j++)
      if (q.pcr_select[j].hash_alg == q.pcr_select[i].hash_alg) Die("bank twice");
    const auto& p = q.pcr_select[i].pcrs;
    for (size_t k = 0; k < p.size(); k++)
      if (p[k] >= ra::kTpmMaxPcrs || (k > 0 && p[k] <= p[k - 1])) Die("PCR list order");
  }
  // Zero values for every selected PCR: the digest check runs to its end.
  ra::TpmPcrValues pcrs;
  for (const auto& sel : q.pcr_select)
    for (uint32_t pcr : sel.pcrs)
      pcrs[sel.hash_alg][pcr] = ra::Bytes(ra::TpmHashSize(sel.hash_alg) ? ra::TpmHashSize(sel.hash_alg) : 32, 0);
  ra::TpmQuoteCheckOptions opt;
  opt.allow_sha1 = size % 2 == 0;
  ra::Status s = ra::CheckTpmPcrDigest(q, pcrs, ra::kTpmAlgSha256, opt);
  CheckFailure(s);
  CheckFailure(ra::CheckTpmQuoteExtraData(q, ra::Bytes(64, 0xA5)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::ByteView in(data, size);
  ra::TpmQuote q;
  ra::Status qs = ra::ParseTpmQuote(in, &q);
  CheckFailure(qs);
  if (qs.ok()) CheckQuote(data, size, q);
  if (qs.ok()) CheckJson(ra::TpmQuoteToJson(q));

  ra::TpmSignature sig;
  ra::Status ss = ra::ParseTpmSignature(in, &sig);
  CheckFailure(ss);
  if (ss.ok() && ra::TpmHashMd(sig.hash_alg) == nullptr) Die("accepted an unknown hash");

  ra::TpmPublic pub;
  for (bool two_b : {false, true}) {
    ra::Status ps = two_b ? ra::ParseTpm2bPublic(in, &pub) : ra::ParseTpmPublic(in, &pub);
    CheckFailure(ps);
    if (!ps.ok()) continue;
    if (!pub.key) Die("public area without a key");
    size_t h = ra::TpmHashSize(pub.name_alg);
    if (pub.name.size() != (h ? h + 2 : 0)) Die("Name size");
  }
  // Composite input: a 2-byte big-endian length, that many bytes of
  // TPMS_ATTEST, then a TPMT_SIGNATURE: the signature check runs with a
  // fixed RSA and a fixed EC key (neither signed the seeds; what is
  // exercised is the path to the verdict).
  if (size > 2) {
    size_t qlen = static_cast<size_t>(data[0]) << 8 | data[1];
    ra::TpmQuote q2;
    ra::TpmSignature s2;
    if (qlen <= size - 2 && ra::ParseTpmQuote(ra::ByteView(data + 2, qlen), &q2).ok() &&
        ra::ParseTpmSignature(ra::ByteView(data + 2 + qlen, size - 2 - qlen), &s2).ok()) {
      static EVP_PKEY* rsa = EVP_RSA_gen(2048);
      static EVP_PKEY* ec = EVP_EC_gen("P-256");
      ra::TpmQuoteCheckOptions opt;
      opt.allow_sha1 = true;
      for (EVP_PKEY* k : {rsa, ec}) {
        ra::Status v = ra::CheckTpmQuoteSignature(q2, s2, k, opt);
        if (v.ok()) Die("a signature by nobody verified");
        CheckFailure(v);
      }
    }
  }
  return 0;
}
