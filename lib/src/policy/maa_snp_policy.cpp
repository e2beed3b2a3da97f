#include "policy/maa_snp_policy.h"

#include <algorithm>

#include "common/bytes_util.h"
#include "parse/jwt_token.h"
#include "policy/maa_claims.h"
#include "policy/snp_policy.h"

namespace ra {
namespace {

const char kCheck[] = "maa snp claims";
const std::string kPrefix = "x-ms-sevsnpvm-";

std::string Claim(const char* name) { return kPrefix + name; }

// A hex claim of exactly N bytes; absent: *present false (if allowed).
template <size_t N>
Status ReadHex(const json_t* claims, const char* name, std::array<uint8_t, N>* out,
               bool* present) {
  std::string hex;
  const std::string key = Claim(name);
  RA_RETURN_IF_ERROR(JsonGetString(claims, key.c_str(), kCheck, &hex, present));
  if (present && !*present) return Status();
  Bytes b;
  if (hex.size() != 2 * N || !HexDecode(hex, &b).ok())
    return Status::Fail(kCheck, "'" + key + "' is not " + std::to_string(2 * N) + " hex digits");
  std::copy(b.begin(), b.end(), out->begin());
  return Status();
}

template <size_t N>
Status ReadOptionalHex(const json_t* claims, const char* name,
                       std::optional<std::array<uint8_t, N>>* out) {
  std::array<uint8_t, N> v{};
  bool present = false;
  RA_RETURN_IF_ERROR(ReadHex(claims, name, &v, &present));
  if (present) *out = v;
  return Status();
}

// A non-negative JSON integer claim, at most max.
Status ReadUint(const json_t* claims, const char* name, uint32_t max, std::optional<uint32_t>* out) {
  const std::string key = Claim(name);
  const json_t* v = json_object_get(claims, key.c_str());
  if (v == nullptr) return Status();
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      static_cast<uint64_t>(json_integer_value(v)) > max)
    return Status::Fail(kCheck, "'" + key + "' is not an integer 0.." + std::to_string(max));
  *out = static_cast<uint32_t>(json_integer_value(v));
  return Status();
}

Status ReadServiceVerdict(const json_t* claims, MaaSnpClaims* m) {
  RA_RETURN_IF_ERROR(
      ReadMaaServiceVerdict(claims, kCheck, "sevsnpvm", &m->attestation_type, &m->compliance));
  return JsonGetBool(claims, Claim("is-debuggable").c_str(), kCheck, &m->debug);
}

Status ReadReportClaims(const json_t* claims, MaaSnpClaims* m) {
  RA_RETURN_IF_ERROR(ReadHex(claims, "launchmeasurement", &m->measurement, nullptr));
  std::optional<uint32_t> vmpl;
  RA_RETURN_IF_ERROR(ReadUint(claims, "vmpl", 3, &vmpl));
  if (!vmpl) return Status::Fail(kCheck, "missing '" + Claim("vmpl") + "'");
  m->vmpl = *vmpl;
  RA_RETURN_IF_ERROR(ReadOptionalHex(claims, "hostdata", &m->host_data));
  RA_RETURN_IF_ERROR(ReadOptionalHex(claims, "idkeydigest", &m->id_key_digest));
  RA_RETURN_IF_ERROR(ReadOptionalHex(claims, "authorkeydigest", &m->author_key_digest));
  RA_RETURN_IF_ERROR(ReadOptionalHex(claims, "familyId", &m->family_id));
  RA_RETURN_IF_ERROR(ReadOptionalHex(claims, "imageId", &m->image_id));
  RA_RETURN_IF_ERROR(ReadUint(claims, "guestsvn", UINT32_MAX, &m->guest_svn));
  bool present = false, migration = false;
  RA_RETURN_IF_ERROR(
      JsonGetBool(claims, Claim("migration-allowed").c_str(), kCheck, &migration, &present));
  if (present) m->migration_allowed = migration;
  std::optional<uint32_t> parts[4];
  const char* const names[4] = {"bootloader-svn", "tee-svn", "snpfw-svn", "microcode-svn"};
  for (size_t i = 0; i < 4; i++) RA_RETURN_IF_ERROR(ReadUint(claims, names[i], 255, &parts[i]));
  if (parts[0] && parts[1] && parts[2] && parts[3])
    m->tcb = SnpTcbParts{0, static_cast<uint8_t>(*parts[0]), static_cast<uint8_t>(*parts[1]),
                         static_cast<uint8_t>(*parts[2]), static_cast<uint8_t>(*parts[3])};
  return Status();
}

template <size_t N>
void AddHex(const char* field, const std::optional<std::array<uint8_t, N>>& v,
            VerifiedClaims* vc) {
  if (v) vc->fields.emplace_back(field, HexEncode(*v));
}

void FillFields(const MaaSnpClaims& m, const Binding* binding, VerifiedClaims* vc) {
  vc->kind = kEvidenceMaaToken;
  vc->fields.emplace_back("attestation_type", m.attestation_type);
  vc->fields.emplace_back("compliance", m.compliance);
  vc->fields.emplace_back("debug", m.debug ? "yes" : "no");
  vc->fields.emplace_back("measurement", HexEncode(m.measurement));
  vc->fields.emplace_back("vmpl", std::to_string(m.vmpl));
  AddHex("host_data", m.host_data, vc);
  AddHex("id_key_digest", m.id_key_digest, vc);
  AddHex("author_key_digest", m.author_key_digest, vc);
  AddHex("family_id", m.family_id, vc);
  AddHex("image_id", m.image_id, vc);
  if (m.guest_svn) vc->fields.emplace_back("guest_svn", std::to_string(*m.guest_svn));
  if (m.migration_allowed)
    vc->fields.emplace_back("policy_migrate_ma", *m.migration_allowed ? "yes" : "no");
  if (m.tcb) {
    vc->fields.emplace_back("reported_tcb_bl", std::to_string(m.tcb->bootloader));
    vc->fields.emplace_back("reported_tcb_tee", std::to_string(m.tcb->tee));
    vc->fields.emplace_back("reported_tcb_snp", std::to_string(m.tcb->snp));
    vc->fields.emplace_back("reported_tcb_ucode", std::to_string(m.tcb->microcode));
  }
  vc->fields.emplace_back("user_data", HexEncode(m.user_data));
  vc->fields.emplace_back("binding_checked", binding ? "yes" : "no");
  if (binding) vc->fields.emplace_back("user_data_is", m.user_data_is);
}

Status Refuse(const std::string& what) { return Status::Fail("snp policy", what); }

template <size_t N>
Status CheckListed(const char* claim, const char* keyword,
                   const std::optional<std::array<uint8_t, N>>& got,
                   const std::vector<Bytes>& allowed) {
  if (allowed.empty()) return Status();
  if (!got)
    return Status::Fail(kCheck, "missing '" + Claim(claim) + "' (policy lists " + keyword +
                                    " values)");
  for (const Bytes& b : allowed)
    if (b.size() == N && std::equal(b.begin(), b.end(), got->begin())) return Status();
  return Refuse(Claim(claim) + " " + HexEncode(*got) + " is not in " + keyword);
}

// Pins on report fields no token carries: refused rather than silently
// unchecked, unless a raw SNP report is required too.
Status CheckNoUncarriedPins(const SnpPolicyValues& v, const Policy& p) {
  for (const std::string& t : p.required_types)
    if (t == kEvidenceSnpReport || t == kEvidenceAzureSnpReport) return Status();
  const char* pinned = v.has_min_abi       ? "SnpMinAbi"
                       : v.require_no_smt  ? "SnpRequireNoSmt"
                       : v.require_platform ? "SnpRequirePlatform"
                       : v.min_tcb_has_fmc ? "SnpMinTcb fmc"
                                           : nullptr;
  if (pinned)
    return Status::Fail(kCheck, std::string("the policy sets ") + pinned +
                                    ", which an attestation token does not carry");
  return Status();
}

Status CheckMinimums(const MaaSnpClaims& m, const SnpPolicyValues& v) {
  if (v.has_min_guest_svn) {
    if (!m.guest_svn)
      return Status::Fail(kCheck, "missing '" + Claim("guestsvn") + "' (policy sets SnpMinGuestSvn)");
    if (*m.guest_svn < v.min_guest_svn)
      return Refuse("guestsvn " + std::to_string(*m.guest_svn) + " is below SnpMinGuestSvn " +
                    std::to_string(v.min_guest_svn));
  }
  if (!v.has_min_tcb) return Status();
  if (!m.tcb) return Status::Fail(kCheck, "missing an -svn claim (policy sets SnpMinTcb)");
  const SnpTcbParts& r = *m.tcb;
  const SnpTcbParts& t = v.min_tcb;
  if (r.bootloader < t.bootloader || r.tee < t.tee || r.snp < t.snp || r.microcode < t.microcode)
    return Refuse("TCB bl=" + std::to_string(r.bootloader) + ",tee=" + std::to_string(r.tee) +
                  ",snp=" + std::to_string(r.snp) + ",ucode=" + std::to_string(r.microcode) +
                  " is below SnpMinTcb");
  return Status();
}

}  // namespace

Status ReadMaaSnpClaims(const json_t* claims, const Binding* binding, VerifiedClaims* out) {
  if (!json_is_object(claims)) return Status::Fail(kCheck, "claims are not an object");
  MaaSnpClaims m;
  RA_RETURN_IF_ERROR(ReadServiceVerdict(claims, &m));
  RA_RETURN_IF_ERROR(ReadReportClaims(claims, &m));
  RA_RETURN_IF_ERROR(ReadMaaRuntimeBinding(claims, binding, kCheck, &m.user_data,
                                           &m.binding_checked, &m.user_data_is));
  VerifiedClaims vc;
  FillFields(m, binding, &vc);
  vc.typed = std::move(m);
  if (out) *out = std::move(vc);
  return Status();
}

Status AppraiseMaaSnpClaims(const MaaSnpClaims& m, const Policy& policy) {
  static const SnpPolicyValues kDefaults;
  const SnpPolicyValues* set = SnpPolicy(policy);
  const SnpPolicyValues& v = set ? *set : kDefaults;
  RA_RETURN_IF_ERROR(CheckNoUncarriedPins(v, policy));
  if (m.debug && !policy.allow_debug)
    return Refuse(Claim("is-debuggable") + " is true, the policy wants false (AllowDebug no)");
  if (m.migration_allowed.value_or(false) && !v.allow_migration_agent)
    return Refuse(Claim("migration-allowed") +
                  " is true, the policy wants false (SnpAllowMigrationAgent no)");
  if (m.vmpl != v.vmpl)
    return Refuse("vmpl " + std::to_string(m.vmpl) + " is not SnpVmpl " + std::to_string(v.vmpl));
  RA_RETURN_IF_ERROR(CheckListed("launchmeasurement", "SnpMeasurement",
                                 std::optional<std::array<uint8_t, 48>>(m.measurement),
                                 v.measurement));
  RA_RETURN_IF_ERROR(CheckListed("hostdata", "SnpHostData", m.host_data, v.host_data));
  RA_RETURN_IF_ERROR(CheckListed("idkeydigest", "SnpIdKeyDigest", m.id_key_digest, v.id_key_digest));
  RA_RETURN_IF_ERROR(CheckListed("authorkeydigest", "SnpAuthorKeyDigest", m.author_key_digest,
                                 v.author_key_digest));
  RA_RETURN_IF_ERROR(CheckListed("familyId", "SnpFamilyId", m.family_id, v.family_id));
  RA_RETURN_IF_ERROR(CheckListed("imageId", "SnpImageId", m.image_id, v.image_id));
  return CheckMinimums(m, v);
}

}  // namespace ra
