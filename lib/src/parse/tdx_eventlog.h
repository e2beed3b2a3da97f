// The tdx-eventlog evidence item (docs/protocol.md): what explains a TD's
// RTMR0-3, sent beside its quote.
//
//   0   the ACPI CCEL table, 56 bytes, exactly as the platform has it
//       (/sys/firmware/acpi/tables/CCEL; parse/ccel_table.h)
//   56  the log area (/sys/firmware/acpi/tables/data/CCEL) up to the end
//       of its last event: at least 1 byte, at most the table's LAML
//
// No framing beyond the table, whose length is fixed: the area is the
// rest.  The area is cut at its last event because firmware reserves
// 64 KiB-1 MiB for a log of a few KiB to tens of KiB, and an item is at
// most RA_MAX_EVIDENCE_ITEM_LEN; the cut-off padding was measured by
// nothing.  A receiver may also meet an uncut area (the padding then
// follows the events, as parse/tcg_eventlog.h allows).
#pragma once

#include <string>

#include "common/status.h"
#include "parse/ccel_table.h"
#include "parse/tcg_eventlog.h"

namespace ra {

// What a provider may send: a quote (< 16 KiB) and this together must fit
// the 240 KiB response.
constexpr size_t kMaxTdxEventLogItemLen = 192 * 1024;

// The table, then the log: crypto agile, within LAML, no longer than
// kMaxTdxEventLogItemLen in all.
Status ParseTdxEventLogItem(ByteView item, CcelTable* table_out, TcgEventLog* log_out);

// The item for a table and its whole log area as the platform exposes
// them (the area's size must be the table's LAML): the table, then the
// area up to its last event.  Refused when the log does not parse or the
// item would exceed kMaxTdxEventLogItemLen.
Status BuildTdxEventLogItem(ByteView table, ByteView area, Bytes* out);

// One line for humans (claims, `ssh-attest eventlog`) of what an event's
// data says (DecodeTcgEvent), printable ASCII only, at most about 200
// characters; "" when its type carries nothing to show.  Not measured
// for most types: the digest is what the replay vouches for.
std::string DescribeTcgEvent(const TcgEvent& e);

}  // namespace ra
