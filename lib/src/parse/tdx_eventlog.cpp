#include "parse/tdx_eventlog.h"

#include <cstdio>
#include <string>

#include "common/bytes_util.h"

namespace ra {
namespace {

constexpr const char* kCheck = "tdx eventlog format";
constexpr size_t kMaxDescription = 200;

// Untrusted text for a terminal: printable ASCII, the rest as '?'.
std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= kMaxDescription) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

std::string Hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string DescribeTcgEvent(const TcgEvent& e) {
  TcgEventInfo i;
  if (!DecodeTcgEvent(e, &i).ok())
    return "(" + std::to_string(e.data.size()) + " bytes that do not decode as " +
           TcgEventTypeName(e.event_type) + ")";
  if (i.has_separator) return i.separator == 0 ? "separator" : "separator (error)";
  if (i.has_efi_variable)
    return Printable(i.efi_name) + " (" + i.efi_guid + ", " + std::to_string(i.efi_data.size()) +
           " bytes)";
  if (i.has_image_load)
    return "image at " + Hex64(i.image_location) + ", " + std::to_string(i.image_length) +
           " bytes";
  std::string text = Printable(i.text);
  if (i.has_blob)
    return (text.empty() ? "" : text + ": ") + "blob at " + Hex64(i.blob_base) + ", " +
           std::to_string(i.blob_length) + " bytes";
  if (i.has_tagged_event)
    return "tag " + Hex64(i.tagged_event_id) + ", " +
           std::to_string(i.tagged_event_data.size()) + " bytes";
  return text;
}

Status ParseTdxEventLogItem(ByteView item, CcelTable* table_out, TcgEventLog* log_out) {
  if (item.size > kMaxTdxEventLogItemLen)
    return Status::Fail(kCheck, "item is " + std::to_string(item.size) + " bytes, at most " +
                                    std::to_string(kMaxTdxEventLogItemLen));
  if (item.size <= kCcelTableLen)
    return Status::Fail(kCheck, "item is " + std::to_string(item.size) +
                                    " bytes: a 56-byte CCEL table and a log");
  CcelTable t;
  RA_RETURN_IF_ERROR(ParseCcelTable(ByteView(item.data, kCcelTableLen), &t));
  if (t.cc_type != kCcTypeTdx)
    return Status::Fail(kCheck, "CCEL table is for CC type " + std::to_string(t.cc_type) +
                                    ", not TDX (2)");
  ByteView log_bytes(item.data + kCcelTableLen, item.size - kCcelTableLen);
  if (log_bytes.size > t.laml)
    return Status::Fail(kCheck, "log is " + std::to_string(log_bytes.size) +
                                    " bytes, the table's LAML " + std::to_string(t.laml));
  TcgEventLog log;
  RA_RETURN_IF_ERROR(ParseTcgEventLog(log_bytes, &log));
  if (!log.crypto_agile) return Status::Fail(kCheck, "CCEL log is not crypto agile");
  *table_out = std::move(t);
  *log_out = std::move(log);
  return Status();
}

Status BuildTdxEventLogItem(ByteView table, ByteView area, Bytes* out) {
  CcelTable t;
  TcgEventLog log;
  RA_RETURN_IF_ERROR(ParseCcelEventLog(table, area, &t, &log));
  if (t.cc_type != kCcTypeTdx)
    return Status::Fail(kCheck, "CCEL table is for CC type " + std::to_string(t.cc_type) +
                                    ", not TDX (2)");
  const size_t len = kCcelTableLen + log.used_len;
  if (len > kMaxTdxEventLogItemLen)
    return Status::Fail(kCheck, "the CCEL log's events take " + std::to_string(log.used_len) +
                                    " bytes, more than an item carries (" +
                                    std::to_string(kMaxTdxEventLogItemLen - kCcelTableLen) + ")");
  Bytes b(table.data, table.data + table.size);
  b.insert(b.end(), area.data, area.data + log.used_len);
  *out = std::move(b);
  return Status();
}

}  // namespace ra
