// Appraisal of a verified SEV-SNP report (policy/snp_policy.h).  Every
// refusal names the report field and both values, so an operator can tell
// a stale reference value from a wrong guest.
#include "policy/snp_policy.h"

#include <algorithm>
#include <string>

#include "common/bytes_util.h"

namespace ra {
namespace {

Status Refuse(const std::string& what) { return Status::Fail("snp policy", what); }

std::string HexList(const std::vector<Bytes>& vals) {
  std::string s;
  for (const Bytes& b : vals) s += (s.empty() ? "" : ",") + HexEncode(ByteView(b));
  return s;
}

template <size_t N>
Status CheckListed(const char* field, const char* keyword, const std::array<uint8_t, N>& got,
                   const std::vector<Bytes>& allowed) {
  if (allowed.empty()) return Status();
  for (const Bytes& b : allowed)
    if (b.size() == N && std::equal(b.begin(), b.end(), got.begin())) return Status();
  return Refuse(std::string(field) + " " + HexEncode(got) + " is not in " + keyword + " " +
                HexList(allowed));
}

std::string TcbText(const SnpTcbParts& t, bool fmc) {
  std::string s = "bl=" + std::to_string(t.bootloader) + ",tee=" + std::to_string(t.tee) +
                  ",snp=" + std::to_string(t.snp) + ",ucode=" + std::to_string(t.microcode);
  return fmc ? s + ",fmc=" + std::to_string(t.fmc) : s;
}

Status CheckMinTcb(const SnpAppraisalInput& in, const SnpPolicyValues& v) {
  if (!v.has_min_tcb) return Status();
  const SnpTcbParts& r = in.reported_tcb;
  const SnpTcbParts& m = v.min_tcb;
  bool low = r.bootloader < m.bootloader || r.tee < m.tee || r.snp < m.snp ||
             r.microcode < m.microcode || (v.min_tcb_has_fmc && r.fmc < m.fmc);
  if (!low) return Status();
  return Refuse("REPORTED_TCB " + TcbText(r, v.min_tcb_has_fmc) + " is below SnpMinTcb " +
                TcbText(m, v.min_tcb_has_fmc));
}

Status CheckGuestPolicy(const SnpGuestPolicy& gp, const SnpPlatformInfo& pi, const Policy& pol,
                        const SnpPolicyValues& v) {
  if (gp.debug && !pol.allow_debug)
    return Refuse("guest POLICY.DEBUG is 1, the policy wants 0 (AllowDebug no)");
  if (gp.migrate_ma && !v.allow_migration_agent)
    return Refuse("guest POLICY.MIGRATE_MA is 1, the policy wants 0 (SnpAllowMigrationAgent no)");
  if (v.require_no_smt && pi.smt_enabled)
    return Refuse("PLATFORM_INFO.SMT_EN is 1, the policy wants 0 (SnpRequireNoSmt yes)");
  for (const auto& f : kSnpPlatformInfoFlags)
    if (((v.require_platform >> f.bit) & 1) && !(pi.*f.member))
      return Refuse("PLATFORM_INFO bit " + std::to_string(f.bit) + " (" + (f.name + 9) +
                    ") is 0, the policy wants 1 (SnpRequirePlatform)");
  if (v.has_min_abi && (gp.abi_major < v.min_abi_major ||
                        (gp.abi_major == v.min_abi_major && gp.abi_minor < v.min_abi_minor)))
    return Refuse("guest POLICY ABI " + std::to_string(gp.abi_major) + "." +
                  std::to_string(gp.abi_minor) + " is below SnpMinAbi " +
                  std::to_string(v.min_abi_major) + "." + std::to_string(v.min_abi_minor));
  return Status();
}

}  // namespace

Status AppraiseSnpReport(const SnpAppraisalInput& in, const Policy& pol) {
  static const SnpPolicyValues kDefaults;
  const SnpPolicyValues* set = SnpPolicy(pol);
  const SnpPolicyValues& v = set ? *set : kDefaults;
  const SnpReport& r = *in.report;
  RA_RETURN_IF_ERROR(CheckGuestPolicy(DecodeSnpGuestPolicy(r.policy),
                                      DecodeSnpPlatformInfo(r.platform_info), pol, v));
  if (r.vmpl != v.vmpl)
    return Refuse("VMPL " + std::to_string(r.vmpl) + " is not SnpVmpl " + std::to_string(v.vmpl));
  RA_RETURN_IF_ERROR(CheckListed("MEASUREMENT", "SnpMeasurement", r.measurement, v.measurement));
  RA_RETURN_IF_ERROR(CheckListed("HOST_DATA", "SnpHostData", r.host_data, v.host_data));
  RA_RETURN_IF_ERROR(
      CheckListed("ID_KEY_DIGEST", "SnpIdKeyDigest", r.id_key_digest, v.id_key_digest));
  RA_RETURN_IF_ERROR(CheckListed("AUTHOR_KEY_DIGEST", "SnpAuthorKeyDigest", r.author_key_digest,
                                 v.author_key_digest));
  RA_RETURN_IF_ERROR(CheckListed("FAMILY_ID", "SnpFamilyId", r.family_id, v.family_id));
  RA_RETURN_IF_ERROR(CheckListed("IMAGE_ID", "SnpImageId", r.image_id, v.image_id));
  RA_RETURN_IF_ERROR(CheckMinTcb(in, v));
  if (v.has_min_guest_svn && r.guest_svn < v.min_guest_svn)
    return Refuse("GUEST_SVN " + std::to_string(r.guest_svn) + " is below SnpMinGuestSvn " +
                  std::to_string(v.min_guest_svn));
  return Status();
}

}  // namespace ra
