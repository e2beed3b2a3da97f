// libFuzzer target: the known_attestations line parser and lookup
// (policy/known_attestations.h) on arbitrary file text.  Seeds: files of
// plain, [host]:port and hashed records as ssh writes them (scripts/fuzz.sh
// can generate them with ssh-attest known; a handful of lines from
// docs/design.md's example do as well).
//
// Invariants checked: a failure names its check; a parsed record formats
// to a line that parses back to the same record (so what ssh writes it
// reads); a lookup of the first record's own host with its own
// measurements matches unless the file has a corrupt line for that host.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "policy/known_attestations.h"

namespace {

void RoundTrip(const ra::known::Record& r) {
  std::string line = ra::known::FormatLine(r.hosts, r.m);
  ra::known::Record again;
  bool is_record = false;
  ra::Status s = ra::known::ParseLine(line, &again, &is_record);
  if (!s.ok() || !is_record) abort();
  if (again.hosts != r.hosts || again.m.kind != r.m.kind || again.m.fields != r.m.fields) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ra::known::kMaxFileSize) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<ra::known::Record> records;
  std::vector<std::string> corrupt;
  ra::known::ListText(text, "fuzz", &records, &corrupt);
  for (const std::string& c : corrupt)
    if (c.empty()) abort();
  for (const ra::known::Record& r : records) RoundTrip(r);
  if (records.empty() || records[0].hosts[0] == '|') return 0;
  std::string host = records[0].hosts.substr(0, records[0].hosts.find(','));
  ra::known::CheckResult res;
  ra::Status s = ra::known::CheckText(text, "fuzz", host, records[0].m, &res);
  if (!s.ok()) {
    if (s.check().empty() || s.detail().empty()) abort();
    return 0;
  }
  if (res.verdict != ra::known::Verdict::kMatch) abort();
  return 0;
}
