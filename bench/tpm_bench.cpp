// tpm_bench: what a TPM quote's logs cost the client, and what azure-vtpm
// costs sshd per connection with and without its cached HCL report.
//
//   tpm_bench VECTORS SECONDS [FRESH_SPEC CACHED_SPEC POLICY]
//
// Measures, each for about SECONDS of wall time on the calling thread:
//   eventlog_replay_real  parse + replay (every bank the log has) of the
//                         four real crypto-agile logs of VECTORS/tpm, one op
//                         = all four (as the tpm-quote kind does per bank);
//   eventlog_replay_100k  the same for a log of at least 100 KiB (the Spec
//                         ID event of the RHEL 8 log, then its events
//                         repeated: eventlog_100k_bytes);
//   ima_replay_real       parse of the binary form of keylime's real IMA
//                         list (826 entries) + its prefix replay into the
//                         SHA-256 bank up to the quoted PCR 10 value (what
//                         the client runs, verify/ima_replay.h);
//   ima_replay_10k        the same for 10,000 entries;
// and, given the specs of one azure-vtpm on the stand-ins (swtpm behind the
// paravisor stand-in, the IMDS emulator), with and without hclcache:
//   azure_vtpm_fresh      ra_provider_open + ra_provider_collect (what
//                         sshd's monitor pays per connection): HCL report
//                         regenerated and read, IMDS quote, vTPM quote;
//   azure_vtpm_cached     the same with hclcache: the vTPM quote alone;
//   azure_vtpm_verify     ra_verify of the cached-path items under POLICY
//                         (AcceptEvidence tpm-quote, the sim's root): the
//                         client's side.
// Each with wall time and this thread's CPU time per op (the targets use
// CPU time: the machine's other load inflates wall time, not CPU time).
// Prints one JSON object on stdout.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "parse/ima_log.h"
#include "parse/tcg_eventlog.h"
#include "parse/tpm_alg.h"
#include "ra_attest.h"
#include "verify/eventlog_replay.h"
#include "verify/ima_replay.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "tpm_bench: %s: %s\n", what.c_str(), why.c_str());
  std::exit(1);
}

struct Rate {
  long iters;
  double seconds;      // wall
  double cpu_seconds;  // this thread's CPU: what load elsewhere disturbs least
  double us_per_op() const { return seconds * 1e6 / static_cast<double>(iters); }
  double cpu_us_per_op() const { return cpu_seconds * 1e6 / static_cast<double>(iters); }
};

double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// fn repeatedly for `seconds` after one warm-up call (at least 3 calls).
template <typename F>
Rate Loop(const char* name, double seconds, F fn) {
  if (!fn()) Die(name, "failed during warm-up");
  long n = 0;
  const double cpu0 = ThreadCpu();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < end || n < 3) {
    if (!fn()) Die(name, "failed");
    n++;
    now = Clock::now();
  }
  return Rate{n, std::chrono::duration<double>(now - start).count(), ThreadCpu() - cpu0};
}

ra::Bytes ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) Die(path, "cannot open");
  return ra::Bytes(std::istreambuf_iterator<char>(f), {});
}

bool ReplayLog(const ra::Bytes& raw) {
  ra::TcgEventLog log;
  if (!ra::ParseTcgEventLog(raw, &log).ok()) return false;
  for (const ra::TcgAlgorithmSize& a : log.algorithms) {
    if (!ra::TpmHashMd(a.alg)) continue;
    ra::ReplayedPcrs r;
    if (!ra::ReplayTcgEventLog(log, a.alg, &r).ok()) return false;
  }
  return true;
}

ra::Bytes HundredKibLog(const std::string& vectors) {
  ra::Bytes raw = ReadFile(vectors + "/tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin");
  ra::TcgEventLog log;
  if (!ra::ParseTcgEventLog(raw, &log).ok() || log.events.empty()) Die("rhel8 log", "parse");
  const long first = static_cast<long>(log.events[0].offset);
  ra::Bytes big(raw.begin(), raw.begin() + first);
  while (big.size() < 100 * 1024) big.insert(big.end(), raw.begin() + first, raw.end());
  return big;
}

void PutLe32(ra::Bytes* b, size_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The binary list of n entries (keylime's real list, repeated), as the
// kernel exports it, and its SHA-256 PCR 10.
struct ImaCase {
  ra::Bytes binary;
  ra::Bytes pcr10;
};
ImaCase MakeIma(const std::string& vectors, size_t n) {
  ra::Bytes text = ReadFile(vectors + "/ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt");
  ra::ImaLog real, log;
  if (!ra::ParseImaAsciiLog(std::string(text.begin(), text.end()), &real).ok())
    Die("ima list", "parse");
  log.template_hash_len = real.template_hash_len;
  while (log.entries.size() < n)
    for (const ra::ImaEntry& e : real.entries)
      if (log.entries.size() < n) log.entries.push_back(e);
  ImaCase c;
  for (const ra::ImaEntry& e : log.entries) {
    PutLe32(&c.binary, e.pcr);
    c.binary.insert(c.binary.end(), e.template_hash.begin(), e.template_hash.end());
    PutLe32(&c.binary, e.template_name.size());
    c.binary.insert(c.binary.end(), e.template_name.begin(), e.template_name.end());
    PutLe32(&c.binary, e.template_data.size());
    c.binary.insert(c.binary.end(), e.template_data.begin(), e.template_data.end());
  }
  std::map<uint32_t, ra::Bytes> pcrs;
  if (!ra::ReplayImaLog(log, ra::kTpmAlgSha256, &pcrs).ok()) Die("ima list", "replay");
  c.pcr10 = pcrs[ra::kImaPcr];
  return c;
}

bool ReplayIma(const ImaCase& c) {
  ra::ImaLog log;
  if (!ra::ParseImaBinaryLog(c.binary, 20, &log).ok()) return false;
  size_t covered = 0;
  return ra::ReplayImaPrefix(log, ra::kTpmAlgSha256, ra::kImaPcr, c.pcr10, &covered).ok() &&
         covered == log.entries.size();
}

// ra_provider_open + collect, as sshd's monitor runs them per connection.
bool CollectOnce(const std::string& spec, const uint8_t* binding, ra_evidence* ev) {
  char err[512] = "";
  ra_provider* p = nullptr;
  if (ra_provider_open(spec.c_str(), &p, err, sizeof(err)) != RA_OK) Die(spec, err);
  const bool ok = ra_provider_collect(p, binding, ev, err, sizeof(err)) == RA_OK;
  if (!ok) std::fprintf(stderr, "tpm_bench: collect: %s\n", err);
  ra_provider_free(p);
  return ok;
}

void Print(const char* key, const Rate& r, bool comma) {
  std::printf("  \"%s\": {\"iterations\": %ld, \"seconds\": %.3f, \"us_per_op\": %.1f, "
              "\"cpu_us_per_op\": %.1f}%s\n",
              key, r.iters, r.seconds, r.us_per_op(), r.cpu_us_per_op(), comma ? "," : "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 6) {
    std::fprintf(stderr, "usage: tpm_bench VECTORS SECONDS [FRESH_SPEC CACHED_SPEC POLICY]\n");
    return 2;
  }
  const std::string vectors = argv[1];
  const double seconds = std::atof(argv[2]);
  std::vector<ra::Bytes> logs;
  for (const char* name : {"arch_linux_workstation", "glinux_laptop_locality3",
                           "rhel8_gce_secureboot", "ubuntu2404_gce_sevsnp"})
    logs.push_back(ReadFile(vectors + "/tpm/gotpmtools_" + name + "_eventlog.bin"));
  const Rate real_logs = Loop("eventlog real", seconds, [&] {
    for (const ra::Bytes& l : logs)
      if (!ReplayLog(l)) return false;
    return true;
  });
  const ra::Bytes big = HundredKibLog(vectors);
  const Rate big_log = Loop("eventlog 100k", seconds, [&] { return ReplayLog(big); });
  const ImaCase ima_real = MakeIma(vectors, 826), ima_10k = MakeIma(vectors, 10000);
  const Rate ima1 = Loop("ima real", seconds, [&] { return ReplayIma(ima_real); });
  const Rate ima2 = Loop("ima 10k", seconds, [&] { return ReplayIma(ima_10k); });

  std::printf("{\n  \"eventlog_100k_bytes\": %zu,\n", big.size());
  Print("eventlog_replay_real", real_logs, true);
  Print("eventlog_replay_100k", big_log, true);
  Print("ima_replay_real", ima1, true);
  Print("ima_replay_10k", ima2, argc == 6);
  if (argc == 6) {
    uint8_t binding[RA_BINDING_LEN];
    for (size_t i = 0; i < sizeof(binding); i++) binding[i] = static_cast<uint8_t>(i * 5 + 3);
    const Rate fresh = Loop("azure-vtpm fresh", seconds, [&] {
      ra_evidence* ev = ra_evidence_new();
      const bool ok = CollectOnce(argv[3], binding, ev);
      ra_evidence_free(ev);
      return ok;
    });
    ra_evidence* cached_ev = ra_evidence_new();
    const Rate cached = Loop("azure-vtpm cached", seconds, [&] {
      ra_evidence_free(cached_ev);
      cached_ev = ra_evidence_new();
      return CollectOnce(argv[4], binding, cached_ev);
    });
    char err[512] = "";
    ra_policy* pol = nullptr;
    if (ra_policy_load(argv[5], &pol, err, sizeof(err)) != RA_OK) Die(argv[5], err);
    const Rate verify = Loop("azure-vtpm verify", seconds, [&] {
      const bool ok = ra_verify(pol, cached_ev, binding, 0, nullptr, 0, err, sizeof(err)) == RA_OK;
      if (!ok) std::fprintf(stderr, "tpm_bench: verify: %s\n", err);
      return ok;
    });
    Print("azure_vtpm_fresh", fresh, true);
    Print("azure_vtpm_cached", cached, true);
    Print("azure_vtpm_verify", verify, false);
    ra_policy_free(pol);
    ra_evidence_free(cached_ev);
  }
  std::printf("}\n");
  return 0;
}
