#include "parse/snp_report.h"

#include <cstring>

#include "common/bytes_util.h"

namespace ra {
namespace {

uint64_t LoadLe64(const uint8_t* p) {
  return static_cast<uint64_t>(LoadLe32(p)) |
         (static_cast<uint64_t>(LoadLe32(p + 4)) << 32);
}

template <size_t N>
void Copy(const uint8_t* p, size_t off, std::array<uint8_t, N>* out) {
  std::memcpy(out->data(), p + off, N);
}

// The first nonzero byte in [from, to), or to if all are zero.
size_t FirstNonzero(const uint8_t* p, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (p[i] != 0) return i;
  return to;
}

std::string Hex(size_t v) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  do {
    s.insert(s.begin(), d[v & 0xF]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

// Reserved ranges that AMD's table marks MBZ, per version.  Version 4's
// table is not public (AMD keeps it under embargo); firmware that emits it
// (Milan 1.55.31, early Turin) may fill 0x1F8..0x207 where version 5 has
// the mitigation vectors, so those bytes are signed but not judged there.
Status CheckReserved(const uint8_t* p, uint32_t version) {
  struct Range { size_t from, to; };
  const size_t cpuid_end = version >= 3 ? 0x18B : 0x188;
  const size_t mit_end = version >= 4 ? 0x208 : 0x1F8;
  const Range ranges[] = {
      {0x04C, 0x050}, {cpuid_end, 0x1A0}, {0x1EB, 0x1EC}, {0x1EF, 0x1F0},
      {mit_end, 0x2A0},
      {kSnpSignatureOffset + 2 * kSnpSignatureComponentLen, kSnpReportLen}};
  for (const Range& r : ranges) {
    size_t at = FirstNonzero(p, r.from, r.to);
    if (at != r.to)
      return Status::Fail("snp report", "reserved byte at " + Hex(at) + " is not zero");
  }
  uint32_t key_info = LoadLe32(p + 0x48);
  if (key_info >> 5)
    return Status::Fail("snp report", "reserved bits 31:5 at 0x48 are not zero");
  return Status();
}

void ReadFields(const uint8_t* p, SnpReport* r) {
  r->version = LoadLe32(p);
  r->guest_svn = LoadLe32(p + 0x04);
  r->policy = LoadLe64(p + 0x08);
  Copy(p, 0x10, &r->family_id);
  Copy(p, 0x20, &r->image_id);
  r->vmpl = LoadLe32(p + 0x30);
  r->signature_algo = LoadLe32(p + 0x34);
  r->current_tcb = LoadLe64(p + 0x38);
  r->platform_info = LoadLe64(p + 0x40);
  uint32_t key_info = LoadLe32(p + 0x48);
  r->author_key_en = key_info & 1;
  r->mask_chip_key = (key_info >> 1) & 1;
  r->signing_key = static_cast<uint8_t>((key_info >> 2) & 7);
  Copy(p, 0x50, &r->report_data);
  Copy(p, 0x90, &r->measurement);
  Copy(p, 0xC0, &r->host_data);
  Copy(p, 0xE0, &r->id_key_digest);
  Copy(p, 0x110, &r->author_key_digest);
  Copy(p, 0x140, &r->report_id);
  Copy(p, 0x160, &r->report_id_ma);
  r->reported_tcb = LoadLe64(p + 0x180);
  if (r->version >= 3) {
    r->has_cpuid = true;
    r->cpuid_fam_id = p[0x188];
    r->cpuid_mod_id = p[0x189];
    r->cpuid_step = p[0x18A];
  }
  Copy(p, 0x1A0, &r->chip_id);
  r->committed_tcb = LoadLe64(p + 0x1E0);
  r->current_build = p[0x1E8];
  r->current_minor = p[0x1E9];
  r->current_major = p[0x1EA];
  r->committed_build = p[0x1EC];
  r->committed_minor = p[0x1ED];
  r->committed_major = p[0x1EE];
  r->launch_tcb = LoadLe64(p + 0x1F0);
  if (r->version >= 5) {
    r->has_mit_vectors = true;
    r->launch_mit_vector = LoadLe64(p + 0x1F8);
    r->current_mit_vector = LoadLe64(p + 0x200);
  }
  Copy(p, kSnpSignatureOffset, &r->signature_r);
  Copy(p, kSnpSignatureOffset + kSnpSignatureComponentLen, &r->signature_s);
  Copy(p, 0, &r->raw);
}

}  // namespace

const char* SnpProductName(SnpProduct p) {
  switch (p) {
    case SnpProduct::kMilan: return "Milan";
    case SnpProduct::kGenoa: return "Genoa";
    case SnpProduct::kTurin: return "Turin";
    default: return "unknown";
  }
}

SnpProduct SnpProductFromCpuid(uint8_t family, uint8_t model) {
  if (family == 0x19) {
    if (model <= 0x0F) return SnpProduct::kMilan;
    if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))
      return SnpProduct::kGenoa;
  } else if (family == 0x1A) {
    if (model <= 0x1F) return SnpProduct::kTurin;
  }
  return SnpProduct::kUnknown;
}

SnpProduct SnpProductFromCertName(const std::string& name) {
  // productName is "Milan", "Milan-B0", "Genoa-B1", ...; issuer common
  // names are "SEV-Milan", "SEV-VLEK-Genoa", "ARK-Turin".
  std::string base = name;
  for (const char* prefix : {"SEV-VLEK-", "SEV-", "ARK-", "ASK-", "ASVK-"})
    if (base.compare(0, std::strlen(prefix), prefix) == 0) {
      base = base.substr(std::strlen(prefix));
      break;
    }
  size_t dash = base.find('-');
  if (dash != std::string::npos) base = base.substr(0, dash);
  if (base == "Milan") return SnpProduct::kMilan;
  // Siena has a KDS product line of its own but Genoa's root keys (ARK,
  // ASK) and TCB layout (KDS spec 57230): a Genoa for every check here.
  if (base == "Genoa" || base == "Siena") return SnpProduct::kGenoa;
  if (base == "Turin") return SnpProduct::kTurin;
  return SnpProduct::kUnknown;
}

Status DecodeSnpTcb(uint64_t tcb, SnpProduct product, SnpTcbParts* out) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = static_cast<uint8_t>(tcb >> (8 * i));
  SnpTcbParts t;
  switch (product) {
    case SnpProduct::kMilan:
    case SnpProduct::kGenoa:
      if (b[2] | b[3] | b[4] | b[5])
        return Status::Fail("snp tcb", "reserved bytes 2..5 are not zero");
      t.bootloader = b[0];
      t.tee = b[1];
      t.snp = b[6];
      t.microcode = b[7];
      break;
    case SnpProduct::kTurin:
      if (b[4] | b[5] | b[6])
        return Status::Fail("snp tcb", "reserved bytes 4..6 are not zero");
      t.fmc = b[0];
      t.bootloader = b[1];
      t.tee = b[2];
      t.snp = b[3];
      t.microcode = b[7];
      break;
    default:
      return Status::Fail("snp tcb", "unknown product, the TCB layout is undefined");
  }
  *out = t;
  return Status();
}

uint64_t EncodeSnpTcb(const SnpTcbParts& t, SnpProduct product) {
  uint8_t b[8] = {0};
  if (product == SnpProduct::kTurin) {
    b[0] = t.fmc;
    b[1] = t.bootloader;
    b[2] = t.tee;
    b[3] = t.snp;
  } else {
    b[0] = t.bootloader;
    b[1] = t.tee;
    b[6] = t.snp;
  }
  b[7] = t.microcode;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
  return v;
}

SnpGuestPolicy DecodeSnpGuestPolicy(uint64_t p) {
  SnpGuestPolicy g;
  g.abi_minor = static_cast<uint8_t>(p & 0xFF);
  g.abi_major = static_cast<uint8_t>((p >> 8) & 0xFF);
  for (const auto& f : kSnpGuestPolicyFlags) g.*f.member = (p >> f.bit) & 1;
  return g;
}

SnpPlatformInfo DecodeSnpPlatformInfo(uint64_t v) {
  SnpPlatformInfo i;
  for (const auto& f : kSnpPlatformInfoFlags) i.*f.member = (v >> f.bit) & 1;
  return i;
}

Status ParseSnpReport(ByteView data, SnpReport* out) {
  if (data.size != kSnpReportLen)
    return Status::Fail("snp report", "length " + std::to_string(data.size) + ", want " +
                                          std::to_string(kSnpReportLen));
  const uint8_t* p = data.data;
  uint32_t version = LoadLe32(p);
  if (version < 2 || version > 5)
    return Status::Fail("snp report", "version " + std::to_string(version) +
                                          " is not 2 to 5");
  RA_RETURN_IF_ERROR(CheckReserved(p, version));
  SnpReport r;
  ReadFields(p, &r);
  *out = r;
  return Status();
}

SnpProduct SnpReportProduct(const SnpReport& r) {
  if (!r.has_cpuid) return SnpProduct::kUnknown;
  return SnpProductFromCpuid(r.cpuid_fam_id, r.cpuid_mod_id);
}

}  // namespace ra
