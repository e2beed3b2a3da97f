// The Linux IMA measurement list (Documentation/security/IMA-templates.rst,
// security/integrity/ima/ima_fs.c), in both forms the kernel exports:
//
//   binary (binary_runtime_measurements[_ALG]), per entry, integers in the
//   host's byte order (little-endian here: x86, arm64, or any host with
//   ima_canonical_fmt):
//     pcr u32, template hash [digest_len] (SHA-1 in the classic list, that
//     bank's hash in binary_runtime_measurements_sha256 etc.), template
//     name length u32 + name, template data length u32 + template data
//     (for every template but the legacy "ima": a sequence of fields, each
//     a u32 length and its bytes);
//   ASCII (ascii_runtime_measurements): "PCR HASH TEMPLATE FIELD..." per
//     line, fields separated by one space.
//
// Templates decoded (their fields split and checked; the file digest and
// name taken out): ima-ng (d-ng "ALG:" NUL digest, n-ng name NUL),
// ima-sig (+ sig), ima-buf (+ buf), ima-modsig (+ sig, d-modsig, modsig),
// ima-ngv2 / ima-sigv2 (d-ngv2 "ima:ALG:" or "verity:ALG:" NUL digest),
// evm-sig, and templates named by their format ("d-ng|n-ng|sig|iuid",
// ima_template_fmt=).  The legacy "ima" template is refused (its template
// hash pads the name; no kernel has produced it by default since 3.13).
// Other templates are carried (their template data is what the replay
// hashes) but not decoded.  Structure only; template hashes are checked
// and PCRs replayed in verify/ima_replay.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ra {

// About 100,000 entries of 100-200 bytes.
constexpr size_t kMaxImaLogLen = 16 * 1024 * 1024;
// A built-in template's name is at most IMA_TEMPLATE_NAME_LEN_MAX (15);
// an entry of a template given as a format (ima_template_fmt=) is named
// by the format: up to IMA_TEMPLATE_NUM_FIELDS_MAX (15) field ids of up
// to IMA_TEMPLATE_FIELD_ID_MAX_LEN (16) characters, '|'-separated.
constexpr size_t kMaxImaTemplateNameLen = 15 * 16 + 14;
// ima-buf carries small buffers (kexec command lines, keys); signatures
// are at most a few KiB.
constexpr size_t kMaxImaTemplateDataLen = 256 * 1024;

// Where a decoded field lies in an entry's template data.
struct ImaSpan {
  uint32_t offset = 0;
  uint32_t len = 0;
};

struct ImaEntry {
  uint32_t pcr = 0;
  Bytes template_hash;  // all zeros: a violation (the PCR got 0xFF..FF)
  std::string template_name;
  Bytes template_data;  // exactly the bytes the template hash covers
  // Decoded (decoded == true) when the template has a file digest and
  // name.  The parser records where each field lies in template_data
  // rather than copying it (a 10,000-entry list then costs two
  // allocations per entry); the accessors copy.
  bool decoded = false;
  ImaSpan alg_span, digest_span, name_span, sig_span, buf_span;
  std::string digest_alg() const;  // "sha1", "sha256", ...; "verity:sha256" (d-ngv2)
  Bytes file_digest() const;
  std::string file_name() const;   // n-ng without its NUL
  Bytes signature() const;         // sig (may be empty)
  Bytes buf() const;               // ima-buf's buf
  bool violation() const;
};

struct ImaLog {
  size_t template_hash_len = 0;
  std::vector<ImaEntry> entries;
};

// template_hash_len: 20 for binary_runtime_measurements, else the size of
// the list's algorithm.
Status ParseImaBinaryLog(ByteView in, size_t template_hash_len, ImaLog* out);

// A binary list of any of the kernel's forms: binary_runtime_measurements
// (SHA-1 template hashes) or binary_runtime_measurements_ALG (Linux 6.9+:
// the SHA-256, SHA-384 or SHA-512 bank's), the first template hash
// length (20, 32, 48, 64) the whole list parses with.  Fails with the
// classic list's error when none does.
Status ParseImaBinaryLogAnyHash(ByteView in, ImaLog* out);

// The template hash length is taken from the first line (every line must
// agree).  Template data is rebuilt as the kernel lays it out, so the
// result replays and hashes exactly as the binary list would.
Status ParseImaAsciiLog(const std::string& text, ImaLog* out);

// The binary list the kernel would export for these entries (the inverse
// of ParseImaBinaryLog), for tests and the fuzzer's round trip.
inline Bytes ImaLogToBinary(const ImaLog& log) {
  Bytes b;
  auto put32 = [&b](size_t v) {
    for (int i = 0; i < 4; i++) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  for (const auto& e : log.entries) {
    put32(e.pcr);
    b.insert(b.end(), e.template_hash.begin(), e.template_hash.end());
    put32(e.template_name.size());
    b.insert(b.end(), e.template_name.begin(), e.template_name.end());
    put32(e.template_data.size());
    b.insert(b.end(), e.template_data.begin(), e.template_data.end());
  }
  return b;
}

}  // namespace ra
