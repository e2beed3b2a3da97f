// libFuzzer target: the IMA measurement list (parse/ima_log.h), binary
// (20- and 32-byte template hashes) and ASCII, and its checks and replay
// (verify/ima_replay.h).  Seeds (fuzz/gen_tpm_seeds.py): keylime's real
// ASCII list, slices of it, and the binary form of each.
//
// Invariants (abort on violation): an ASCII list that parses, written out
// in the binary layout, parses to the same entries (what the kernel's two
// files say must agree); decoded entries have a file name without NUL and
// a non-empty digest; replays give values of the bank's size; failures
// name their check and say why.
#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_checks.h"
#include "parse/ima_log.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_json_view.h"
#include "verify/ima_replay.h"

namespace {

using fuzz::Die;
using fuzz::CheckFailure;
using fuzz::CheckJson;

void CheckLog(const ra::ImaLog& log) {
  for (const auto& e : log.entries) {
    if (e.template_hash.size() != log.template_hash_len) Die("template hash length");
    if (e.decoded && (e.file_digest().empty() || e.file_name().find('\0') != std::string::npos))
      Die("decoded entry");
  }
  CheckFailure(ra::CheckImaTemplateHashes(log, ra::ImaListHashAlg(log) ? ra::ImaListHashAlg(log)
                                                                         : ra::kTpmAlgSha1));
  for (uint16_t alg : {ra::kTpmAlgSha1, ra::kTpmAlgSha256}) {
    std::map<uint32_t, ra::Bytes> pcrs;
    ra::Status s = ra::ReplayImaLog(log, alg, &pcrs);
    CheckFailure(s);
    if (s.ok())
      for (const auto& p : pcrs)
        if (p.second.size() != ra::TpmHashSize(alg)) Die("replayed value size");
  }
  // As a kernel before 5.8 extended a SHA-256 bank (padded SHA-1).
  std::map<uint32_t, ra::Bytes> padded;
  ra::Status s = ra::ReplayImaLog(log, ra::kTpmAlgSha256, &padded, ra::ImaBankDigest::kPaddedSha1);
  CheckFailure(s);
  if (s.ok())
    for (const auto& p : padded)
      if (p.second.size() != 32) Die("padded replay value size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (size_t hash_len : {20, 32}) {
    ra::ImaLog log;
    ra::Status s = ra::ParseImaBinaryLog(ra::ByteView(data, size), hash_len, &log);
    CheckFailure(s);
    if (s.ok()) CheckLog(log);
  }
  {
    ra::ImaLog log;
    CheckFailure(ra::ParseImaBinaryLogAnyHash(ra::ByteView(data, size), &log));
  }
  ra::ImaLog ascii;
  ra::Status s = ra::ParseImaAsciiLog(std::string(reinterpret_cast<const char*>(data), size), &ascii);
  CheckFailure(s);
  if (!s.ok()) return 0;
  CheckLog(ascii);
  CheckJson(ra::ImaLogToJson(ascii));
  ra::Bytes bin = ra::ImaLogToBinary(ascii);
  ra::ImaLog again;
  s = ra::ParseImaBinaryLog(bin, ascii.template_hash_len, &again);
  if (!s.ok()) Die("binary form of a parsed ASCII list refused: " + s.message());
  if (again.entries.size() != ascii.entries.size()) Die("entry count differs");
  for (size_t i = 0; i < again.entries.size(); i++) {
    const auto& a = ascii.entries[i];
    const auto& b = again.entries[i];
    if (a.file_name() != b.file_name() || a.file_digest() != b.file_digest() ||
        a.digest_alg() != b.digest_alg() || a.signature() != b.signature() || a.pcr != b.pcr)
      Die("binary and ASCII entries differ at " + std::to_string(i));
  }
  return 0;
}
