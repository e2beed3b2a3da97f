// The AMD SEV-SNP attestation report (ATTESTATION_REPORT, 0x4A0 bytes) as
// AMD's SEV-SNP Firmware ABI specification (publication 56860, table
// "ATTESTATION_REPORT Structure") lays it out, versions 2, 3 and 5 (and
// 4, which firmware emits with the version 3 layout).  All integers are
// little-endian.
//
//   0x000 VERSION 4        0x004 GUEST_SVN 4     0x008 POLICY 8
//   0x010 FAMILY_ID 16     0x020 IMAGE_ID 16     0x030 VMPL 4
//   0x034 SIGNATURE_ALGO 4 0x038 CURRENT_TCB 8   0x040 PLATFORM_INFO 8
//   0x048 bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY,
//         bits 31:5 MBZ    0x04C reserved 4 (MBZ)
//   0x050 REPORT_DATA 64   0x090 MEASUREMENT 48  0x0C0 HOST_DATA 32
//   0x0E0 ID_KEY_DIGEST 48 0x110 AUTHOR_KEY_DIGEST 48
//   0x140 REPORT_ID 32     0x160 REPORT_ID_MA 32 0x180 REPORTED_TCB 8
//   0x188 CPUID_FAM_ID 1, 0x189 CPUID_MOD_ID 1, 0x18A CPUID_STEP 1 (v3+;
//         reserved in v2), 0x18B..0x19F reserved (MBZ)
//   0x1A0 CHIP_ID 64       0x1E0 COMMITTED_TCB 8
//   0x1E8 CURRENT_BUILD, _MINOR, _MAJOR 1 each, reserved 1
//   0x1EC COMMITTED_BUILD, _MINOR, _MAJOR 1 each, reserved 1
//   0x1F0 LAUNCH_TCB 8
//   0x1F8 LAUNCH_MIT_VECTOR 8, 0x200 CURRENT_MIT_VECTOR 8 (v5; reserved
//         in v2 and v3; in v4, whose table AMD has not published, not
//         judged and not decoded), then reserved (MBZ) up to 0x29F
//   0x2A0 SIGNATURE 0x200: R 72, S 72 (little-endian, zero-extended),
//         reserved 368 (MBZ)
//
// The signature covers bytes 0x000..0x29F.  TCB_VERSION (CURRENT_TCB,
// REPORTED_TCB, ...) is a u64 whose byte layout depends on the product:
// Milan and Genoa: BOOT_LOADER 0, TEE 1, reserved 2..5, SNP 6, MICROCODE 7;
// Turin: FMC 0, BOOT_LOADER 1, TEE 2, SNP 3, reserved 4..6, MICROCODE 7.
// The product comes from CPUID_FAM_ID/MOD_ID in v3+ reports, from the VCEK
// (or its issuer) for v2 reports (SnpProductFromCertName).
//
// Parsing judges only the format: length, version, MBZ fields.  Whether
// the signature, the key, the TCB or any value is acceptable is verify/'s
// and policy/'s business.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

constexpr size_t kSnpReportLen = 0x4A0;
constexpr size_t kSnpReportSignedLen = 0x2A0;  // bytes the signature covers
constexpr size_t kSnpSignatureOffset = 0x2A0;
constexpr size_t kSnpSignatureComponentLen = 72;  // R and S, little-endian
constexpr uint32_t kSnpSignatureAlgoEcdsaP384Sha384 = 1;

// SIGNING_KEY (bits 4:2 of the word at 0x48).
enum class SnpSigningKey : uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };

enum class SnpProduct { kUnknown, kMilan, kGenoa, kTurin };
const char* SnpProductName(SnpProduct p);  // "Milan", "Genoa", "Turin", "unknown"

// The product from CPUID family/model (as in a v3+ report): family 19h
// models 00h-0Fh Milan, 10h-1Fh and A0h-AFh Genoa (Genoa, Bergamo,
// Siena); family 1Ah models 00h-1Fh Turin.  Anything else is kUnknown.
SnpProduct SnpProductFromCpuid(uint8_t family, uint8_t model);
// The product from a VCEK productName ("Milan-B0", "Genoa", ...) or an
// ASK/ARK common name ("SEV-Milan", "SEV-VLEK-Genoa", "ARK-Turin").
// "Siena" is kGenoa: its certificates chain to Genoa's ARK and ASK.
SnpProduct SnpProductFromCertName(const std::string& name);

// One TCB_VERSION decoded for a product (fmc is 0 except on Turin).
struct SnpTcbParts {
  uint8_t fmc = 0;
  uint8_t bootloader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;
};
// Fails if product is kUnknown or a reserved byte of the layout is set.
Status DecodeSnpTcb(uint64_t tcb, SnpProduct product, SnpTcbParts* out);
// The inverse (reserved bytes zero); for the simulator and tests.
uint64_t EncodeSnpTcb(const SnpTcbParts& parts, SnpProduct product);

// Guest policy bits (POLICY, 0x008), named for policy/.
struct SnpGuestPolicy {
  uint8_t abi_minor = 0;        // 7:0
  uint8_t abi_major = 0;        // 15:8
  bool smt = false;             // 16
  bool migrate_ma = false;      // 18
  bool debug = false;           // 19
  bool single_socket = false;   // 20
  bool cxl_allow = false;       // 21
  bool mem_aes_256_xts = false; // 22
  bool rapl_dis = false;        // 23
  bool ciphertext_hiding = false;  // 24
  bool page_swap_disable = false;  // 25
};
SnpGuestPolicy DecodeSnpGuestPolicy(uint64_t policy);

// PLATFORM_INFO bits (0x040).
struct SnpPlatformInfo {
  bool smt_enabled = false;        // 0
  bool tsme_enabled = false;       // 1
  bool ecc_enabled = false;        // 2
  bool rapl_disabled = false;      // 3
  bool ciphertext_hiding = false;  // 4
  bool alias_check_complete = false;  // 5
  bool tio_enabled = false;        // 7
};
SnpPlatformInfo DecodeSnpPlatformInfo(uint64_t info);

// The one-bit flags of POLICY and PLATFORM_INFO: their bit, the member
// they decode into, and the name the claims show them under.  The
// decoders and the claims (verify/snp_kind.cpp) both read these tables.
template <typename T>
struct SnpFlagBit {
  int bit;
  bool T::*member;
  const char* name;
};
inline constexpr SnpFlagBit<SnpGuestPolicy> kSnpGuestPolicyFlags[] = {
    {16, &SnpGuestPolicy::smt, "policy_smt"},
    {18, &SnpGuestPolicy::migrate_ma, "policy_migrate_ma"},
    {19, &SnpGuestPolicy::debug, "debug"},
    {20, &SnpGuestPolicy::single_socket, "policy_single_socket"},
    {21, &SnpGuestPolicy::cxl_allow, "policy_cxl_allow"},
    {22, &SnpGuestPolicy::mem_aes_256_xts, "policy_mem_aes_256_xts"},
    {23, &SnpGuestPolicy::rapl_dis, "policy_rapl_dis"},
    {24, &SnpGuestPolicy::ciphertext_hiding, "policy_ciphertext_hiding"},
    {25, &SnpGuestPolicy::page_swap_disable, "policy_page_swap_disable"},
};
inline constexpr SnpFlagBit<SnpPlatformInfo> kSnpPlatformInfoFlags[] = {
    {0, &SnpPlatformInfo::smt_enabled, "platform_smt_enabled"},
    {1, &SnpPlatformInfo::tsme_enabled, "platform_tsme_enabled"},
    {2, &SnpPlatformInfo::ecc_enabled, "platform_ecc_enabled"},
    {3, &SnpPlatformInfo::rapl_disabled, "platform_rapl_disabled"},
    {4, &SnpPlatformInfo::ciphertext_hiding, "platform_ciphertext_hiding"},
    {5, &SnpPlatformInfo::alias_check_complete, "platform_alias_check_complete"},
    {7, &SnpPlatformInfo::tio_enabled, "platform_tio_enabled"},
};

struct SnpReport {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;
  uint64_t current_tcb = 0;
  uint64_t platform_info = 0;
  bool author_key_en = false;
  bool mask_chip_key = false;
  uint8_t signing_key = 0;  // SnpSigningKey value, bits 4:2 (0..7)
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  uint64_t reported_tcb = 0;
  // v3+ (zero in v2).
  bool has_cpuid = false;
  uint8_t cpuid_fam_id = 0;
  uint8_t cpuid_mod_id = 0;
  uint8_t cpuid_step = 0;
  std::array<uint8_t, 64> chip_id{};
  uint64_t committed_tcb = 0;
  uint8_t current_build = 0, current_minor = 0, current_major = 0;
  uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
  uint64_t launch_tcb = 0;
  // v5 (zero before).
  bool has_mit_vectors = false;
  uint64_t launch_mit_vector = 0;
  uint64_t current_mit_vector = 0;
  // SIGNATURE: R and S as in the report (little-endian, 72 bytes each).
  std::array<uint8_t, kSnpSignatureComponentLen> signature_r{};
  std::array<uint8_t, kSnpSignatureComponentLen> signature_s{};
  // The whole report as received; the signature covers bytes
  // 0..kSnpReportSignedLen-1 of it.
  std::array<uint8_t, kSnpReportLen> raw{};
};

// Exactly kSnpReportLen bytes, VERSION 2 to 5 (4 has the layout of 3),
// every MBZ field of that version zero.  Fails with check "snp report".
Status ParseSnpReport(ByteView data, SnpReport* out);

// The product a v3+ report names by its CPUID fields (kUnknown for v2).
SnpProduct SnpReportProduct(const SnpReport& r);

}  // namespace ra
