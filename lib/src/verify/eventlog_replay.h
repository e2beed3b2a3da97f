// Replaying a parsed TCG event log (parse/tcg_eventlog.h) into the
// registers it explains, and comparing the result with quoted values:
//   TPM: per bank, PCR = H(PCR || digest) for every event but EV_NO_ACTION;
//     PCRs start at zero (17..22 at all 0xFF, PC Client PTP), PCR 0 at
//     zero bytes ending in the locality when a StartupLocality EV_NO_ACTION
//     comes before PCR 0's first extend (PFP 10.4.5.3);
//   TDX CCEL: MR index n in 1..4 extends RTMR n-1 with SHA-384; index 0
//     (MRTD) is measured by the TDX module and not replayed.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "parse/tcg_eventlog.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_pcrs.h"

namespace ra {

struct ReplayedPcrs {
  uint16_t hash_alg = 0;
  std::array<Bytes, kTpmMaxPcrs> value;  // each of the bank's digest size
  uint32_t extended = 0;                 // bit n: the log extends PCR n
  bool has_startup_locality = false;
  uint8_t startup_locality = 0;
};

// Every event (but EV_NO_ACTION) must carry a hash_alg digest and name a
// PCR below kTpmMaxPcrs; hash_alg must be one OpenSSL computes.
Status ReplayTcgEventLog(const TcgEventLog& log, uint16_t hash_alg, ReplayedPcrs* out);

// For each PCR in pcr_indices: quoted[replayed.hash_alg][pcr] exists and
// equals the replayed value (a PCR the log never extends must still be at
// its initial value).  Refusals name the PCR and the bank.
Status CheckReplayedPcrs(const ReplayedPcrs& replayed, const TpmPcrValues& quoted,
                         const std::vector<uint32_t>& pcr_indices);

// The PCRs the log extends, ascending.
std::vector<uint32_t> ExtendedPcrs(const ReplayedPcrs& replayed);

// Whether e's digest for alg is the hash of its data, for the event types
// whose data is what was measured (PFP 10.4.1), so that decoded data can
// be trusted as far as the replay is: EV_SEPARATOR, EV_EFI_ACTION,
// EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_AUTHORITY (the whole
// UEFI_VARIABLE_DATA), EV_EFI_VARIABLE_BOOT/BOOT2 (the whole structure,
// or VariableData only as much firmware measures it).  Other types are
// refused ("not checkable"): their digest covers something else (an
// image, a table in memory).
Status CheckTcgEventDataDigest(const TcgEvent& e, uint16_t alg);

// The SecureBoot EFI variable (EFI global variable GUID) of the last such
// EV_EFI_VARIABLE_DRIVER_CONFIG event in PCR 7, its data checked against
// its alg digest: *enabled is data == {1}.  No such event is an error.
Status EfiSecureBootEnabled(const TcgEventLog& log, uint16_t alg, bool* enabled);

using Rtmr = std::array<uint8_t, 48>;

// RTMR0..3 from a CCEL log.  Events with MR index 0 are skipped, MR
// indices above 4 and events without a SHA-384 digest refused.
Status ReplayCcelRtmrs(const TcgEventLog& log, std::array<Rtmr, 4>* out);

// replayed equals quoted, register by register (names the first RTMR
// that differs).
Status CheckReplayedRtmrs(const std::array<Rtmr, 4>& replayed,
                          const std::array<Rtmr, 4>& quoted);

}  // namespace ra
