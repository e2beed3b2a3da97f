#include "provider/snp_provider_checks.h"

#include <openssl/crypto.h>

#include "parse/snp_report.h"

namespace ra {

Status CheckSnpReportForBinding(const char* check, ByteView report, const Binding& binding) {
  SnpReport parsed;
  Status s = ParseSnpReport(report, &parsed);
  if (!s.ok()) return Status::Fail(check, "report: " + s.message());
  static_assert(sizeof(parsed.report_data) == sizeof(Binding), "binding is REPORT_DATA");
  if (CRYPTO_memcmp(parsed.report_data.data(), binding.data(), binding.size()) != 0)
    return Status::Fail(check, "report: REPORT_DATA is not the binding asked for");
  return Status();
}

}  // namespace ra
