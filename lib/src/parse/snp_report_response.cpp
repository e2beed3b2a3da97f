#include "parse/snp_report_response.h"

#include "common/bytes_util.h"

namespace ra {

Status ParseSnpReportResponse(ByteView data, SnpReportResponse* out) {
  constexpr const char* kCheck = "snp report response";
  if (data.size < kSnpReportRespHeaderLen)
    return Status::Fail(kCheck, "response of " + std::to_string(data.size) +
                                    " bytes is shorter than its 32-byte header");
  SnpReportResponse r;
  r.status = LoadLe32(data.data);
  r.report_size = LoadLe32(data.data + 4);
  if (r.report_size > data.size - kSnpReportRespHeaderLen)
    return Status::Fail(kCheck, "REPORT_SIZE " + std::to_string(r.report_size) +
                                    " exceeds the " +
                                    std::to_string(data.size - kSnpReportRespHeaderLen) +
                                    " bytes after the header");
  r.report = ByteView(data.data + kSnpReportRespHeaderLen, r.report_size);
  *out = r;
  return Status();
}

}  // namespace ra
