#include "parse/ccel_table.h"

#include <cstring>

#include "common/bytes_util.h"

namespace ra {
namespace {

constexpr const char* kCheck = "ccel table format";

uint64_t LoadLe64(const uint8_t* p) {
  return static_cast<uint64_t>(LoadLe32(p)) | (static_cast<uint64_t>(LoadLe32(p + 4)) << 32);
}

}  // namespace

Status ParseCcelTable(ByteView in, CcelTable* out) {
  if (in.size != kCcelTableLen)
    return Status::Fail(kCheck, "table is " + std::to_string(in.size) + " bytes, not 56");
  const uint8_t* p = in.data;
  if (std::memcmp(p, "CCEL", 4) != 0) return Status::Fail(kCheck, "signature is not CCEL");
  if (LoadLe32(p + 4) != kCcelTableLen)
    return Status::Fail(kCheck, "header length " + std::to_string(LoadLe32(p + 4)) + ", not 56");
  uint8_t sum = 0;
  for (size_t i = 0; i < kCcelTableLen; i++) sum = static_cast<uint8_t>(sum + p[i]);
  if (sum != 0) return Status::Fail(kCheck, "checksum");
  CcelTable t;
  t.revision = p[8];
  t.oem_id.assign(reinterpret_cast<const char*>(p + 10), 6);
  t.oem_table_id.assign(reinterpret_cast<const char*>(p + 16), 8);
  t.cc_type = p[36];
  t.cc_subtype = p[37];
  t.laml = LoadLe64(p + 40);
  t.lasa = LoadLe64(p + 48);
  if (t.cc_type != kCcTypeSev && t.cc_type != kCcTypeTdx)
    return Status::Fail(kCheck, "CC type " + std::to_string(t.cc_type));
  if (t.laml == 0 || t.laml > kMaxTcgEventLogLen)
    return Status::Fail(kCheck, "LAML " + std::to_string(t.laml));
  *out = std::move(t);
  return Status();
}

Status ParseCcelEventLog(ByteView table, ByteView area, CcelTable* table_out,
                         TcgEventLog* log_out) {
  CcelTable t;
  RA_RETURN_IF_ERROR(ParseCcelTable(table, &t));
  if (area.size != t.laml)
    return Status::Fail(kCheck, "log area is " + std::to_string(area.size) +
                                    " bytes, the table says " + std::to_string(t.laml));
  TcgEventLog log;
  RA_RETURN_IF_ERROR(ParseTcgEventLog(area, &log));
  if (!log.crypto_agile) return Status::Fail("event log format", "CCEL log is not crypto agile");
  *table_out = std::move(t);
  *log_out = std::move(log);
  return Status();
}

}  // namespace ra
