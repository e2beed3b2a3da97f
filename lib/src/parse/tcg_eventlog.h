// The TCG measured-boot event log: TCG PC Client Platform Firmware Profile
// (PFP) 1.05, section 10.  Two layouts:
//   crypto agile: a first TCG_PCClientPCREvent in the SHA-1 layout whose
//     data is the "Spec ID Event03" (TCG_EfiSpecIdEvent: the digest size of
//     every algorithm the log uses), then TCG_PCR_EVENT2 records, each with
//     a TPML_DIGEST_VALUES (one digest per bank);
//   legacy: TCG_PCClientPCREvent records only (SHA-1 digests).
// The same layout carries the TDX CCEL log (parse/ccel_table.h), where the
// "PCR index" is an MR index.  All integers little-endian.
//
// Structure only: bounds, sizes from the Spec ID event (a digest algorithm
// the log declares but this code does not know is carried and skipped),
// no digest algorithm twice in an event.  After the last event the rest of
// the buffer may be padding (all 0x00 or all 0xFF, as CCEL areas and some
// firmware leave it); anything else that is not an event is refused.
// Replay and comparison: verify/eventlog_replay.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ra {

// Event types (PFP 10.4.1).
constexpr uint32_t kEvPrebootCert = 0x0;
constexpr uint32_t kEvPostCode = 0x1;
constexpr uint32_t kEvNoAction = 0x3;
constexpr uint32_t kEvSeparator = 0x4;
constexpr uint32_t kEvAction = 0x5;
constexpr uint32_t kEvEventTag = 0x6;
constexpr uint32_t kEvSCrtmContents = 0x7;
constexpr uint32_t kEvSCrtmVersion = 0x8;
constexpr uint32_t kEvCpuMicrocode = 0x9;
constexpr uint32_t kEvPlatformConfigFlags = 0xA;
constexpr uint32_t kEvTableOfDevices = 0xB;
constexpr uint32_t kEvCompactHash = 0xC;
constexpr uint32_t kEvIpl = 0xD;
constexpr uint32_t kEvIplPartitionData = 0xE;
constexpr uint32_t kEvNonhostCode = 0xF;
constexpr uint32_t kEvNonhostConfig = 0x10;
constexpr uint32_t kEvNonhostInfo = 0x11;
constexpr uint32_t kEvOmitBootDeviceEvents = 0x12;
constexpr uint32_t kEvEfiVariableDriverConfig = 0x80000001;
constexpr uint32_t kEvEfiVariableBoot = 0x80000002;
constexpr uint32_t kEvEfiBootServicesApplication = 0x80000003;
constexpr uint32_t kEvEfiBootServicesDriver = 0x80000004;
constexpr uint32_t kEvEfiRuntimeServicesDriver = 0x80000005;
constexpr uint32_t kEvEfiGptEvent = 0x80000006;
constexpr uint32_t kEvEfiAction = 0x80000007;
constexpr uint32_t kEvEfiPlatformFirmwareBlob = 0x80000008;
constexpr uint32_t kEvEfiHandoffTables = 0x80000009;
constexpr uint32_t kEvEfiPlatformFirmwareBlob2 = 0x8000000A;
constexpr uint32_t kEvEfiHandoffTables2 = 0x8000000B;
constexpr uint32_t kEvEfiVariableBoot2 = 0x8000000C;
constexpr uint32_t kEvEfiHcrtmEvent = 0x80000010;
constexpr uint32_t kEvEfiVariableAuthority = 0x800000E0;
constexpr uint32_t kEvEfiSpdmFirmwareBlob = 0x800000E1;
constexpr uint32_t kEvEfiSpdmFirmwareConfig = 0x800000E2;

// A log is a few KiB to a few hundred KiB; CCEL areas are 64 KiB-1 MiB.
constexpr size_t kMaxTcgEventLogLen = 8 * 1024 * 1024;
// TCG_EfiSpecIdEvent.numberOfAlgorithms: one per bank a TPM could have.
constexpr uint32_t kMaxTcgLogAlgorithms = 16;
// A digest size the Spec ID event may declare for an algorithm.
constexpr uint16_t kMaxTcgDigestLen = 128;

struct TcgDigest {
  uint16_t alg = 0;  // TPM_ALG_ID
  Bytes digest;
};

struct TcgEvent {
  uint32_t pcr_index = 0;  // CCEL: the MR index (0 MRTD, 1..4 RTMR0..3)
  uint32_t event_type = 0;
  std::vector<TcgDigest> digests;  // in log order
  Bytes data;
  size_t offset = 0;  // of the record in the log, for error messages
  // The digest for alg, nullptr if the event has none.
  const Bytes* DigestFor(uint16_t alg) const;
};

struct TcgAlgorithmSize {
  uint16_t alg = 0;
  uint16_t size = 0;
};

struct TcgEventLog {
  bool crypto_agile = false;
  // From the Spec ID Event03 (crypto agile only).
  uint32_t platform_class = 0;
  uint8_t spec_version_major = 0;
  uint8_t spec_version_minor = 0;
  uint8_t spec_errata = 0;
  uint8_t uintn_size = 0;
  std::vector<TcgAlgorithmSize> algorithms;  // legacy: {SHA-1, 20}
  Bytes vendor_info;
  // Every event after the Spec ID event (legacy: every event).
  std::vector<TcgEvent> events;
  size_t used_len = 0;  // bytes up to the end of the last event
};

Status ParseTcgEventLog(ByteView in, TcgEventLog* out);

// "EV_SEPARATOR", "EV_EFI_VARIABLE_BOOT", ...; "0xNNNNNNNN" if unknown.
std::string TcgEventTypeName(uint32_t type);

// What the data of the common event types says (PFP 10.4 and 9.4).
struct TcgEventInfo {
  // EV_IPL, EV_EFI_ACTION, EV_ACTION, EV_S_CRTM_VERSION (UTF-16),
  // EV_POST_CODE as text, EV_NO_ACTION's signature, EV_OMIT_...: text.
  std::string text;
  bool has_startup_locality = false;  // EV_NO_ACTION "StartupLocality"
  uint8_t startup_locality = 0;
  bool has_separator = false;  // EV_SEPARATOR
  uint32_t separator = 0;      // 0, or 0xFFFFFFFF for an error
  // EV_EFI_VARIABLE_*: UEFI_VARIABLE_DATA.
  bool has_efi_variable = false;
  std::string efi_guid;  // 8-4-4-4-12, lowercase
  std::string efi_name;  // UTF-8
  Bytes efi_data;
  // EV_EFI_BOOT_SERVICES_*, EV_EFI_RUNTIME_SERVICES_DRIVER:
  // UEFI_IMAGE_LOAD_EVENT.
  bool has_image_load = false;
  uint64_t image_location = 0;
  uint64_t image_length = 0;
  uint64_t image_link_time_address = 0;
  Bytes device_path;
  // EV_POST_CODE / EV_EFI_PLATFORM_FIRMWARE_BLOB(2): the blob.
  bool has_blob = false;
  uint64_t blob_base = 0;
  uint64_t blob_length = 0;
  // EV_EVENT_TAG: TCG_PCClientTaggedEvent.
  bool has_tagged_event = false;
  uint32_t tagged_event_id = 0;
  Bytes tagged_event_data;
};

// Decodes e.data by e.event_type.  Types not listed above yield an empty
// info; data that does not fit its type's layout is an error (the event
// itself stays valid: its digest, not its data, is what was measured).
Status DecodeTcgEvent(const TcgEvent& e, TcgEventInfo* out);

// UTF-16LE (unpaired surrogates become U+FFFD) to UTF-8.
std::string Utf16LeToUtf8(const uint8_t* p, size_t units);

}  // namespace ra
