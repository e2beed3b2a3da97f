// Appraisal of a verified TPM quote (policy/tpm_policy.h).  Every refusal
// is check "tpm policy" and names the PCR, the event or the path.
#include "policy/tpm_policy.h"

#include <algorithm>

#include "common/bytes_util.h"
#include "parse/tpm_alg.h"

namespace ra {
namespace {

const char kCheck[] = "tpm policy";

std::string PcrName(uint32_t pcr, uint16_t bank) {
  return "PCR " + std::to_string(pcr) + " (" + TpmHashName(bank) + ")";
}

Status AppraisePcrValues(const TpmClaims& c, const TpmPolicyValues& v) {
  for (const auto& pin : v.pcr_values) {
    uint32_t pcr = pin.first.first;
    uint16_t bank = pin.first.second;
    auto b = c.pcrs.find(bank);
    if (b == c.pcrs.end() || !b->second.count(pcr))
      return Status::Fail(kCheck, PcrName(pcr, bank) + " is pinned but not quoted");
    const Bytes& got = b->second.at(pcr);
    if (std::find(pin.second.begin(), pin.second.end(), got) == pin.second.end())
      return Status::Fail(kCheck, PcrName(pcr, bank) + " is " + HexEncode(got) +
                                      ", not a value the policy lists");
  }
  return Status();
}

Status AppraiseBootEvents(const TpmClaims& c, const TpmPolicyValues& v) {
  for (const TpmBootEventPin& pin : v.boot_events) {
    bool found = std::any_of(c.events.begin(), c.events.end(), [&](const TpmVerifiedEvent& e) {
      return e.pcr == pin.pcr && e.bank == pin.bank && e.digest == pin.digest;
    });
    if (!found)
      return Status::Fail(kCheck, "BootEvent " + PcrName(pin.pcr, pin.bank) + " " +
                                      HexEncode(pin.digest) +
                                      (c.eventlog_present ? " is not in the verified event log"
                                                          : ": no event log was sent"));
  }
  if (v.require_secure_boot && c.secure_boot != 1)
    return Status::Fail(kCheck, c.secure_boot == 0
                                    ? "Secure Boot is off (PCR 7 event log)"
                                    : "Secure Boot state unknown (no verified PCR 7 event log)");
  return Status();
}

bool Excluded(const std::string& path, const std::vector<std::string>& prefixes) {
  for (const std::string& p : prefixes)
    if (path.compare(0, p.size(), p) == 0) return true;
  return false;
}

Status AppraiseIma(const TpmClaims& c, const TpmPolicyValues& v) {
  if (v.ima_allowlist_file.empty()) return Status();
  if (!c.ima_present) return Status::Fail(kCheck, "ImaAllowlist set but no ima-log was sent");
  if (!c.ima_verified)
    return Status::Fail(kCheck, "the ima-log is not covered by the quote (PCR 10 not quoted)");
  for (const TpmImaFile& f : c.ima_files) {
    if (!f.decoded)
      return Status::Fail(kCheck, "IMA template " + f.template_name + " cannot be appraised");
    if (Excluded(f.path, v.ima_exclude)) continue;
    auto it = v.ima_allowlist.find(f.path);
    if (it == v.ima_allowlist.end())
      return Status::Fail(kCheck, "IMA: " + f.path + " is not on the allowlist");
    if (!it->second.count({f.digest_alg, f.digest}))
      return Status::Fail(kCheck, "IMA: " + f.path + " has " + f.digest_alg + ":" +
                                      HexEncode(f.digest) + ", not an allowlisted digest");
  }
  return Status();
}

}  // namespace

const TpmPolicyValues* TpmPolicyOf(const Policy& p) {
  return p.Section<TpmPolicyValues>(kTpmPolicySection);
}

Status AppraiseTpmClaims(const TpmClaims& c, const TpmPolicyValues& v) {
  RA_RETURN_IF_ERROR(AppraisePcrValues(c, v));
  RA_RETURN_IF_ERROR(AppraiseBootEvents(c, v));
  return AppraiseIma(c, v);
}

}  // namespace ra
