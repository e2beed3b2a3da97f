// ssh-attest eventlog [--ccel | --ima] [--json | --text] FILE...: the
// events of a measured-boot log and the registers they replay to, as JSON
// (one object per file, an array of them for several files) or, with
// --text, a listing for humans (what RtmrEvent, BootEvent and
// ImaAllowlist lines pin).
//   TPM: a TCG PC Client event log (binary_bios_measurements), crypto
//     agile or SHA-1; replayed per bank (verify/eventlog_replay.h).
//   CCEL (--ccel, or a file that starts with a CCEL table): a tdx-eventlog
//     item (table then log), a table FILE followed by its log area FILE,
//     or a log area alone; MR index 0 is MRTD, 1..4 RTMR0..3.
//   IMA (a file that is not a TCG log; with --ima, one that does not parse
//     as one is reported as an IMA list): the binary measurement list
//     (SHA-1 or a longer template hash) or the ASCII one
//     (ascii_runtime_measurements); replayed into its PCRs.
// Results on stdout; a log that does not parse is an error (exit 1).
#include <jansson.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/ccel_table.h"
#include "parse/ima_log.h"
#include "parse/tcg_eventlog.h"
#include "parse/tdx_eventlog.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_json_view.h"
#include "verify/eventlog_replay.h"
#include "verify/ima_replay.h"

#include "cli.h"

namespace ssh_attest {
namespace {

enum class LogKind { kTpm, kCcel, kIma };

struct RegisterValue {
  std::string name;  // "PCR7", "RTMR1"
  std::string bank;  // "sha256"
  std::string hex;
};

// What one file holds, parsed and replayed.
struct LogReport {
  std::string what;  // file name(s)
  LogKind kind = LogKind::kTpm;
  ra::TcgEventLog tcg;
  ra::ImaLog ima;
  std::vector<RegisterValue> replayed;
};

// A path or name from an untrusted log, for a terminal.
std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

std::string RegisterName(LogKind kind, uint32_t index) {
  if (kind != LogKind::kCcel) return "PCR" + std::to_string(index);
  if (index == 0) return "MRTD";
  return "RTMR" + std::to_string(index - 1);
}

ra::Status ReplayTcg(LogReport* r) {
  if (r->kind == LogKind::kCcel) {
    std::array<ra::Rtmr, 4> rtmr;
    RA_RETURN_IF_ERROR(ra::ReplayCcelRtmrs(r->tcg, &rtmr));
    for (size_t i = 0; i < 4; i++)
      r->replayed.push_back({"RTMR" + std::to_string(i), "sha384", ra::HexEncode(rtmr[i])});
    return ra::Status();
  }
  for (const ra::TcgAlgorithmSize& a : r->tcg.algorithms) {
    if (ra::TpmHashMd(a.alg) == nullptr) continue;
    ra::ReplayedPcrs p;
    RA_RETURN_IF_ERROR(ra::ReplayTcgEventLog(r->tcg, a.alg, &p));
    for (uint32_t pcr : ra::ExtendedPcrs(p))
      r->replayed.push_back({"PCR" + std::to_string(pcr), ra::TpmHashName(a.alg),
                             ra::HexEncode(p.value[pcr])});
  }
  return ra::Status();
}

// The kernel's ascii_runtime_measurements: lines of printable text
// ("10 HEX ima-ng sha256:HEX /path"); a binary list starts with a
// little-endian PCR index, so its first bytes include a zero.
bool LooksLikeAsciiImaList(const ra::Bytes& b) {
  if (b.empty() || b[0] < '0' || b[0] > '9') return false;
  return std::all_of(b.begin(), b.end(),
                     [](uint8_t c) { return c == '\n' || (c >= 0x20 && c < 0x7f); });
}

// Either form of the list (the wire's ima-log item is the binary one).
ra::Status ParseIma(const ra::Bytes& b, LogReport* r) {
  if (LooksLikeAsciiImaList(b))
    RA_RETURN_IF_ERROR(ra::ParseImaAsciiLog(std::string(b.begin(), b.end()), &r->ima));
  else
    RA_RETURN_IF_ERROR(ra::ParseImaBinaryLogAnyHash(b, &r->ima));
  r->kind = LogKind::kIma;
  const uint16_t alg = ra::ImaListHashAlg(r->ima);
  std::map<uint32_t, ra::Bytes> pcrs;
  RA_RETURN_IF_ERROR(ra::ReplayImaLog(r->ima, alg, &pcrs));
  for (const auto& p : pcrs)
    r->replayed.push_back({"PCR" + std::to_string(p.first), ra::TpmHashName(alg),
                           ra::HexEncode(p.second)});
  return ra::Status();
}

bool IsCcelTable(const ra::Bytes& b) {
  return b.size() >= ra::kCcelTableLen && std::memcmp(b.data(), "CCEL", 4) == 0;
}

// b: a table alone (its area is files[++*i]), table || log, or a log.
ra::Status ParseCcel(const ra::Bytes& b, const std::vector<std::string>& files, size_t* i,
                     LogReport* r) {
  r->kind = LogKind::kCcel;
  ra::CcelTable table;
  if (b.size() == ra::kCcelTableLen && IsCcelTable(b)) {
    if (*i + 1 >= files.size())
      return ra::Status::Fail("eventlog", files[*i] + " is a CCEL table: give its log area next");
    ra::Bytes area;
    const std::string& area_path = files[++*i];
    r->what += " + " + area_path;
    RA_RETURN_IF_ERROR(ra::ReadFileBounded(area_path, ra::kMaxTcgEventLogLen, &area));
    return ra::ParseCcelEventLog(b, area, &table, &r->tcg);
  }
  if (!IsCcelTable(b)) return ra::ParseTcgEventLog(b, &r->tcg);
  // A tdx-eventlog item, whatever its size: the table bounds the log.
  RA_RETURN_IF_ERROR(ra::ParseCcelTable(ra::ByteView(b.data(), ra::kCcelTableLen), &table));
  const ra::ByteView log(b.data() + ra::kCcelTableLen, b.size() - ra::kCcelTableLen);
  if (log.size > table.laml)
    return ra::Status::Fail("ccel table format", "log longer than the table's LAML");
  return ra::ParseTcgEventLog(log, &r->tcg);
}

// A CCEL table first (or --ccel) means CCEL, a TCG log is a TPM log, and
// anything else is an IMA list: with --ima always (so `eventlog LOG --ima
// LIST` reads both), without it when it does not start like a TCG log.
ra::Status Load(const std::vector<std::string>& files, size_t* i, const Args& a,
                LogReport* r) {
  r->what = files[*i];
  ra::Bytes b;
  RA_RETURN_IF_ERROR(ra::ReadFileBounded(files[*i], ra::kMaxImaLogLen, &b));
  if (Has(a, "--ccel") || IsCcelTable(b)) {
    RA_RETURN_IF_ERROR(ParseCcel(b, files, i, r));
    return ReplayTcg(r);
  }
  ra::Status s = ra::ParseTcgEventLog(b, &r->tcg);
  if (s.ok()) return ReplayTcg(r);
  const bool tcg_like = b.size() >= 8 && ra::LoadLe32(b.data()) == 0 &&
                        ra::LoadLe32(b.data() + 4) == ra::kEvNoAction;
  if (Has(a, "--ima")) return ParseIma(b, r);
  if (tcg_like || !ParseIma(b, r).ok()) return s;
  return ra::Status();
}

void PrintTcgEvents(const LogReport& r) {
  size_t n = 0;
  for (const ra::TcgEvent& e : r.tcg.events) {
    std::printf("#%zu %s %s\n", n++, RegisterName(r.kind, e.pcr_index).c_str(),
                ra::TcgEventTypeName(e.event_type).c_str());
    for (const ra::TcgDigest& d : e.digests)
      std::printf("    %s:%s\n", ra::TpmHashName(d.alg).c_str(), ra::HexEncode(d.digest).c_str());
    std::string desc = ra::DescribeTcgEvent(e);
    if (!desc.empty()) std::printf("    \"%s\"\n", desc.c_str());
  }
}

void PrintImaEntries(const LogReport& r) {
  size_t n = 0;
  for (const ra::ImaEntry& e : r.ima.entries) {
    std::printf("#%zu PCR%u %s template:%s\n", n++, e.pcr, Printable(e.template_name).c_str(),
                ra::HexEncode(e.template_hash).c_str());
    if (e.decoded)
      std::printf("    %s:%s %s\n", Printable(e.digest_alg()).c_str(),
                  ra::HexEncode(e.file_digest()).c_str(), Printable(e.file_name()).c_str());
  }
}

void PrintText(const LogReport& r) {
  if (r.kind == LogKind::kIma) {
    std::printf("%s: IMA measurement list, %zu entries\n", r.what.c_str(), r.ima.entries.size());
    PrintImaEntries(r);
  } else {
    std::string banks;
    for (const auto& a : r.tcg.algorithms) banks += " " + ra::TpmHashName(a.alg);
    std::printf("%s: %s %s event log, %zu events, banks%s\n", r.what.c_str(),
                r.tcg.crypto_agile ? "crypto-agile" : "SHA-1",
                r.kind == LogKind::kCcel ? "CCEL" : "TCG", r.tcg.events.size(), banks.c_str());
    PrintTcgEvents(r);
  }
  std::printf("replayed:\n");
  for (const RegisterValue& v : r.replayed)
    std::printf("  %s %s:%s\n", v.name.c_str(), v.bank.c_str(), v.hex.c_str());
}

// {"file", "kind": "tpm"|"ccel"|"ima", "log": the parse/tpm_json_view.h
//  view, "replayed": {BANK: {REGISTER: HEX}}}
json_t* ReportJson(const LogReport& r) {
  json_t* o = json_object();
  json_object_set_new(o, "file", json_string(Printable(r.what).c_str()));
  static const char* const kKinds[] = {"tpm", "ccel", "ima"};
  json_object_set_new(o, "kind", json_string(kKinds[static_cast<int>(r.kind)]));
  std::string view =
      r.kind == LogKind::kIma ? ra::ImaLogToJson(r.ima) : ra::TcgEventLogToJson(r.tcg);
  json_error_t err;
  json_object_set_new(o, "log", json_loads(view.c_str(), 0, &err));
  json_t* replayed = json_object();
  for (const RegisterValue& v : r.replayed) {
    json_t* bank = json_object_get(replayed, v.bank.c_str());
    if (bank == nullptr) {
      bank = json_object();
      json_object_set_new(replayed, v.bank.c_str(), bank);
    }
    json_object_set_new(bank, v.name.c_str(), json_string(v.hex.c_str()));
  }
  json_object_set_new(o, "replayed", replayed);
  return o;
}

void PrintJson(json_t* j) {
  char* text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (text) std::printf("%s\n", text);
  free(text);
}

}  // namespace

json_t* InspectTdxEventLog(const ra::EvidenceItem& item) {
  ra::CcelTable table;
  ra::TcgEventLog log;
  if (item.type != ra::kEvidenceTdxEventLog ||
      !ra::ParseTdxEventLogItem(item.data, &table, &log).ok())
    return nullptr;
  json_error_t err;
  return json_loads(ra::TcgEventLogToJson(log).c_str(), 0, &err);
}

int CmdEventlog(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(argc, argv, "--ccel --ima --json --text", &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.empty()) return Usage("eventlog wants at least one FILE");
  if (Has(a, "--ccel") && Has(a, "--ima")) return Usage("--ccel or --ima, not both");
  if (Has(a, "--json") && Has(a, "--text")) return Usage("--json or --text, not both");
  const bool text = Has(a, "--text");
  // Every file is read before anything is printed: a log that does not
  // parse leaves stdout empty, and JSON comes out whole.
  std::vector<LogReport> reports;
  for (size_t i = 0; i < a.positional.size(); i++) {
    LogReport r;
    ra::Status s = Load(a.positional, &i, a, &r);
    if (!s.ok()) return Failure(r.what + ": " + s.message());
    reports.push_back(std::move(r));
  }
  if (text) {
    for (size_t i = 0; i < reports.size(); i++) {
      if (i > 0) std::printf("\n");
      PrintText(reports[i]);
    }
    return kExitOk;
  }
  json_t* out = reports.size() == 1 ? ReportJson(reports[0]) : json_array();
  if (reports.size() > 1)
    for (const LogReport& r : reports) json_array_append_new(out, ReportJson(r));
  PrintJson(out);
  json_decref(out);
  return kExitOk;
}

}  // namespace ssh_attest
