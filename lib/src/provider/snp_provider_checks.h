// What every SEV-SNP provider checks before evidence leaves sshd's
// monitor: the report is one (ParseSnpReport) and was made over the
// binding; a report over other data would only be refused by the client,
// after the session, far from the cause.
#pragma once

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

// Fails with `check` (the provider's name): "...: snp report: ..." when the
// report does not parse, "REPORT_DATA is not the binding" when it does not
// carry the binding.
Status CheckSnpReportForBinding(const char* check, ByteView report, const Binding& binding);

}  // namespace ra
