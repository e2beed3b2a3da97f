// One call from evidence bytes to verified claims, for the kind registry:
// `snp-report` with either `snp-certs` (the extended report's certificate
// table) or `snp-vcek` (a DER/PEM VCEK or VLEK alone; the ASK/ASVK then
// comes from the built-in chain of the product).
#pragma once

#include "common/status.h"
#include "verify/snp_report_verifier.h"

namespace ra {

struct SnpEvidence {
  ByteView report;      // 0x4A0 bytes
  ByteView cert_table;  // may be empty
  ByteView key_cert;    // may be empty; used only without a table
  // The ASK/ASVK when the evidence brings none (one fetched from KDS);
  // nullptr: the built-in one of the product.  Non-owning, untrusted.
  X509* intermediate = nullptr;
};

// Parses and verifies; fails "snp certs" when neither certificate source
// is given, otherwise with the failing parse or verify check.
Status VerifySnpEvidence(const SnpEvidence& evidence, const SnpVerifyOptions& options,
                         SnpClaims* out);

}  // namespace ra
