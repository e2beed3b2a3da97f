// libFuzzer target: the `tpm-pcrs` JSON item (parse/tpm_pcrs.h).  Seeds
// (fuzz/gen_tpm_seeds.py): the shared *.pcrs.json vectors without their
// "source" member, and small hand-made documents.
//
// Invariants (abort on violation): accepted values have their bank's
// digest size and PCR indices below 32; the accepted set written back
// with TpmPcrsToJson parses to the same set; failures name their check
// and say why.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_checks.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_pcrs.h"

namespace {

using fuzz::Die;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::TpmPcrValues pcrs;
  ra::Status s = ra::ParseTpmPcrsJson(std::string(reinterpret_cast<const char*>(data), size), &pcrs);
  if (!s.ok()) {
    if (s.check() != "tpm pcrs format" || s.detail().empty()) Die("failure: " + s.message());
    return 0;
  }
  for (const auto& bank : pcrs)
    for (const auto& v : bank.second)
      if (v.first >= ra::kTpmMaxPcrs || v.second.size() != ra::TpmHashSize(bank.first))
        Die("accepted a bad value");
  ra::TpmPcrValues again;
  if (!ra::ParseTpmPcrsJson(ra::TpmPcrsToJson(pcrs), &again).ok() || again != pcrs)
    Die("round trip differs");
  return 0;
}
