// The evidence item types an SEV-SNP provider emits, under the names the
// providers (configfs-tsm, sev-guest) have used; the names themselves are
// the registry's (ra_attest.h, common/evidence.h; kind verify/snp_kind).
//
//   snp-report  the ATTESTATION_REPORT exactly as firmware returned it,
//               kSnpReportLen (0x4A0) bytes.
//   snp-certs   the extended report's certificate table (GUID table, then
//               DER certificates; parse/snp_cert_table), as the host
//               supplied it, at most kMaxSnpCertTableLen bytes.  Absent
//               when the host supplies no certificates (the verifier then
//               needs a VCEK from elsewhere, e.g. AMD KDS).
#pragma once

#include "common/evidence.h"

namespace ra {

constexpr const char* kSnpReportItemType = kEvidenceSnpReport;
constexpr const char* kSnpCertsItemType = kEvidenceSnpCerts;

}  // namespace ra
