#include "parse/tcg_eventlog.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/bytes_util.h"
#include "parse/tpm_alg.h"

namespace ra {
namespace {

constexpr const char* kCheck = "event log format";
constexpr char kSpecId03[16] = "Spec ID Event03";
constexpr char kStartupLocality[16] = "StartupLocality";
constexpr size_t kSha1Len = 20;

// A bounds-checked little-endian cursor.
class LeReader {
 public:
  LeReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  size_t pos() const { return pos_; }
  size_t left() const { return n_ - pos_; }
  bool U8(uint8_t* v) { return Take(1) && (*v = p_[pos_ - 1], true); }
  bool U16(uint16_t* v) { return Take(2) && (*v = LoadLe16(p_ + pos_ - 2), true); }
  bool U32(uint32_t* v) { return Take(4) && (*v = LoadLe32(p_ + pos_ - 4), true); }
  bool U64(uint64_t* v) {
    uint32_t lo = 0, hi = 0;
    if (!U32(&lo) || !U32(&hi)) return false;
    *v = (static_cast<uint64_t>(hi) << 32) | lo;
    return true;
  }
  bool Raw(size_t n, Bytes* out) {
    if (!Take(n)) return false;
    out->assign(p_ + pos_ - n, p_ + pos_);
    return true;
  }
  const uint8_t* Ptr(size_t n) { return Take(n) ? p_ + pos_ - n : nullptr; }

 private:
  bool Take(size_t n) {
    if (n > n_ - pos_) return false;
    pos_ += n;
    return true;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

Status Truncated(size_t offset, const char* what) {
  return Status::Fail(kCheck, std::string("truncated ") + what + " at offset " +
                                  std::to_string(offset));
}

// A TCG_PCClientPCREvent (SHA-1 layout).
Status ReadSha1Event(LeReader* r, TcgEvent* e) {
  e->offset = r->pos();
  uint32_t size = 0;
  Bytes digest;
  if (!r->U32(&e->pcr_index) || !r->U32(&e->event_type) || !r->Raw(kSha1Len, &digest) ||
      !r->U32(&size))
    return Truncated(e->offset, "event header");
  if (!r->Raw(size, &e->data)) return Truncated(e->offset, "event data");
  e->digests.assign(1, TcgDigest{kTpmAlgSha1, std::move(digest)});
  return Status();
}

// TCG_EfiSpecIdEvent (PFP 10.4.5.1); data of the first event.
Status ParseSpecIdEvent(const Bytes& d, TcgEventLog* log) {
  LeReader r(d.data(), d.size());
  const uint8_t* sig = r.Ptr(16);
  uint32_t n = 0;
  if (!sig || !r.U32(&log->platform_class) || !r.U8(&log->spec_version_minor) ||
      !r.U8(&log->spec_version_major) || !r.U8(&log->spec_errata) ||
      !r.U8(&log->uintn_size) || !r.U32(&n))
    return Status::Fail(kCheck, "truncated Spec ID event");
  if (n == 0 || n > kMaxTcgLogAlgorithms)
    return Status::Fail(kCheck, "Spec ID event: " + std::to_string(n) + " algorithms");
  for (uint32_t i = 0; i < n; i++) {
    TcgAlgorithmSize a;
    if (!r.U16(&a.alg) || !r.U16(&a.size)) return Status::Fail(kCheck, "truncated Spec ID event");
    size_t known = TpmHashSize(a.alg);
    if (a.size == 0 || a.size > kMaxTcgDigestLen || (known && a.size != known))
      return Status::Fail(kCheck, "Spec ID event: bad digest size for " + TpmHashName(a.alg));
    for (const auto& prev : log->algorithms)
      if (prev.alg == a.alg)
        return Status::Fail(kCheck, "Spec ID event: " + TpmHashName(a.alg) + " twice");
    log->algorithms.push_back(a);
  }
  uint8_t vlen = 0;
  if (!r.U8(&vlen) || !r.Raw(vlen, &log->vendor_info))
    return Status::Fail(kCheck, "truncated Spec ID event vendor info");
  if (r.left() != 0) return Status::Fail(kCheck, "Spec ID event: trailing bytes");
  return Status();
}

// A TCG_PCR_EVENT2 (PFP 10.2.2).
Status ReadEvent2(LeReader* r, const TcgEventLog& log, TcgEvent* e) {
  e->offset = r->pos();
  uint32_t count = 0;
  if (!r->U32(&e->pcr_index) || !r->U32(&e->event_type) || !r->U32(&count))
    return Truncated(e->offset, "event header");
  if (count == 0 || count > log.algorithms.size())
    return Status::Fail(kCheck, "event at offset " + std::to_string(e->offset) + ": " +
                                    std::to_string(count) + " digests");
  e->digests.resize(count);
  for (uint32_t i = 0; i < count; i++) {
    TcgDigest& d = e->digests[i];
    if (!r->U16(&d.alg)) return Truncated(e->offset, "digest");
    const TcgAlgorithmSize* decl = nullptr;
    for (const auto& a : log.algorithms)
      if (a.alg == d.alg) decl = &a;
    if (decl == nullptr)
      return Status::Fail(kCheck, "event at offset " + std::to_string(e->offset) +
                                      ": digest algorithm " + TpmHashName(d.alg) +
                                      " not in the Spec ID event");
    for (uint32_t j = 0; j < i; j++)
      if (e->digests[j].alg == d.alg)
        return Status::Fail(kCheck, "event at offset " + std::to_string(e->offset) +
                                        ": " + TpmHashName(d.alg) + " twice");
    if (!r->Raw(decl->size, &d.digest)) return Truncated(e->offset, "digest");
  }
  uint32_t size = 0;
  if (!r->U32(&size)) return Truncated(e->offset, "event size");
  if (!r->Raw(size, &e->data)) return Truncated(e->offset, "event data");
  return Status();
}

// Where trailing padding (a run of 0x00 or of 0xFF to the end) starts.
size_t PaddingStart(ByteView in, uint8_t fill) {
  size_t n = in.size;
  while (n > 0 && in.data[n - 1] == fill) n--;
  return n;
}

}  // namespace

const Bytes* TcgEvent::DigestFor(uint16_t alg) const {
  for (const auto& d : digests)
    if (d.alg == alg) return &d.digest;
  return nullptr;
}

Status ParseTcgEventLog(ByteView in, TcgEventLog* out) {
  if (in.size > kMaxTcgEventLogLen)
    return Status::Fail(kCheck, "larger than " + std::to_string(kMaxTcgEventLogLen));
  const size_t pad = std::min(PaddingStart(in, 0x00), PaddingStart(in, 0xFF));
  if (pad == 0) return Status::Fail(kCheck, "empty");
  LeReader r(in.data, in.size);
  TcgEventLog log;
  TcgEvent first;
  RA_RETURN_IF_ERROR(ReadSha1Event(&r, &first));
  log.crypto_agile = first.event_type == kEvNoAction && first.data.size() >= 16 &&
                     std::memcmp(first.data.data(), kSpecId03, 16) == 0;
  if (log.crypto_agile) {
    RA_RETURN_IF_ERROR(ParseSpecIdEvent(first.data, &log));
  } else {
    log.algorithms.push_back({kTpmAlgSha1, static_cast<uint16_t>(kSha1Len)});
    log.events.push_back(std::move(first));
  }
  while (r.pos() < pad) {
    TcgEvent e;
    if (log.crypto_agile) {
      RA_RETURN_IF_ERROR(ReadEvent2(&r, log, &e));
    } else {
      RA_RETURN_IF_ERROR(ReadSha1Event(&r, &e));
    }
    log.events.push_back(std::move(e));
  }
  log.used_len = r.pos();
  *out = std::move(log);
  return Status();
}

std::string TcgEventTypeName(uint32_t type) {
  static const struct { uint32_t type; const char* name; } kNames[] = {
      {kEvPrebootCert, "EV_PREBOOT_CERT"}, {kEvPostCode, "EV_POST_CODE"},
      {kEvNoAction, "EV_NO_ACTION"}, {kEvSeparator, "EV_SEPARATOR"},
      {kEvAction, "EV_ACTION"}, {kEvEventTag, "EV_EVENT_TAG"},
      {kEvSCrtmContents, "EV_S_CRTM_CONTENTS"}, {kEvSCrtmVersion, "EV_S_CRTM_VERSION"},
      {kEvCpuMicrocode, "EV_CPU_MICROCODE"}, {kEvPlatformConfigFlags, "EV_PLATFORM_CONFIG_FLAGS"},
      {kEvTableOfDevices, "EV_TABLE_OF_DEVICES"}, {kEvCompactHash, "EV_COMPACT_HASH"},
      {kEvIpl, "EV_IPL"}, {kEvIplPartitionData, "EV_IPL_PARTITION_DATA"},
      {kEvNonhostCode, "EV_NONHOST_CODE"}, {kEvNonhostConfig, "EV_NONHOST_CONFIG"},
      {kEvNonhostInfo, "EV_NONHOST_INFO"}, {kEvOmitBootDeviceEvents, "EV_OMIT_BOOT_DEVICE_EVENTS"},
      {kEvEfiVariableDriverConfig, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
      {kEvEfiVariableBoot, "EV_EFI_VARIABLE_BOOT"},
      {kEvEfiBootServicesApplication, "EV_EFI_BOOT_SERVICES_APPLICATION"},
      {kEvEfiBootServicesDriver, "EV_EFI_BOOT_SERVICES_DRIVER"},
      {kEvEfiRuntimeServicesDriver, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
      {kEvEfiGptEvent, "EV_EFI_GPT_EVENT"}, {kEvEfiAction, "EV_EFI_ACTION"},
      {kEvEfiPlatformFirmwareBlob, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
      {kEvEfiHandoffTables, "EV_EFI_HANDOFF_TABLES"},
      {kEvEfiPlatformFirmwareBlob2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
      {kEvEfiHandoffTables2, "EV_EFI_HANDOFF_TABLES2"},
      {kEvEfiVariableBoot2, "EV_EFI_VARIABLE_BOOT2"}, {kEvEfiHcrtmEvent, "EV_EFI_HCRTM_EVENT"},
      {kEvEfiVariableAuthority, "EV_EFI_VARIABLE_AUTHORITY"},
      {kEvEfiSpdmFirmwareBlob, "EV_EFI_SPDM_FIRMWARE_BLOB"},
      {kEvEfiSpdmFirmwareConfig, "EV_EFI_SPDM_FIRMWARE_CONFIG"}};
  for (const auto& n : kNames)
    if (n.type == type) return n.name;
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", type);
  return buf;
}

std::string Utf16LeToUtf8(const uint8_t* p, size_t units) {
  std::string out;
  for (size_t i = 0; i < units; i++) {
    uint32_t c = LoadLe16(p + 2 * i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
      uint32_t lo = LoadLe16(p + 2 * (i + 1));
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        i++;
      }
    }
    if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

namespace {

constexpr const char* kDecodeCheck = "event data format";

// Event text as firmware writes it: ASCII, possibly NUL-terminated.
std::string EventText(const Bytes& d) {
  size_t n = d.size();
  while (n > 0 && d[n - 1] == 0) n--;
  return std::string(d.begin(), d.begin() + static_cast<long>(n));
}

std::string GuidText(const uint8_t* g) {
  char buf[40];
  std::snprintf(buf, sizeof buf,
                "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", LoadLe32(g),
                LoadLe16(g + 4), LoadLe16(g + 6), g[8], g[9], g[10], g[11], g[12],
                g[13], g[14], g[15]);
  return buf;
}

// UEFI_VARIABLE_DATA (PFP 10.3.2): GUID, name length (chars), data
// length, name (UTF-16), data; the lengths must fill the event exactly.
Status DecodeEfiVariable(const Bytes& d, TcgEventInfo* out) {
  LeReader r(d.data(), d.size());
  const uint8_t* guid = r.Ptr(16);
  uint64_t name_len = 0, data_len = 0;
  if (!guid || !r.U64(&name_len) || !r.U64(&data_len) || name_len > r.left() / 2)
    return Status::Fail(kDecodeCheck, "UEFI_VARIABLE_DATA name");
  const uint8_t* name = r.Ptr(static_cast<size_t>(name_len) * 2);
  if (data_len != r.left()) return Status::Fail(kDecodeCheck, "UEFI_VARIABLE_DATA length");
  out->has_efi_variable = true;
  out->efi_guid = GuidText(guid);
  out->efi_name = Utf16LeToUtf8(name, static_cast<size_t>(name_len));
  r.Raw(static_cast<size_t>(data_len), &out->efi_data);
  return Status();
}

// UEFI_IMAGE_LOAD_EVENT (PFP 10.2.3).  Real firmware and shim leave bytes
// after the device path (GCE's: 8), so only dp_len <= what is left is
// required.
Status DecodeImageLoad(const Bytes& d, TcgEventInfo* out) {
  LeReader r(d.data(), d.size());
  uint64_t dp_len = 0;
  if (!r.U64(&out->image_location) || !r.U64(&out->image_length) ||
      !r.U64(&out->image_link_time_address) || !r.U64(&dp_len) || dp_len > r.left())
    return Status::Fail(kDecodeCheck, "UEFI_IMAGE_LOAD_EVENT");
  r.Raw(static_cast<size_t>(dp_len), &out->device_path);
  out->has_image_load = true;
  return Status();
}

// UEFI_PLATFORM_FIRMWARE_BLOB (base, length) or, with a description in
// front, UEFI_PLATFORM_FIRMWARE_BLOB2.
Status DecodeBlob(const Bytes& d, bool with_description, TcgEventInfo* out) {
  LeReader r(d.data(), d.size());
  if (with_description) {
    uint8_t n = 0;
    Bytes desc;
    if (!r.U8(&n) || !r.Raw(n, &desc)) return Status::Fail(kDecodeCheck, "firmware blob");
    out->text = EventText(desc);
  }
  if (!r.U64(&out->blob_base) || !r.U64(&out->blob_length) || r.left() != 0)
    return Status::Fail(kDecodeCheck, "firmware blob");
  out->has_blob = true;
  return Status();
}

Status DecodeNoAction(const Bytes& d, TcgEventInfo* out) {
  if (d.size() == 17 && std::memcmp(d.data(), kStartupLocality, 16) == 0) {
    out->has_startup_locality = true;
    out->startup_locality = d[16];
    out->text = "StartupLocality";
    return Status();
  }
  // Other EV_NO_ACTION events start with a NUL-terminated signature
  // ("Spec ID Event03", "SP800-155 Event", "NvIndexInstance", ...).
  size_t n = 0;
  while (n < d.size() && n < 16 && d[n] != 0) n++;
  out->text.assign(d.begin(), d.begin() + static_cast<long>(n));
  return Status();
}

Status DecodeTagged(const Bytes& d, TcgEventInfo* out) {
  LeReader r(d.data(), d.size());
  uint32_t n = 0;
  if (!r.U32(&out->tagged_event_id) || !r.U32(&n) || n != r.left())
    return Status::Fail(kDecodeCheck, "TCG_PCClientTaggedEvent");
  r.Raw(n, &out->tagged_event_data);
  out->has_tagged_event = true;
  return Status();
}

}  // namespace

Status DecodeTcgEvent(const TcgEvent& e, TcgEventInfo* out) {
  TcgEventInfo info;
  const Bytes& d = e.data;
  Status s;
  switch (e.event_type) {
    case kEvNoAction: s = DecodeNoAction(d, &info); break;
    case kEvSeparator:
      if (d.size() != 4) return Status::Fail(kDecodeCheck, "EV_SEPARATOR is not 4 bytes");
      info.has_separator = true;
      info.separator = LoadLe32(d.data());
      break;
    case kEvEfiVariableDriverConfig:
    case kEvEfiVariableBoot:
    case kEvEfiVariableBoot2:
    case kEvEfiVariableAuthority: s = DecodeEfiVariable(d, &info); break;
    case kEvEfiBootServicesApplication:
    case kEvEfiBootServicesDriver:
    case kEvEfiRuntimeServicesDriver: s = DecodeImageLoad(d, &info); break;
    case kEvEfiPlatformFirmwareBlob: s = DecodeBlob(d, false, &info); break;
    case kEvEfiPlatformFirmwareBlob2: s = DecodeBlob(d, true, &info); break;
    case kEvPostCode:
      // A blob (base, length) or, as many firmwares write it, text.
      if (d.size() == 16) s = DecodeBlob(d, false, &info);
      else info.text = EventText(d);
      break;
    case kEvEventTag: s = DecodeTagged(d, &info); break;
    case kEvSCrtmVersion:
      info.text = Utf16LeToUtf8(d.data(), d.size() / 2);
      while (!info.text.empty() && info.text.back() == '\0') info.text.pop_back();
      break;
    case kEvIpl:
    case kEvEfiAction:
    case kEvAction:
    case kEvOmitBootDeviceEvents:
    case kEvCompactHash: info.text = EventText(d); break;
    default: break;
  }
  RA_RETURN_IF_ERROR(s);
  *out = std::move(info);
  return Status();
}

}  // namespace ra
