// AMD's SEV-SNP trust anchors, built in (text in amd_roots_pem.cpp).
#pragma once

#include <openssl/x509.h>

#include "common/status.h"
#include "parse/snp_report.h"

namespace ra {

// ASK (or ASVK) then ARK, PEM, each exactly AMD's KDS cert_chain text.
extern const char kAmdMilanVcekChainPem[];
extern const char kAmdMilanVlekChainPem[];
extern const char kAmdGenoaVcekChainPem[];
extern const char kAmdGenoaVlekChainPem[];
extern const char kAmdTurinVcekChainPem[];

// The built-in chain text for a product and signer; nullptr if none is
// built in (unknown product, Turin VLEK).
const char* AmdBuiltinChainPem(SnpProduct product, SnpSigningKey signer);

// The built-in certificates, parsed once and shared read-only (X509 is
// reference counted; the pointers live as long as the process).
// intermediate is the ASK (signer kVcek) or ASVK (kVlek), nullptr when
// none is built in; ark is the product's ARK (the same for both signers).
struct AmdBuiltinCerts {
  X509* intermediate = nullptr;
  X509* ark = nullptr;
};
// Fails ("snp trust anchor") for an unknown product.
Status AmdBuiltinChain(SnpProduct product, SnpSigningKey signer, AmdBuiltinCerts* out);

}  // namespace ra
