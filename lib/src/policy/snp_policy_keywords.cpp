// The SEV-SNP section's keywords (docs/policy.md), named after
// go-sev-guest's validate options.  Values are recorded here; the files
// they name are loaded by verify/snp_kind.cpp (the section's load).
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "parse/jwt_token.h"
#include "policy/snp_policy.h"

namespace ra {
namespace {

SnpPolicyValues* Values(Policy* p) { return p->Section<SnpPolicyValues>(kSnpPolicySection); }

Status LineFail(const PolicyLine& l, const std::string& why) {
  return Status::Fail(l.tok[0] + ": " + why);
}

// A list of HEX values of exactly len bytes, appended to *out.
Status AddHexList(const PolicyLine& l, size_t len, std::vector<Bytes>* out) {
  std::vector<std::string> items;
  Status s = SplitPolicyList(l.tok[1], &items);
  if (!s.ok()) return LineFail(l, s.check());
  for (const std::string& item : items) {
    Bytes b;
    if (item.size() != 2 * len || !HexDecode(item, &b).ok())
      return LineFail(l, "'" + item + "' is not " + std::to_string(2 * len) + " hex digits (" +
                             std::to_string(len) + " bytes)");
    out->push_back(std::move(b));
  }
  return Status();
}

template <size_t Len, std::vector<Bytes> SnpPolicyValues::*Field>
Status ApplyHex(const PolicyLine& l, Policy* p) {
  return AddHexList(l, Len, &(Values(p)->*Field));
}

// Decimal, at most max.
Status ParseSmall(const std::string& s, uint32_t max, uint32_t* out) {
  if (s.empty() || s.size() > 10) return Status::Fail("'" + s + "' is not a number");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::Fail("'" + s + "' is not a number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return Status::Fail("'" + s + "' exceeds " + std::to_string(max));
  *out = static_cast<uint32_t>(v);
  return Status();
}

Status ParseYesNo(const PolicyLine& l, bool* out) {
  std::string v = LowerAscii(l.tok[1]);
  if (v != "yes" && v != "no") return LineFail(l, "wants yes or no, not '" + l.tok[1] + "'");
  *out = v == "yes";
  return Status();
}

// bl=N,tee=N,snp=N,ucode=N[,fmc=N]: each component once, all four needed.
Status ApplyMinTcb(const PolicyLine& l, Policy* p) {
  std::vector<std::string> parts;
  Status s = SplitPolicyList(l.tok[1], &parts);
  if (!s.ok()) return LineFail(l, s.check());
  SnpTcbParts t;
  unsigned seen = 0;
  const char* const names[] = {"bl", "tee", "snp", "ucode", "fmc"};
  uint8_t* const dst[] = {&t.bootloader, &t.tee, &t.snp, &t.microcode, &t.fmc};
  for (const std::string& part : parts) {
    size_t eq = part.find('=');
    std::string name = LowerAscii(part.substr(0, eq));
    size_t i = 0;
    while (i < 5 && name != names[i]) i++;
    if (i == 5 || eq == std::string::npos)
      return LineFail(l, "'" + part + "': want bl=N,tee=N,snp=N,ucode=N[,fmc=N]");
    if (seen & (1u << i)) return LineFail(l, std::string(names[i]) + " given twice");
    uint32_t v = 0;
    s = ParseSmall(part.substr(eq + 1), 255, &v);
    if (!s.ok()) return LineFail(l, std::string(names[i]) + ": " + s.check());
    *dst[i] = static_cast<uint8_t>(v);
    seen |= 1u << i;
  }
  if ((seen & 0xF) != 0xF) return LineFail(l, "bl, tee, snp and ucode are all needed");
  SnpPolicyValues* v = Values(p);
  v->has_min_tcb = true;
  v->min_tcb_has_fmc = (seen & 0x10) != 0;
  v->min_tcb = t;
  return Status();
}

Status ApplyMinGuestSvn(const PolicyLine& l, Policy* p) {
  SnpPolicyValues* v = Values(p);
  Status s = ParseSmall(l.tok[1], UINT32_MAX, &v->min_guest_svn);
  if (!s.ok()) return LineFail(l, s.check());
  v->has_min_guest_svn = true;
  return Status();
}

// MAJOR.MINOR, each 0..255.
Status ApplyMinAbi(const PolicyLine& l, Policy* p) {
  const std::string& a = l.tok[1];
  size_t dot = a.find('.');
  uint32_t major = 0, minor = 0;
  if (dot == std::string::npos || !ParseSmall(a.substr(0, dot), 255, &major).ok() ||
      !ParseSmall(a.substr(dot + 1), 255, &minor).ok())
    return LineFail(l, "'" + a + "' is not MAJOR.MINOR (0..255 each)");
  SnpPolicyValues* v = Values(p);
  v->has_min_abi = true;
  v->min_abi_major = static_cast<uint8_t>(major);
  v->min_abi_minor = static_cast<uint8_t>(minor);
  return Status();
}

Status ApplyVmpl(const PolicyLine& l, Policy* p) {
  Status s = ParseSmall(l.tok[1], 3, &Values(p)->vmpl);
  return s.ok() ? s : LineFail(l, s.check() + " (VMPL is 0..3)");
}

Status ApplyAllowMigrationAgent(const PolicyLine& l, Policy* p) {
  return ParseYesNo(l, &Values(p)->allow_migration_agent);
}

Status ApplyRequireNoSmt(const PolicyLine& l, Policy* p) {
  return ParseYesNo(l, &Values(p)->require_no_smt);
}

// Names as the claims show the bits, without "platform_":
// tsme_enabled, ecc_enabled, alias_check_complete, ...
Status ApplyRequirePlatform(const PolicyLine& l, Policy* p) {
  std::vector<std::string> names;
  Status s = SplitPolicyList(l.tok[1], &names);
  if (!s.ok()) return LineFail(l, s.check());
  uint64_t mask = 0;
  for (const std::string& name : names) {
    const std::string claim = "platform_" + LowerAscii(name);
    std::string known;
    bool found = false;
    for (const auto& f : kSnpPlatformInfoFlags) {
      known += std::string(known.empty() ? "" : ", ") + (f.name + 9);  // past "platform_"
      if (claim == f.name) {
        mask |= uint64_t{1} << f.bit;
        found = true;
      }
    }
    if (!found) return LineFail(l, "'" + name + "' is not one of " + known);
  }
  Values(p)->require_platform = mask;
  return Status();
}

Status ApplyTrustAnchor(const PolicyLine& l, Policy* p) {
  SnpPolicyValues* v = Values(p);
  v->trust_anchor = l.Resolve(l.tok[2]);
  v->anchors.reset();
  return Status();
}

Status ApplyCrl(const PolicyLine& l, Policy* p) {
  SnpPolicyValues* v = Values(p);
  v->crl_file = l.Resolve(l.tok[1]);
  v->crl.reset();
  return Status();
}

Status ApplyRequireCrl(const PolicyLine& l, Policy* p) {
  return ParseYesNo(l, &Values(p)->require_crl);
}

Status ApplyKds(const PolicyLine& l, Policy* p) {
  std::string url;
  Status s = NormalizeHttpsUrl(l.tok[1], &url);
  if (!s.ok()) return LineFail(l, s.detail().empty() ? s.check() : s.detail());
  Values(p)->kds_url = url;
  return Status();
}

Status ApplyKdsCa(const PolicyLine& l, Policy* p) {
  Values(p)->kds_ca_file = l.Resolve(l.tok[1]);
  return Status();
}

// As IssuerKeyCache: only "none" turns it off.
Status ApplyKdsCache(const PolicyLine& l, Policy* p) {
  SnpPolicyValues* v = Values(p);
  if (l.tok[1] == "none") {
    v->kds_cache.clear();
  } else {
    if (LowerAscii(l.tok[1]) == "none")
      return LineFail(l, "'" + l.tok[1] + "': write none, or ./" + l.tok[1]);
    v->kds_cache = l.Resolve(l.tok[1]);
  }
  v->kds_cache_given = true;
  return Status();
}

}  // namespace

const SnpPolicyValues* SnpPolicy(const Policy& pol) {
  return pol.Section<SnpPolicyValues>(kSnpPolicySection);
}

Status FinishSnpPolicy(Policy* pol) {
  const SnpPolicyValues* v = SnpPolicy(*pol);
  if (v && v->require_crl && v->crl_file.empty() && v->kds_url.empty())
    return Status::Fail("SnpRequireCrl yes: no CRL to check (give SnpCrl FILE, or SnpKds URL "
                        "to fetch AMD's)");
  return Status();
}

std::vector<PolicyKeyword> SnpPolicyKeywords() {
  return {
      {"TrustAnchor", 2, false, true, ApplyTrustAnchor, "snp"},
      {"SnpCrl", 1, false, false, ApplyCrl},
      {"SnpRequireCrl", 1, false, false, ApplyRequireCrl},
      {"SnpKds", 1, false, false, ApplyKds},
      {"SnpKdsCA", 1, false, false, ApplyKdsCa},
      {"SnpKdsCache", 1, false, false, ApplyKdsCache},
      {"SnpMeasurement", 1, true, false, ApplyHex<48, &SnpPolicyValues::measurement>},
      {"SnpHostData", 1, true, false, ApplyHex<32, &SnpPolicyValues::host_data>},
      {"SnpIdKeyDigest", 1, true, false, ApplyHex<48, &SnpPolicyValues::id_key_digest>},
      {"SnpAuthorKeyDigest", 1, true, false, ApplyHex<48, &SnpPolicyValues::author_key_digest>},
      {"SnpFamilyId", 1, true, false, ApplyHex<16, &SnpPolicyValues::family_id>},
      {"SnpImageId", 1, true, false, ApplyHex<16, &SnpPolicyValues::image_id>},
      {"SnpMinTcb", 1, false, false, ApplyMinTcb},
      {"SnpMinGuestSvn", 1, false, false, ApplyMinGuestSvn},
      {"SnpMinAbi", 1, false, false, ApplyMinAbi},
      {"SnpVmpl", 1, false, false, ApplyVmpl},
      {"SnpAllowMigrationAgent", 1, false, false, ApplyAllowMigrationAgent},
      {"SnpRequireNoSmt", 1, false, false, ApplyRequireNoSmt},
      {"SnpRequirePlatform", 1, false, false, ApplyRequirePlatform},
  };
}

}  // namespace ra

namespace ra {

// The keywords above, read backwards (EvidenceKind::PinLines): the
// launch measurement and what the guest owner bound to it are pinned; the
// firmware's TCB and the guest SVN are written as minimums to consider,
// since they rise with updates.
std::vector<std::string> SnpPinLines(const SnpAppraisalInput& in) {
  const SnpReport& r = *in.report;
  std::vector<std::string> out = {
      "SnpMeasurement " + HexEncode(r.measurement),
      "SnpHostData " + HexEncode(r.host_data),
      "SnpIdKeyDigest " + HexEncode(r.id_key_digest),
      "SnpAuthorKeyDigest " + HexEncode(r.author_key_digest),
      "SnpFamilyId " + HexEncode(r.family_id),
      "SnpImageId " + HexEncode(r.image_id),
  };
  if (r.vmpl != 0) out.push_back("SnpVmpl " + std::to_string(r.vmpl));
  const SnpTcbParts& t = in.reported_tcb;
  out.push_back("# minimums (firmware and guest updates raise them):");
  out.push_back("# SnpMinTcb bl=" + std::to_string(t.bootloader) + ",tee=" +
                std::to_string(t.tee) + ",snp=" + std::to_string(t.snp) +
                ",ucode=" + std::to_string(t.microcode) +
                (in.product == SnpProduct::kTurin ? ",fmc=" + std::to_string(t.fmc)
                                                  : std::string()));
  out.push_back("# SnpMinGuestSvn " + std::to_string(r.guest_svn));
  return out;
}

}  // namespace ra
