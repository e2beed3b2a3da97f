// The certificate table of an SEV-SNP extended report (SNP_GET_EXT_REPORT's
// certs buffer, configfs-tsm's auxblob; layout from AMD's GHCB
// specification, publication 56421, "SNP Extended Guest Request"):
//
//   entries of 24 bytes { GUID 16 (RFC 4122 byte order, as the text
//   reads), offset u32 LE, length u32 LE }, ending with an all-zero entry;
//   offset is from the start of the table, the certificates (DER) follow
//   the table.  The buffer may be padded after the last certificate.
//
// Known GUIDs: VCEK 63da758d-e664-4564-adc5-f4b93be8accd, VLEK
// a8074bc2-a25a-483e-aae6-39c045a0b8a1, ASK (or ASVK)
// 4ab7b379-bbac-4fe4-a02f-05aef327c782, ARK
// c0b406a4-a803-4952-9743-3fb6014cd0ae, CRL
// 92f81bc3-5811-4d3d-97ff-d19f88dc67ea.  Other GUIDs are kept as kOther.
//
// Refused: no terminator within the buffer or kMaxSnpCertEntries, an entry
// with zero length, an entry reaching outside the buffer or into the table,
// two entries that overlap, a GUID twice (except the ASK's, under which a
// host with both a VCEK and a VLEK lists the ASK and the ASVK).  Nothing else is judged:
// whether the certificates parse or chain is verify/'s business.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ra {

constexpr size_t kSnpCertEntryLen = 24;
constexpr size_t kMaxSnpCertEntries = 32;
constexpr size_t kMaxSnpCertTableLen = 64 * 1024;  // 16 pages, more than any host sends

enum class SnpCertKind { kVcek, kVlek, kAsk, kArk, kCrl, kOther };
const char* SnpCertKindName(SnpCertKind k);  // "VCEK", "VLEK", "ASK", ...

using SnpGuid = std::array<uint8_t, 16>;
// The wire bytes of a known kind's GUID (kOther: all zero).
SnpGuid SnpCertKindGuid(SnpCertKind k);

struct SnpCertEntry {
  SnpGuid guid{};
  SnpCertKind kind = SnpCertKind::kOther;
  uint32_t offset = 0;
  uint32_t length = 0;
};

struct SnpCertTable {
  std::vector<SnpCertEntry> entries;  // in table order, terminator excluded
  Bytes blob;                         // the whole buffer the offsets index
  // The first entry of kind k, or nullptr.
  const SnpCertEntry* Find(SnpCertKind k) const;
  // The bytes of an entry (inside blob; valid while the table lives).
  ByteView Data(const SnpCertEntry& e) const {
    return ByteView(blob.data() + e.offset, e.length);
  }
};

// Fails with check "snp cert table".
Status ParseSnpCertTable(ByteView data, SnpCertTable* out);

// Builds a table: entries in the given order, certificates after the
// terminator (for the simulator and tests).
Bytes BuildSnpCertTable(const std::vector<std::pair<SnpGuid, Bytes>>& certs);

}  // namespace ra
