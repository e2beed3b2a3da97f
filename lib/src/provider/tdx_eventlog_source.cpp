#include "provider/tdx_eventlog_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "common/bytes_util.h"
#include "parse/tdx_eventlog.h"

namespace ra {
namespace {

constexpr const char* kCheck = "tdx eventlog";

// false: path does not exist (nothing to send).  Any other stat error is
// left to the read, which names it.
bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 || errno != ENOENT;
}

}  // namespace

Status AppendTdxEventLog(const std::string& tables_dir, std::vector<EvidenceItem>* out) {
  const std::string table_path = tables_dir + "/CCEL";
  const std::string area_path = tables_dir + "/data/CCEL";
  if (!Exists(table_path) || !Exists(area_path)) return Status();
  Bytes table, area;
  // One byte over the table's size, so that a longer file is refused by
  // the table's parser rather than cut.
  Status s = ReadFileBounded(table_path, kCcelTableLen + 1, &table);
  if (s.ok()) s = ReadFileBounded(area_path, kMaxTcgEventLogLen, &area);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  Bytes item;
  s = BuildTdxEventLogItem(table, area, &item);
  if (!s.ok()) return Status::Fail(kCheck, table_path + ", " + area_path + ": " + s.message());
  out->push_back(EvidenceItem{kEvidenceTdxEventLog, std::move(item)});
  return Status();
}

}  // namespace ra
