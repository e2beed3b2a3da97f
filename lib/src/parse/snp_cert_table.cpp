#include "parse/snp_cert_table.h"

#include <algorithm>
#include <cstring>

#include "common/bytes_util.h"

namespace ra {
namespace {

struct KnownGuid {
  SnpCertKind kind;
  SnpGuid guid;
};

// The GUIDs in RFC 4122 byte order (the order their text is written in).
const KnownGuid kKnown[] = {
    {SnpCertKind::kVcek, {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4,
                          0xb9, 0x3b, 0xe8, 0xac, 0xcd}},
    {SnpCertKind::kVlek, {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39,
                          0xc0, 0x45, 0xa0, 0xb8, 0xa1}},
    {SnpCertKind::kAsk, {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05,
                         0xae, 0xf3, 0x27, 0xc7, 0x82}},
    {SnpCertKind::kArk, {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f,
                         0xb6, 0x01, 0x4c, 0xd0, 0xae}},
    {SnpCertKind::kCrl, {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d, 0x97, 0xff, 0xd1,
                         0x9f, 0x88, 0xdc, 0x67, 0xea}},
};

SnpCertKind KindOf(const SnpGuid& g) {
  for (const KnownGuid& k : kKnown)
    if (k.guid == g) return k.kind;
  return SnpCertKind::kOther;
}

Status Fail(const std::string& detail) { return Status::Fail("snp cert table", detail); }

void PutLe32(uint32_t v, Bytes* out) {
  for (int i = 0; i < 4; i++) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Reads entries up to the terminator.
Status ReadEntries(ByteView data, std::vector<SnpCertEntry>* out, size_t* table_end) {
  for (size_t i = 0;; i++) {
    size_t at = i * kSnpCertEntryLen;
    if (i > kMaxSnpCertEntries)
      return Fail("no terminator within " + std::to_string(kMaxSnpCertEntries) + " entries");
    if (at > data.size || data.size - at < kSnpCertEntryLen)
      return Fail("no all-zero terminator entry within the buffer");
    const uint8_t* p = data.data + at;
    SnpCertEntry e;
    std::memcpy(e.guid.data(), p, 16);
    e.offset = LoadLe32(p + 16);
    e.length = LoadLe32(p + 20);
    bool zero_guid = std::all_of(e.guid.begin(), e.guid.end(), [](uint8_t b) { return b == 0; });
    if (zero_guid) {
      if (e.offset != 0 || e.length != 0)
        return Fail("entry " + std::to_string(i) + ": zero GUID with an offset or length");
      *table_end = at + kSnpCertEntryLen;
      return Status();
    }
    e.kind = KindOf(e.guid);
    out->push_back(e);
  }
}

Status CheckEntries(const std::vector<SnpCertEntry>& entries, size_t table_end,
                    size_t size) {
  for (size_t i = 0; i < entries.size(); i++) {
    const SnpCertEntry& e = entries[i];
    const std::string which = "entry " + std::to_string(i) + " (" + SnpCertKindName(e.kind) + ")";
    if (e.length == 0) return Fail(which + ": zero length");
    if (e.offset < table_end) return Fail(which + ": data overlaps the table");
    if (e.offset > size || e.length > size - e.offset)
      return Fail(which + ": data outside the " + std::to_string(size) + "-byte buffer");
    for (size_t j = 0; j < i; j++) {
      const SnpCertEntry& o = entries[j];
      // The ASK GUID names the ASK or the ASVK: a host with both a VCEK
      // and a VLEK may list both intermediates under it.
      if (e.kind != SnpCertKind::kOther && e.kind != SnpCertKind::kAsk && e.kind == o.kind)
        return Fail(which + ": a second " + SnpCertKindName(e.kind));
      if (e.guid == o.guid && e.kind != SnpCertKind::kAsk)
        return Fail(which + ": GUID repeated");
      uint64_t e_end = uint64_t{e.offset} + e.length, o_end = uint64_t{o.offset} + o.length;
      if (e.offset < o_end && o.offset < e_end)
        return Fail(which + ": data overlaps entry " + std::to_string(j));
    }
  }
  return Status();
}

}  // namespace

const char* SnpCertKindName(SnpCertKind k) {
  switch (k) {
    case SnpCertKind::kVcek: return "VCEK";
    case SnpCertKind::kVlek: return "VLEK";
    case SnpCertKind::kAsk: return "ASK";
    case SnpCertKind::kArk: return "ARK";
    case SnpCertKind::kCrl: return "CRL";
    default: return "other";
  }
}

SnpGuid SnpCertKindGuid(SnpCertKind k) {
  for (const KnownGuid& g : kKnown)
    if (g.kind == k) return g.guid;
  return SnpGuid{};
}

const SnpCertEntry* SnpCertTable::Find(SnpCertKind k) const {
  for (const SnpCertEntry& e : entries)
    if (e.kind == k) return &e;
  return nullptr;
}

Status ParseSnpCertTable(ByteView data, SnpCertTable* out) {
  if (data.size > kMaxSnpCertTableLen)
    return Fail("length " + std::to_string(data.size) + " over " +
                std::to_string(kMaxSnpCertTableLen));
  SnpCertTable t;
  size_t table_end = 0;
  RA_RETURN_IF_ERROR(ReadEntries(data, &t.entries, &table_end));
  RA_RETURN_IF_ERROR(CheckEntries(t.entries, table_end, data.size));
  t.blob.assign(data.data, data.data + data.size);
  *out = std::move(t);
  return Status();
}

Bytes BuildSnpCertTable(const std::vector<std::pair<SnpGuid, Bytes>>& certs) {
  Bytes out;
  size_t offset = (certs.size() + 1) * kSnpCertEntryLen;
  for (const auto& c : certs) {
    out.insert(out.end(), c.first.begin(), c.first.end());
    PutLe32(static_cast<uint32_t>(offset), &out);
    PutLe32(static_cast<uint32_t>(c.second.size()), &out);
    offset += c.second.size();
  }
  out.resize(out.size() + kSnpCertEntryLen, 0);
  for (const auto& c : certs) out.insert(out.end(), c.second.begin(), c.second.end());
  return out;
}

}  // namespace ra
