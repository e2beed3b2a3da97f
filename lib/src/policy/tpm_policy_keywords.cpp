// The TPM section's keywords (docs/policy.md): TpmAk, TpmAkCA, PCR<n>,
// BootEvent, SecureBoot, ImaAllowlist, ImaExclude.  Values are checked
// for form and recorded; the files are read by verify/tpm_kind.cpp.
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "parse/tpm_alg.h"
#include "policy/policy_keywords.h"
#include "policy/tpm_policy.h"

namespace ra {
namespace {

TpmPolicyValues* Values(Policy* p) { return p->Section<TpmPolicyValues>(kTpmPolicySection); }

// "BANK:HEX[,HEX...]": a known bank and values of its digest size.
Status ParseBankValues(const std::string& kw, const std::string& arg, uint16_t* bank,
                       std::vector<Bytes>* out) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos)
    return Status::Fail(kw + ": want BANK:HEX (e.g. sha256:...), not '" + arg + "'");
  if (!TpmHashFromName(LowerAscii(arg.substr(0, colon)), bank))
    return Status::Fail(kw + ": unknown bank '" + arg.substr(0, colon) + "'");
  std::vector<std::string> hex;
  RA_RETURN_IF_ERROR(SplitPolicyList(arg.substr(colon + 1), &hex));
  for (const std::string& h : hex) {
    Bytes v;
    if (!HexDecode(h, &v).ok() || v.size() != TpmHashSize(*bank))
      return Status::Fail(kw + ": '" + h + "' is not " + std::to_string(TpmHashSize(*bank)) +
                          " bytes of hex");
    out->push_back(std::move(v));
  }
  return Status();
}

Status ParsePcrIndex(const std::string& kw, const std::string& text, uint32_t* out) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string::npos ||
      (text.size() > 1 && text[0] == '0'))
    return Status::Fail(kw + ": '" + text + "' is not a PCR index");
  *out = static_cast<uint32_t>(std::stoul(text));
  if (*out >= kTpmMaxPcrs) return Status::Fail(kw + ": no PCR " + text);
  return Status();
}

Status ApplyPcr(const PolicyLine& l, Policy* p) {
  uint32_t pcr = 0;
  RA_RETURN_IF_ERROR(ParsePcrIndex(l.tok[0], l.tok[0].substr(3), &pcr));
  uint16_t bank = 0;
  std::vector<Bytes> values;
  RA_RETURN_IF_ERROR(ParseBankValues(l.tok[0], l.tok[1], &bank, &values));
  auto& dst = Values(p)->pcr_values[{pcr, bank}];
  dst.insert(dst.end(), values.begin(), values.end());
  return Status();
}

Status ApplyBootEvent(const PolicyLine& l, Policy* p) {
  TpmBootEventPin pin;
  RA_RETURN_IF_ERROR(ParsePcrIndex(l.tok[0], l.tok[1], &pin.pcr));
  std::vector<Bytes> values;
  RA_RETURN_IF_ERROR(ParseBankValues(l.tok[0], l.tok[2], &pin.bank, &values));
  for (Bytes& v : values) {
    pin.digest = std::move(v);
    Values(p)->boot_events.push_back(pin);
  }
  return Status();
}

Status ApplySecureBoot(const PolicyLine& l, Policy* p) {
  return ParsePolicyYesNo("SecureBoot", l.tok[1], &Values(p)->require_secure_boot);
}

Status ApplyTpmAk(const PolicyLine& l, Policy* p) {
  Values(p)->ak_files.push_back(l.Resolve(l.tok[1]));
  return Status();
}

Status ApplyTpmAkCa(const PolicyLine& l, Policy* p) {
  Values(p)->ak_ca_file = l.Resolve(l.tok[1]);
  return Status();
}

Status ApplyImaAllowlist(const PolicyLine& l, Policy* p) {
  Values(p)->ima_allowlist_file = l.Resolve(l.tok[1]);
  return Status();
}

Status ApplyImaExclude(const PolicyLine& l, Policy* p) {
  if (l.tok[1].empty()) return Status::Fail("ImaExclude: empty prefix");
  Values(p)->ima_exclude.push_back(l.tok[1]);
  return Status();
}

}  // namespace

std::vector<PolicyKeyword> TpmPolicyKeywords() {
  // PCR0..PCR23: names need static storage.
  static const std::vector<std::string> kPcrNames = [] {
    std::vector<std::string> n;
    for (int i = 0; i < 24; i++) n.push_back("PCR" + std::to_string(i));
    return n;
  }();
  std::vector<PolicyKeyword> k = {
      {"TpmAk", 1, true, false, ApplyTpmAk},
      {"TpmAkCA", 1, false, false, ApplyTpmAkCa},
      {"BootEvent", 2, true, false, ApplyBootEvent},
      {"SecureBoot", 1, false, false, ApplySecureBoot},
      {"ImaAllowlist", 1, false, false, ApplyImaAllowlist},
      {"ImaExclude", 1, true, false, ApplyImaExclude},
  };
  for (const std::string& n : kPcrNames) k.push_back({n.c_str(), 1, true, false, ApplyPcr});
  return k;
}

}  // namespace ra

namespace ra {

// The keywords above, read backwards (EvidenceKind::PinLines): the boot
// chain's PCRs (0-9: firmware, its configuration, Secure Boot, boot
// loader, kernel and command line) are pinned; later PCRs (IMA's 10,
// the OS's own) change while the system runs and are written as comments.
std::vector<std::string> TpmPinLines(const TpmClaims& c) {
  constexpr uint32_t kLastBootPcr = 9;
  std::vector<std::string> out, runtime;
  for (const auto& bank : c.pcrs)
    for (const auto& v : bank.second) {
      std::string line = "PCR" + std::to_string(v.first) + " " + TpmHashName(bank.first) + ":" +
                         HexEncode(v.second);
      (v.first <= kLastBootPcr ? out : runtime).push_back(line);
    }
  if (!runtime.empty()) {
    out.push_back("# PCRs extended while the system runs; pin only if they are fixed:");
    for (const std::string& l : runtime) out.push_back("# " + l);
  }
  return out;
}

}  // namespace ra
