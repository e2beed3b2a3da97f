// The evidence item types an SEV-SNP provider emits.  Defined once here so
// providers (configfs-tsm, sev-guest) and tests agree; the kind registry
// will own these names (and map them to VerifySnpEvidence) when SEV-SNP
// becomes a registered kind.
//
//   snp-report  the ATTESTATION_REPORT exactly as firmware returned it,
//               kSnpReportLen (0x4A0) bytes.
//   snp-certs   the extended report's certificate table (GUID table, then
//               DER certificates; parse/snp_cert_table), as the host
//               supplied it, at most kMaxSnpCertTableLen bytes.  Absent
//               when the host supplies no certificates (the verifier then
//               needs a VCEK from elsewhere, e.g. AMD KDS).
#pragma once

namespace ra {

constexpr const char* kSnpReportItemType = "snp-report";
constexpr const char* kSnpCertsItemType = "snp-certs";

}  // namespace ra
