// PCR values as the `tpm-pcrs` evidence item carries them: a JSON object
// of banks, each an object of PCR index (decimal, no leading zeros, 0..31)
// to the value in hex,
//   {"sha256": {"0": "HEX", "7": "HEX"}, "sha384": {...}}
// Structure only: known bank names (sha1, sha256, sha384, sha512), each
// once; each value exactly the bank's digest size; no duplicate members.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace ra {

// The item comes from the peer: 4 banks x 32 PCRs of SHA-512 in hex is
// under 10 KiB.
constexpr size_t kMaxTpmPcrsJsonLen = 16 * 1024;

// bank (TPM_ALG_ID) -> PCR index -> value.
using TpmPcrValues = std::map<uint16_t, std::map<uint32_t, Bytes>>;

Status ParseTpmPcrsJson(const std::string& text, TpmPcrValues* out);

// The inverse, compact, banks and PCRs in ascending order.
std::string TpmPcrsToJson(const TpmPcrValues& pcrs);

}  // namespace ra
