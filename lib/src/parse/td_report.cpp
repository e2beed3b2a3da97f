#include "parse/td_report.h"

#include <cstring>

namespace ra {
namespace {

template <size_t N>
void Copy(const uint8_t* p, size_t off, std::array<uint8_t, N>* out) {
  std::memcpy(out->data(), p + off, N);
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
  Copy(p, 0, &r.report_type);
  Copy(p, 16, &r.cpu_svn);
  Copy(p, 32, &r.tee_tcb_info_hash);
  Copy(p, 80, &r.tee_info_hash);
  Copy(p, 128, &r.body.report_data);
  Copy(p, 224, &r.mac);
  const size_t tcb = kTeeTcbInfoOffset;
  Copy(p, tcb + 8, &r.body.tee_tcb_svn);
  Copy(p, tcb + 24, &r.body.mr_seam);
  Copy(p, tcb + 72, &r.body.mr_signer_seam);
  Copy(p, tcb + 120, &r.body.seam_attributes);
  const size_t td = kTdInfoOffset;
  Copy(p, td, &r.body.td_attributes);
  Copy(p, td + 8, &r.body.xfam);
  Copy(p, td + 16, &r.body.mr_td);
  Copy(p, td + 64, &r.body.mr_config_id);
  Copy(p, td + 112, &r.body.mr_owner);
  Copy(p, td + 160, &r.body.mr_owner_config);
  for (size_t i = 0; i < 4; i++) Copy(p, td + 208 + 48 * i, &r.body.rtmr[i]);
  *out = std::move(r);
  return Status();
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
