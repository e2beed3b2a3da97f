// Kind azure-snp-report: the SNP attestation report of an Azure SEV-SNP
// confidential VM, taken from its HCL report (vTPM NV 0x01400001, bytes
// 0x20..0x4C0).  The paravisor, not the guest, asks for it, so REPORT_DATA
// is not the binding: REPORT_DATA[0:32] = SHA-256 of the runtime JSON
// (companion azure-runtime-data, the exact bytes hashed), whose
// "user-data" is the binding (or SHA-512 of it, common/user_data_binding.h).
// Verification as snp-report otherwise: certificates from snp-certs (the
// provider builds the table from Azure's THIM answer) or snp-vcek, else
// SnpKds; chain to AMD's built-in ARK or "TrustAnchor snp"; appraisal with
// the SNP section.  An own type, so that it never passes as snp-report.
#pragma once

#include "common/evidence.h"

namespace ra {

const EvidenceKind* AzureSnpReportKind();

// REPORT_DATA[0:32] of report_data is SHA-256(runtime_json) ("report data
// binding"), and the runtime JSON's user-data matches binding when given
// ("runtime data binding").  *user_data: the user-data; *how as
// UserDataMatchesBinding's.
Status CheckAzureRuntimeBinding(ByteView report_data, ByteView runtime_json,
                                const Binding* binding, Bytes* user_data, const char** how);

}  // namespace ra
