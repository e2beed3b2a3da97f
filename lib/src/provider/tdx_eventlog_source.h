// The attester side of the tdx-eventlog item (parse/tdx_eventlog.h): the
// ACPI CCEL table and its log area as Linux exposes them, read where the
// quote is made (sshd's monitor, as root: both files are mode 0400).
#pragma once

#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

// Where Linux puts ACPI tables: DIR/CCEL (the table) and DIR/data/CCEL
// (the log area; kernels without CCEL data support show the table only).
constexpr const char* kDefaultAcpiTablesDir = "/sys/firmware/acpi/tables";

// Appends a tdx-eventlog item made from tables_dir/CCEL and
// tables_dir/data/CCEL.  Either file absent (no CCEL on this platform, or
// a kernel that does not expose the log): nothing appended, not an error.
// A file that exists but cannot be read, is larger than a log area can
// be, does not parse, or whose events exceed an item: an error naming the
// file (an operator whose TD has such a log decides, instead of clients
// being told nothing).
Status AppendTdxEventLog(const std::string& tables_dir, std::vector<EvidenceItem>* out);

}  // namespace ra
