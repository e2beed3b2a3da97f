// The ACPI CCEL table (Confidential Computing Event Log; ACPI 6.5,
// 5.2.34) and the log area it points to, as Linux exposes them:
// /sys/firmware/acpi/tables/CCEL (the 56-byte table) and
// /sys/firmware/acpi/tables/data/CCEL (LAML bytes of log area).  The log
// has the crypto-agile TCG layout (parse/tcg_eventlog.h), "PCR index"
// being the MR index: 0 MRTD, 1..4 RTMR0..3 (Intel TDX guest-host
// communication interface, CCEL).
//
//   0   ACPI header: "CCEL", length u32 (56), revision u8, checksum u8
//       (all 56 bytes sum to 0 mod 256), OEM ID[6], OEM table ID[8], OEM
//       revision u32, creator ID u32, creator revision u32
//   36  CC type u8 (1 SEV, 2 TDX), CC subtype u8, reserved u16
//   40  LAML u64 (log area minimum length), LASA u64 (its address)
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "parse/tcg_eventlog.h"

namespace ra {

constexpr size_t kCcelTableLen = 56;
constexpr uint8_t kCcTypeSev = 1;
constexpr uint8_t kCcTypeTdx = 2;

struct CcelTable {
  uint8_t revision = 0;
  std::string oem_id;        // 6 bytes as given
  std::string oem_table_id;  // 8 bytes as given
  uint8_t cc_type = 0;
  uint8_t cc_subtype = 0;
  uint64_t laml = 0;
  uint64_t lasa = 0;
};

// Exactly 56 bytes, signature "CCEL", length 56, checksum, CC type SEV or
// TDX, LAML from 1 byte to kMaxTcgEventLogLen.
Status ParseCcelTable(ByteView in, CcelTable* out);

// The table, then the log area (whose size must be the table's LAML)
// with ParseTcgEventLog; the log must be crypto agile.
Status ParseCcelEventLog(ByteView table, ByteView area, CcelTable* table_out,
                         TcgEventLog* log_out);

}  // namespace ra
