// Verification of an SEV-SNP attestation report under explicit options,
// on objects already parsed (parse/snp_report, parse/snp_cert_table):
//
//   1. the signing key the report names (SIGNING_KEY: VCEK or VLEK, the
//      chip key not masked, SIGNATURE_ALGO ECDSA P-384 SHA-384) is the
//      kind of certificate given ("snp signing key");
//   2. the product: the report's CPUID (v3+), the certificate's
//      productName, the intermediate's name and options.product must not
//      disagree, and one of them must name it ("snp product");
//   3. the chain VCEK/VLEK -> ASK/ASVK -> ARK (verify/amd_cert_chain),
//      the ARK built in for the product unless options.trust_anchors
//      replaces it, the ASK/ASVK from the evidence or built in;
//   4. the report signature: ECDSA P-384 SHA-384 by the certificate's key
//      over bytes 0..0x29F, r and s little-endian ("snp report signature");
//   5. the certificate's TCB extensions equal REPORTED_TCB ("snp vcek tcb"),
//      and for a VCEK its hwID equals CHIP_ID ("snp chip id");
//   6. REPORT_DATA equals the expected binding, in constant time
//      ("snp report data").
//
// The claims (SnpClaims) are what policy/ compares; nothing here judges
// measurements, policy bits or minimum TCBs.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <ctime>
#include <string>
#include <vector>

#include "common/status.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"
#include "verify/x509_util.h"

namespace ra {

struct SnpVerifyOptions {
  std::time_t now = 0;  // certificates and CRLs are judged at this time
  // ARKs replacing the built-in ones (policy "TrustAnchor snp PATH", a
  // simulator's root).  Non-owning; empty: the built-in ARK of the product.
  std::vector<X509*> trust_anchors;
  // CRLs the ARK issued (AMD KDS .../crl), checked for the ASK/ASVK.
  std::vector<X509_CRL*> crls;
  bool require_crl = false;
  // The 64-byte binding REPORT_DATA must equal; nullptr: not checked here
  // (a caller that binds differently, e.g. Azure's runtime-data hash).
  const std::array<uint8_t, 64>* expected_report_data = nullptr;
  // The product when neither the report (v2) nor the certificates name it.
  SnpProduct product = SnpProduct::kUnknown;
};

// The certificates that came with (or were fetched for) a report.
// Non-owning.  intermediate nullptr: the built-in ASK/ASVK of the product.
struct SnpEndorsement {
  X509* key_cert = nullptr;  // VCEK or VLEK
  X509* intermediate = nullptr;
};

// The certificates of a certificate table (or a lone VCEK), owned.
struct SnpCertificates {
  X509Ptr key_cert;
  X509Ptr intermediate;  // may be null
  X509Ptr ark;           // may be null; never trusted, informational only
  SnpEndorsement view() const { return {key_cert.get(), intermediate.get()}; }
};

// VCEK or VLEK, ASK and ARK from a parsed table (DER each).  Fails with
// "snp certs" if neither or both of VCEK and VLEK are there, or one does
// not parse.
Status SnpCertificatesFromTable(const SnpCertTable& table, SnpCertificates* out);
// The same for a report whose SIGNING_KEY is signer: a host with both a
// VCEK and a VLEK may list both (GHCB spec 56421 puts no limit on the
// table's entries), so the report chooses; fails "snp certs" if the one
// it names is absent.  The ASK entry (ASK or ASVK share a GUID) is taken
// only if it names the key certificate's issuer; otherwise the built-in
// intermediate of the product is used.
Status SnpCertificatesFromTable(const SnpCertTable& table, SnpSigningKey signer,
                                SnpCertificates* out);
// A lone VCEK/VLEK, DER or PEM ("snp-vcek" evidence).
Status SnpKeyCertFromBytes(ByteView der_or_pem, X509Ptr* out);

struct SnpClaims {
  SnpReport report;  // every field as signed
  SnpProduct product = SnpProduct::kUnknown;
  SnpSigningKey signer = SnpSigningKey::kVcek;
  SnpTcbParts current_tcb, reported_tcb, committed_tcb, launch_tcb;
  SnpGuestPolicy policy;
  SnpPlatformInfo platform;
  std::string product_name;  // the certificate's productName, if any
  std::string csp_id;        // a VLEK's cloud provider, if any
};

Status VerifySnpReport(const SnpReport& report, const SnpEndorsement& certs,
                       const SnpVerifyOptions& options, SnpClaims* out);

// The ECDSA P-384 SHA-384 signature of a report by key (steps 4 alone).
Status VerifySnpReportSignature(const SnpReport& report, EVP_PKEY* key);

}  // namespace ra
