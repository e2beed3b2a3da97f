// libFuzzer target: the whole relying-party path through the C API,
// ra_evidence_add -> ra_verify (parse, PCK chain, signatures, binding,
// TCB, policy) on hostile bytes.
//
// Input layout:
//   byte 0   bits 0-3  item count - 1 (1..16; capped by the bytes left)
//            bits 4-5  policy: 0 built-in default, 1 sim test root,
//                      2 built-in root + Intel collateral, also accepting
//                      maa-token from the shared vector's issuer with its
//                      pinned key, 3 sim root + AllowDebug + reference
//                      values that do not match
//            bits 6-7  time: 0 now, 1 2023-06-20, 2 2025-10-28,
//                      3 2021-05-05 (inside the MAA vector token's validity)
//   byte 1   bits 0-3  type of each item i: bit (i % 4) set = RA_EVIDENCE_TDX_QUOTE,
//                      clear = "maa-token" (i even) or a type no policy
//                      accepts (skipped by the verifier)
//            bit 4     binding taken from the first item's REPORTDATA
//                      (offset 568, so genuine quotes get past the binding
//                      check and reach the policy); else 64 bytes 0xA5
//   then per item but the last: u16 little-endian length (clamped to what
//   is left), bytes; the last item takes the rest.
//
// Environment (scripts/fuzz.sh sets them; without them the fuzzer makes
// its own sim dir under $TMPDIR and policy 2 is the default one):
//   RA_FUZZ_SIM_DIR     a directory made by `ssh-attest sim-init`
//   RA_FUZZ_COLLATERAL  a directory of Intel TCB collateral
//   RA_FUZZ_MAA         shared vectors' maa/ (sharedwus key PEM)
// No policy here ever fetches issuer keys: the MAA key is pinned.
//   RA_FUZZ_VERBOSE     print each verdict (when replaying inputs)
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "provider/sim_tdx_authority.h"
#include "ra_attest.h"

namespace {

ra_policy* g_policy[4];

std::string WritePolicy(const std::string& dir, const std::string& name,
                        const std::string& text) {
  std::string path = dir + "/" + name;
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr || fputs(text.c_str(), f) < 0 || fclose(f) != 0) {
    fprintf(stderr, "verify_fuzzer: cannot write %s\n", path.c_str());
    abort();
  }
  chmod(path.c_str(), 0644);
  return path;
}

ra_policy* Load(const char* path) {
  char err[512];
  ra_policy* p = nullptr;
  if (ra_policy_load(path, &p, err, sizeof(err)) != RA_OK) {
    fprintf(stderr, "verify_fuzzer: policy %s: %s\n", path ? path : "(default)", err);
    abort();
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string sim;
  if (const char* d = getenv("RA_FUZZ_SIM_DIR")) {
    sim = d;
  } else {
    const char* tmp = getenv("TMPDIR");
    std::string tmpl = std::string(tmp ? tmp : "/tmp") + "/ra-verify-fuzz.XXXXXX";
    if (mkdtemp(&tmpl[0]) == nullptr) abort();
    sim = tmpl + "/sim";
    ra::Status s = ra::SimInit(sim, ra::SimInitOptions());
    if (!s.ok()) {
      fprintf(stderr, "verify_fuzzer: sim-init: %s\n", s.message().c_str());
      abort();
    }
  }
  std::string anchor = "TrustAnchor tdx \"" + sim + "/root.pem\"\n";
  g_policy[0] = Load(nullptr);
  g_policy[1] = Load(WritePolicy(sim, "fuzz-sim.policy", anchor).c_str());
  const char* col = getenv("RA_FUZZ_COLLATERAL");
  const char* maa = getenv("RA_FUZZ_MAA");
  if (col != nullptr && maa != nullptr) {
    g_policy[2] = Load(WritePolicy(sim, "fuzz-collateral.policy",
                                   std::string("AcceptEvidence tdx-quote,maa-token\n") +
                                       "Issuer https://sharedwus.wus.attest.azure.net\n"
                                       "IssuerKey \"15N2MHoj9iAdkF/c5nRE3J2HB8JG6Vue3Uzvu3K/Ses=\" \"" +
                                       maa + "/sharedwus_kid_15N2MH_pubkey.pem\"\n" +
                                       "Collateral \"" + col + "\"\n" +
                                       "AllowedTcbStatus UpToDate,OutOfDate,"
                                       "SWHardeningNeeded,ConfigurationNeeded,"
                                       "ConfigurationAndSWHardeningNeeded,"
                                       "OutOfDateConfigurationNeeded\n")
                           .c_str());
  } else {
    g_policy[2] = g_policy[0];
  }
  std::string mr(96, '0');
  g_policy[3] = Load(WritePolicy(sim, "fuzz-sim-ref.policy",
                                 anchor + "AllowDebug yes\nMRTD " + mr +
                                     "\nRTMR0 " + mr + "\nMRSEAM " + mr +
                                     "\nMaxAge 300\n")
                         .c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char* const kOtherTypes[] = {RA_EVIDENCE_MAA_TOKEN, "x", RA_EVIDENCE_MAA_TOKEN,
                                            "tpm-quote"};
  static const time_t kTimes[] = {0, 1687219200 /* 2023-06-20 */,
                                  1761652800 /* 2025-10-28T12:00Z */,
                                  1620250000 /* 2021-05-05T21:26:40Z */};
  unsigned count = (data[0] & 0x0f) + 1;
  const ra_policy* pol = g_policy[(data[0] >> 4) & 3];
  time_t now = kTimes[data[0] >> 6];
  unsigned types = data[1] & 0x0f;
  bool binding_from_quote = (data[1] & 0x10) != 0;
  data += 2;
  size -= 2;

  ra_evidence* ev = ra_evidence_new();
  if (ev == nullptr) abort();
  char err[256], summary[256];
  const uint8_t* first = nullptr;
  size_t first_len = 0;
  for (unsigned i = 0; i < count && (i == 0 || size > 0); i++) {
    size_t len = size;
    if (i + 1 < count && size >= 2) {
      len = data[0] | (static_cast<size_t>(data[1]) << 8);
      data += 2;
      size -= 2;
      if (len > size) len = size;
    }
    const char* type = (types >> (i % 4)) & 1 ? RA_EVIDENCE_TDX_QUOTE
                                              : kOtherTypes[i % 4];
    if (i == 0) {
      first = data;
      first_len = len;
    }
    int r = ra_evidence_add(ev, type, data, len, err, sizeof(err));
    if (r != RA_OK && r != RA_ERR_INVALID) abort();
    data += len;
    size -= len;
  }

  uint8_t binding[RA_BINDING_LEN];
  if (binding_from_quote && first_len >= 568 + RA_BINDING_LEN)
    memcpy(binding, first + 568, RA_BINDING_LEN);
  else
    memset(binding, 0xa5, sizeof(binding));

  err[0] = summary[0] = '\0';
  int r = ra_verify(pol, ev, binding, now, summary, sizeof(summary), err,
                    sizeof(err));
  static const bool verbose = getenv("RA_FUZZ_VERBOSE") != nullptr;
  if (verbose) fprintf(stderr, "verify: %d %s\n", r, r == RA_OK ? summary : err);
  if (r == RA_OK) {
    if (summary[0] == '\0') abort();
  } else {
    if (r != RA_ERR_REFUSED && r != RA_ERR_INVALID) abort();
    if (err[0] == '\0') abort();  // a refusal must name the failed check
  }
  // Verifying does not consume or alter the evidence.
  size_t n = ra_evidence_count(ev);
  for (size_t i = 0; i < n; i++) {
    const char* t;
    const uint8_t* d;
    size_t l;
    if (ra_evidence_get(ev, i, &t, &d, &l) != RA_OK) abort();
  }
  ra_evidence_free(ev);
  return 0;
}
