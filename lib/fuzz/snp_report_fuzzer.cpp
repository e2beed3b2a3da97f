// libFuzzer target: the SEV-SNP attestation report (ra::ParseSnpReport)
// and the extended report's certificate table (ra::ParseSnpCertTable) on
// arbitrary bytes.  Both parsers get every input; a report that parses has
// its TCB decoded for every product too.  Seeds: the real reports in
// tests/vectors/snp and tables built around the VCEKs there.
//
// Invariants (abort on violation), re-derived from the input bytes rather
// than taken from the parser: an accepted report is 0x4A0 bytes of
// version 2 to 5 whose fields are the bytes at the spec's offsets and
// whose MBZ ranges are zero (v4's 0x1F8..0x207 not being one); an
// accepted table's entries lie inside the buffer, after the table,
// pairwise disjoint, non-empty, terminated by an all-zero entry; failures
// name their check and say why.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_checks.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"

namespace {

using fuzz::CheckFailureIs;
using fuzz::Die;

uint64_t Le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

bool Zero(const uint8_t* p, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (p[i]) return false;
  return true;
}

void CheckReport(const uint8_t* d, size_t size, const ra::SnpReport& r) {
  if (size != 0x4A0) Die("accepted " + std::to_string(size) + " bytes");
  const uint32_t v = static_cast<uint32_t>(Le(d, 4));
  if (v < 2 || v > 5) Die("accepted version " + std::to_string(v));
  if (r.version != v || r.guest_svn != Le(d + 4, 4) || r.policy != Le(d + 8, 8) ||
      r.vmpl != Le(d + 0x30, 4) || r.signature_algo != Le(d + 0x34, 4) ||
      r.current_tcb != Le(d + 0x38, 8) || r.platform_info != Le(d + 0x40, 8) ||
      r.reported_tcb != Le(d + 0x180, 8) || r.committed_tcb != Le(d + 0x1E0, 8) ||
      r.launch_tcb != Le(d + 0x1F0, 8) || r.signing_key != ((d[0x48] >> 2) & 7))
    Die("an integer field differs from its bytes");
  if (memcmp(r.report_data.data(), d + 0x50, 64) || memcmp(r.measurement.data(), d + 0x90, 48) ||
      memcmp(r.chip_id.data(), d + 0x1A0, 64) || memcmp(r.signature_r.data(), d + 0x2A0, 72) ||
      memcmp(r.signature_s.data(), d + 0x2E8, 72) || memcmp(r.raw.data(), d, 0x4A0))
    Die("a byte field differs from its bytes");
  if (!Zero(d, 0x4C, 0x50) || !Zero(d, v >= 3 ? 0x18B : 0x188, 0x1A0) ||
      !Zero(d, v >= 4 ? 0x208 : 0x1F8, 0x2A0) || !Zero(d, 0x2A0 + 144, 0x4A0) ||
      d[0x1EB] || d[0x1EF] || (d[0x48] & 0xE0) || d[0x49] || d[0x4A] || d[0x4B])
    Die("accepted a nonzero MBZ byte");
  if (r.has_mit_vectors != (v >= 5) || r.has_cpuid != (v >= 3))
    Die("version-dependent fields disagree with the version");
  for (ra::SnpProduct p : {ra::SnpProduct::kMilan, ra::SnpProduct::kGenoa, ra::SnpProduct::kTurin}) {
    ra::SnpTcbParts t;
    if (ra::DecodeSnpTcb(r.reported_tcb, p, &t).ok() &&
        ra::EncodeSnpTcb(t, p) != r.reported_tcb)
      Die("a decoded TCB does not encode back");
  }
}

void CheckTable(const uint8_t* d, size_t size, const ra::SnpCertTable& t) {
  const size_t table_end = (t.entries.size() + 1) * ra::kSnpCertEntryLen;
  if (table_end > size || !Zero(d, table_end - ra::kSnpCertEntryLen, table_end))
    Die("accepted a table without its all-zero terminator");
  if (t.blob.size() != size || memcmp(t.blob.data(), d, size)) Die("blob is not the input");
  for (size_t i = 0; i < t.entries.size(); i++) {
    const ra::SnpCertEntry& e = t.entries[i];
    const uint8_t* p = d + i * ra::kSnpCertEntryLen;
    if (memcmp(e.guid.data(), p, 16) || e.offset != Le(p + 16, 4) || e.length != Le(p + 20, 4))
      Die("an entry differs from its bytes");
    if (Zero(p, 0, 16)) Die("accepted a zero GUID before the terminator");
    if (e.length == 0 || e.offset < table_end || uint64_t{e.offset} + e.length > size)
      Die("accepted an entry outside the data area");
    for (size_t j = 0; j < i; j++) {
      const ra::SnpCertEntry& o = t.entries[j];
      if (e.offset < uint64_t{o.offset} + o.length && o.offset < uint64_t{e.offset} + e.length)
        Die("accepted overlapping entries");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::SnpReport r;
  ra::Status s = ra::ParseSnpReport(ra::ByteView(data, size), &r);
  CheckFailureIs(s, "snp report");
  if (s.ok()) CheckReport(data, size, r);

  ra::SnpCertTable t;
  s = ra::ParseSnpCertTable(ra::ByteView(data, size), &t);
  CheckFailureIs(s, "snp cert table");
  if (s.ok()) CheckTable(data, size, t);
  return 0;
}
