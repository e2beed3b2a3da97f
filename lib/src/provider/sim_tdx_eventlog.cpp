// The sim TD's CCEL: an ACPI CCEL table and a crypto-agile log area
// (SHA-384 only, as TDVF writes them) whose replay gives the RTMRs
// `sim-init` writes to td.conf, so the whole tdx-eventlog path (provider,
// item, replay, RtmrEvent) runs without TDX hardware.  The events stand
// for a boot: firmware (RTMR0, with a per-init random boot id so that two
// sims differ, as random RTMRs did before), kernel and initrd (RTMR1),
// command line (RTMR2), a run-time event (RTMR3).  Each digest is
// SHA-384 of the event's text, so a test can compute the digest to pin:
// printf %s 'ra-ssh sim kernel NAME' | sha384sum.
#include <openssl/sha.h>

#include <cstring>

#include "common/bytes_util.h"
#include "common/openssl_error.h"
#include "parse/ccel_table.h"
#include "parse/tcg_eventlog.h"
#include "parse/tpm_alg.h"
#include "provider/sim_tdx_authority.h"

namespace ra {
namespace {

constexpr size_t kSimCcelAreaLen = 64 * 1024;  // what TDVF reserves

void Le16(Bytes* b, uint16_t v) {
  for (int i = 0; i < 2; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Le32(Bytes* b, uint32_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Le64(Bytes* b, uint64_t v) {
  for (int i = 0; i < 8; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Text(Bytes* b, const std::string& s) { b->insert(b->end(), s.begin(), s.end()); }

// TCG_PCClientPCREvent carrying TCG_EfiSpecIdEvent (PFP 10.4.5.1).
void SpecIdEvent(Bytes* log) {
  Bytes spec;
  Text(&spec, std::string("Spec ID Event03", 16));  // with its NUL
  Le32(&spec, 0);     // platformClass: client
  spec.push_back(0);  // specVersionMinor
  spec.push_back(2);  // specVersionMajor
  spec.push_back(0);  // specErrata
  spec.push_back(2);  // uintnSize: UINT64
  Le32(&spec, 1);     // numberOfAlgorithms
  Le16(&spec, kTpmAlgSha384);
  Le16(&spec, 48);
  spec.push_back(0);  // vendorInfoSize
  Le32(log, 0);
  Le32(log, kEvNoAction);
  log->insert(log->end(), 20, 0);
  Le32(log, static_cast<uint32_t>(spec.size()));
  log->insert(log->end(), spec.begin(), spec.end());
}

// TCG_PCR_EVENT2 with one SHA-384 digest, MR index rtmr + 1, extended.
void Event(uint32_t rtmr, uint32_t type, const Bytes& data, Bytes* log,
           std::array<std::array<uint8_t, 48>, 4>* rtmrs) {
  uint8_t digest[48];
  SHA384(data.data(), data.size(), digest);
  Le32(log, rtmr + 1);
  Le32(log, type);
  Le32(log, 1);
  Le16(log, kTpmAlgSha384);
  log->insert(log->end(), digest, digest + 48);
  Le32(log, static_cast<uint32_t>(data.size()));
  log->insert(log->end(), data.begin(), data.end());
  uint8_t cat[96];
  std::memcpy(cat, (*rtmrs)[rtmr].data(), 48);
  std::memcpy(cat + 48, digest, 48);
  SHA384(cat, sizeof cat, (*rtmrs)[rtmr].data());
}

Bytes TextData(const std::string& s) { return Bytes(s.begin(), s.end()); }

// ACPI header, CC type TDX, LAML, a made-up LASA; checksum last.
Bytes CcelTableFor(uint64_t laml) {
  Bytes t;
  Text(&t, "CCEL");
  Le32(&t, static_cast<uint32_t>(kCcelTableLen));
  t.push_back(1);  // revision
  t.push_back(0);  // checksum, below
  Text(&t, "RASSH ");
  Text(&t, "SIMTDX  ");
  Le32(&t, 1);
  Text(&t, "RASH");
  Le32(&t, 1);
  t.push_back(kCcTypeTdx);
  t.push_back(0);
  Le16(&t, 0);
  Le64(&t, laml);
  Le64(&t, 0x7f000000);
  uint8_t sum = 0;
  for (uint8_t b : t) sum = static_cast<uint8_t>(sum + b);
  t[9] = static_cast<uint8_t>(0x100 - sum);
  return t;
}

}  // namespace

Status SimBuildCcel(const std::string& kernel, const std::array<uint8_t, 16>& boot_id,
                    SimCcel* out) {
  if (kernel.empty() || kernel.size() > 200 ||
      kernel.find_first_of(std::string("\0\n", 2)) != std::string::npos)
    return Status::Fail("sim-init", "--kernel wants a name of 1 to 200 characters");
  SimCcel c;
  Bytes log;
  SpecIdEvent(&log);
  Bytes sep(4, 0);
  Event(0, kEvEfiAction, TextData("ra-ssh sim firmware boot " + HexEncode(boot_id)), &log, &c.rtmr);
  Event(0, kEvSeparator, sep, &log, &c.rtmr);
  Event(1, kEvIpl, TextData("ra-ssh sim kernel " + kernel), &log, &c.rtmr);
  Event(1, kEvIpl, TextData("ra-ssh sim initrd"), &log, &c.rtmr);
  Event(1, kEvSeparator, sep, &log, &c.rtmr);
  Event(2, kEvIpl, TextData("ra-ssh sim cmdline console=hvc0 root=/dev/vda1 ro"), &log, &c.rtmr);
  Event(3, kEvIpl, TextData("ra-ssh sim runtime"), &log, &c.rtmr);
  if (log.size() > kSimCcelAreaLen) return Status::Fail("sim-init", "sim CCEL log too long");
  log.resize(kSimCcelAreaLen, 0);
  c.table = CcelTableFor(kSimCcelAreaLen);
  c.area = std::move(log);
  *out = std::move(c);
  return Status();
}

}  // namespace ra
