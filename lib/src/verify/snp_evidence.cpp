#include "verify/snp_evidence.h"

#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"

namespace ra {

Status VerifySnpEvidence(const SnpEvidence& e, const SnpVerifyOptions& options,
                         SnpClaims* out) {
  SnpReport report;
  RA_RETURN_IF_ERROR(ParseSnpReport(e.report, &report));
  SnpCertificates certs;
  if (e.cert_table.size > 0) {
    SnpCertTable table;
    RA_RETURN_IF_ERROR(ParseSnpCertTable(e.cert_table, &table));
    RA_RETURN_IF_ERROR(SnpCertificatesFromTable(
        table, static_cast<SnpSigningKey>(report.signing_key), &certs));
  } else if (e.key_cert.size > 0) {
    RA_RETURN_IF_ERROR(SnpKeyCertFromBytes(e.key_cert, &certs.key_cert));
  } else {
    return Status::Fail("snp certs", "neither a certificate table nor a VCEK/VLEK");
  }
  SnpEndorsement view = certs.view();
  if (!view.intermediate) view.intermediate = e.intermediate;
  return VerifySnpReport(report, view, options, out);
}

}  // namespace ra
