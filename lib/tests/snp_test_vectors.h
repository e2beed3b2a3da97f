// Shared by the SEV-SNP tests: the real reports in tests/vectors/snp,
// their certificates and pinned verification times.  A missing vector
// fails the test (ADD_FAILURE), it never skips.
#pragma once

#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "parse/snp_report.h"
#include "tdx_test_vectors.h"
#include "verify/snp_report_verifier.h"

namespace ra_snp_test {

using ra_tdx_test::ReadVector;
using ra_tdx_test::Utc;

struct SnpVector {
  const char* report;
  const char* cert;  // VCEK or VLEK, DER or PEM
  uint32_t version;
  uint32_t vmpl;
  ra::SnpProduct product;
  ra::SnpSigningKey signer;
  std::time_t pinned;  // inside the certificate's validity (and the ASK's)
};

inline std::vector<SnpVector> AllSnpVectors() {
  using P = ra::SnpProduct;
  using K = ra::SnpSigningKey;
  return {
      {"snp/gosev_milan_report.bin", "snp/gosev_milan_vcek.der", 2, 0, P::kMilan, K::kVcek,
       Utc(2025, 6, 1)},
      {"snp/trustee_milan_report.bin", "snp/trustee_milan_vcek.der", 2, 0, P::kMilan, K::kVcek,
       Utc(2025, 6, 1)},
      {"snp/trustee_vlek_report_v3.bin", "snp/trustee_vlek.der", 3, 1, P::kMilan, K::kVlek,
       Utc(2025, 6, 1)},
      {"snp/trustee_azure_genoa_report_v3.bin", "snp/trustee_azure_genoa_vcek.pem", 3, 0,
       P::kGenoa, K::kVcek, Utc(2025, 6, 1)},
      {"snp/teekit_gcp_milan_report_v5.bin", "snp/teekit_gcp_milan_vcek.pem", 5, 0, P::kMilan,
       K::kVcek, Utc(2026, 7, 1)},
      {"snp/dstack_milan_report_v3.bin", "snp/dstack_milan_vcek.pem", 3, 0, P::kMilan, K::kVcek,
       Utc(2026, 7, 1)},
  };
}

inline ra::X509Ptr LoadKeyCert(const std::string& rel) {
  ra::Bytes b = ReadVector(rel);
  ra::X509Ptr c;
  ra::Status s = ra::SnpKeyCertFromBytes(b, &c);
  if (!s.ok()) ADD_FAILURE() << rel << ": " << s.message();
  return c;
}

// A report and the certificate of the key that signs it (or, in the
// negative tests, of a key that does not).
struct SignedReport {
  ra::Bytes report;
  ra::X509Ptr cert;
};
inline SignedReport LoadReport(const std::string& report, const std::string& cert) {
  return {ReadVector(report), LoadKeyCert(cert)};
}

inline ra::Status ParseAndVerify(const ra::Bytes& report, X509* cert,
                                 const ra::SnpVerifyOptions& o, ra::SnpClaims* claims = nullptr) {
  ra::SnpReport r;
  RA_RETURN_IF_ERROR(ra::ParseSnpReport(report, &r));
  ra::SnpEndorsement e;
  e.key_cert = cert;
  return ra::VerifySnpReport(r, e, o, claims);
}

inline uint32_t Le32At(const ra::Bytes& b, size_t off) {
  return static_cast<uint32_t>(b[off]) | static_cast<uint32_t>(b[off + 1]) << 8 |
         static_cast<uint32_t>(b[off + 2]) << 16 | static_cast<uint32_t>(b[off + 3]) << 24;
}

}  // namespace ra_snp_test
