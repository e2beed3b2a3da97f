// verify_bench: TDX quote verification throughput on one core, through the
// library's C API exactly as ssh calls it (ra_verify on a loaded policy).
//
//   verify_bench SIMDIR SIM_POLICY REAL_QUOTE SECONDS [SNP_REPORT SNP_VCEK SNP_TIME]
//
// Measures, each for SECONDS of wall time on the calling thread:
//   sim     a quote from ra_provider_open("sim:SIMDIR"), verified against
//           SIM_POLICY (TrustAnchor = the sim's test root) with its binding;
//   real    REAL_QUOTE (a captured SPR quote) against the built-in policy
//           (production Intel SGX Root CA) at 2023-06-20, with the expected
//           binding set to the quote's own REPORTDATA (bytes 568..631),
//           so the whole path runs: parse, PCK chain, QE report, AK, quote
//           signature, binding, policy;
//   policy  ra_policy_load(SIM_POLICY) + free (what ssh pays per connection
//           before verifying), for scale;
//   collect ra_provider_collect on the sim (what sshd's monitor pays);
//   snp     (when given) a real SEV-SNP report with its VCEK against the
//           built-in policy (AMD's ARKs) at SNP_TIME (epoch seconds),
//           binding = its own REPORT_DATA: chain, report signature, VCEK
//           TCB/hwID, binding, policy.
// Prints one JSON object on stdout.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ra_attest.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr time_t kSprTime = 1687219200;  // 2023-06-20T00:00:00Z
constexpr size_t kReportDataOff = 568;

[[noreturn]] void Die(const std::string& what, const char* err) {
  std::fprintf(stderr, "verify_bench: %s: %s\n", what.c_str(), err ? err : "");
  std::exit(1);
}

struct Rate {
  long iters;
  double seconds;
  double per_sec() const { return iters / seconds; }
  double us_per_op() const { return seconds * 1e6 / iters; }
};

// Runs fn repeatedly for `seconds` (checking the clock every batch) after a
// short warm-up; fn returns false on failure.
template <typename F>
Rate Loop(const char* name, double seconds, F fn) {
  for (int i = 0; i < 5; i++)
    if (!fn()) Die(name, "failed during warm-up");
  long n = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < end) {
    for (int i = 0; i < 8; i++) {
      if (!fn()) Die(name, "failed");
      n++;
    }
    now = Clock::now();
  }
  return Rate{n, std::chrono::duration<double>(now - start).count()};
}

std::vector<uint8_t> ReadFile(const char* path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) Die(path, "cannot open");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

void PrintRate(const char* key, const Rate& r, bool comma) {
  std::printf("  \"%s\": {\"iterations\": %ld, \"seconds\": %.3f, \"per_sec\": %.1f, "
              "\"us_per_op\": %.1f}%s\n",
              key, r.iters, r.seconds, r.per_sec(), r.us_per_op(), comma ? "," : "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 8) {
    std::fprintf(stderr, "usage: verify_bench SIMDIR SIM_POLICY REAL_QUOTE SECONDS "
                         "[SNP_REPORT SNP_VCEK SNP_TIME]\n");
    return 2;
  }
  const std::string simdir = argv[1];
  const char* sim_policy_path = argv[2];
  const char* real_quote_path = argv[3];
  const double seconds = std::atof(argv[4]);
  char err[512] = "", summary[512] = "";

  // --- sim quote ---
  ra_provider* prov = nullptr;
  if (ra_provider_open(("sim:" + simdir).c_str(), &prov, err, sizeof(err)) != RA_OK)
    Die("ra_provider_open", err);
  uint8_t binding[RA_BINDING_LEN];
  for (size_t i = 0; i < sizeof(binding); i++) binding[i] = static_cast<uint8_t>(i * 7 + 1);
  ra_evidence* sim_ev = ra_evidence_new();
  if (ra_provider_collect(prov, binding, sim_ev, err, sizeof(err)) != RA_OK)
    Die("ra_provider_collect", err);
  ra_policy* sim_pol = nullptr;
  if (ra_policy_load(sim_policy_path, &sim_pol, err, sizeof(err)) != RA_OK)
    Die("ra_policy_load sim", err);
  if (ra_verify(sim_pol, sim_ev, binding, 0, summary, sizeof(summary), err, sizeof(err)) != RA_OK)
    Die("ra_verify sim", err);

  const Rate sim = Loop("sim verify", seconds, [&] {
    return ra_verify(sim_pol, sim_ev, binding, 0, nullptr, 0, err, sizeof(err)) == RA_OK;
  });

  // --- real SPR quote, built-in policy (Intel root), pinned time ---
  std::vector<uint8_t> q = ReadFile(real_quote_path);
  if (q.size() < kReportDataOff + RA_BINDING_LEN) Die(real_quote_path, "too short");
  uint8_t real_binding[RA_BINDING_LEN];
  std::memcpy(real_binding, q.data() + kReportDataOff, RA_BINDING_LEN);
  ra_evidence* real_ev = ra_evidence_new();
  if (ra_evidence_add(real_ev, RA_EVIDENCE_TDX_QUOTE, q.data(), q.size(), err, sizeof(err)) !=
      RA_OK)
    Die("ra_evidence_add", err);
  ra_policy* def_pol = nullptr;
  if (ra_policy_load(nullptr, &def_pol, err, sizeof(err)) != RA_OK)
    Die("ra_policy_load default", err);
  if (ra_verify(def_pol, real_ev, real_binding, kSprTime, summary, sizeof(summary), err,
                sizeof(err)) != RA_OK)
    Die("ra_verify real", err);
  const Rate real = Loop("real verify", seconds, [&] {
    return ra_verify(def_pol, real_ev, real_binding, kSprTime, nullptr, 0, err, sizeof(err)) ==
           RA_OK;
  });

  // --- real SEV-SNP report, built-in policy (AMD ARKs), pinned time ---
  Rate snp{0, 0};
  if (argc == 8) {
    std::vector<uint8_t> r = ReadFile(argv[5]), vcek = ReadFile(argv[6]);
    const long snp_time = std::atol(argv[7]);
    constexpr size_t kSnpReportDataOff = 0x50;
    if (r.size() < kSnpReportDataOff + RA_BINDING_LEN) Die(argv[5], "too short");
    uint8_t snp_binding[RA_BINDING_LEN];
    std::memcpy(snp_binding, r.data() + kSnpReportDataOff, RA_BINDING_LEN);
    ra_evidence* snp_ev = ra_evidence_new();
    if (ra_evidence_add(snp_ev, RA_EVIDENCE_SNP_REPORT, r.data(), r.size(), err, sizeof(err)) !=
            RA_OK ||
        ra_evidence_add(snp_ev, RA_EVIDENCE_SNP_VCEK, vcek.data(), vcek.size(), err,
                        sizeof(err)) != RA_OK)
      Die("ra_evidence_add snp", err);
    if (ra_verify(def_pol, snp_ev, snp_binding, snp_time, summary, sizeof(summary), err,
                  sizeof(err)) != RA_OK)
      Die("ra_verify snp", err);
    snp = Loop("snp verify", seconds, [&] {
      return ra_verify(def_pol, snp_ev, snp_binding, snp_time, nullptr, 0, err, sizeof(err)) ==
             RA_OK;
    });
    ra_evidence_free(snp_ev);
  }

  // --- per-connection fixed costs, for scale ---
  const Rate pol = Loop("policy load", seconds / 2, [&] {
    ra_policy* p = nullptr;
    const bool ok = ra_policy_load(sim_policy_path, &p, err, sizeof(err)) == RA_OK;
    ra_policy_free(p);
    return ok;
  });
  const Rate collect = Loop("sim collect", seconds / 2, [&] {
    ra_evidence* ev = ra_evidence_new();
    const bool ok = ra_provider_collect(prov, binding, ev, err, sizeof(err)) == RA_OK;
    ra_evidence_free(ev);
    return ok;
  });
  const Rate open = Loop("sim provider open", seconds / 2, [&] {
    ra_provider* p = nullptr;
    const bool ok = ra_provider_open(("sim:" + simdir).c_str(), &p, err, sizeof(err)) == RA_OK;
    ra_provider_free(p);
    return ok;
  });

  std::printf("{\n  \"library\": \"%s\",\n", ra_version());
  PrintRate("sim_quote_verify", sim, true);
  PrintRate("real_quote_verify", real, true);
  if (argc == 8) PrintRate("real_snp_report_verify", snp, true);
  PrintRate("policy_load", pol, true);
  PrintRate("sim_collect", collect, true);
  PrintRate("sim_provider_open", open, false);
  std::printf("}\n");

  ra_evidence_free(sim_ev);
  ra_evidence_free(real_ev);
  ra_policy_free(sim_pol);
  ra_policy_free(def_pol);
  ra_provider_free(prov);
  return 0;
}
