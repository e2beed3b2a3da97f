#include "parse/td_report.h"

#include <cstring>

namespace ra {
namespace {

// Every field TdReport keeps, as visit(offset, field): the one table of
// offsets, read by the parser and the writer alike.
template <typename Report, typename Visit>
void ForEachField(Report& r, Visit visit) {
  visit(0, r.report_type);
  visit(16, r.cpu_svn);
  visit(32, r.tee_tcb_info_hash);
  visit(80, r.tee_info_hash);
  visit(128, r.body.report_data);
  visit(224, r.mac);
  const size_t tcb = kTeeTcbInfoOffset;
  visit(tcb, r.tee_tcb_info_valid);
  visit(tcb + 8, r.body.tee_tcb_svn);
  visit(tcb + 24, r.body.mr_seam);
  visit(tcb + 72, r.body.mr_signer_seam);
  visit(tcb + 120, r.body.seam_attributes);
  const size_t td = kTdInfoOffset;
  visit(td, r.body.td_attributes);
  visit(td + 8, r.body.xfam);
  visit(td + 16, r.body.mr_td);
  visit(td + 64, r.body.mr_config_id);
  visit(td + 112, r.body.mr_owner);
  visit(td + 160, r.body.mr_owner_config);
  for (size_t i = 0; i < 4; i++) visit(td + 208 + 48 * i, r.body.rtmr[i]);
}

template <size_t N>
void Append(Bytes* b, const std::array<uint8_t, N>& a) {
  b->insert(b->end(), a.begin(), a.end());
}

}  // namespace

Status ParseTdReport(ByteView data, TdReport* out) {
  if (data.size != kTdReportStructLen)
    return Status::Fail("td report", "length " + std::to_string(data.size) + ", want " +
                                         std::to_string(kTdReportStructLen));
  const uint8_t* p = data.data;
  if (p[0] != kTdReportTypeTdx)
    return Status::Fail("td report", "report type " + std::to_string(p[0]) + " is not TDX");
  TdReport r;
  ForEachField(r, [p](size_t off, auto& field) {
    std::memcpy(field.data(), p + off, field.size());
  });
  *out = std::move(r);
  return Status();
}

Bytes TdReportStruct(const TdReport& report) {
  Bytes out(kTdReportStructLen, 0);
  ForEachField(report, [&out](size_t off, const auto& field) {
    std::memcpy(out.data() + off, field.data(), field.size());
  });
  return out;
}

Bytes TdQuoteBody10(const TdReportBody& b) {
  Bytes out;
  out.reserve(kTdxBody10Len);
  Append(&out, b.tee_tcb_svn);
  Append(&out, b.mr_seam);
  Append(&out, b.mr_signer_seam);
  Append(&out, b.seam_attributes);
  Append(&out, b.td_attributes);
  Append(&out, b.xfam);
  Append(&out, b.mr_td);
  Append(&out, b.mr_config_id);
  Append(&out, b.mr_owner);
  Append(&out, b.mr_owner_config);
  for (const auto& r : b.rtmr) Append(&out, r);
  Append(&out, b.report_data);
  return out;
}

}  // namespace ra
