// AMD's SEV-SNP certificate chain: VCEK (or VLEK) -> ASK (or ASVK) -> ARK.
// Every link RSASSA-PSS with SHA-384 (AMD signs nothing else), the ARK
// self-signed, every certificate valid at the caller's time, the path
// exactly three certificates long, optionally the intermediate checked
// against a CRL the ARK signed (AMD KDS /{vcek,vlek}/v1/{product}/crl).
#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <vector>

#include "common/status.h"

namespace ra {

struct AmdChainInput {
  X509* key_cert = nullptr;      // VCEK or VLEK (untrusted)
  X509* intermediate = nullptr;  // ASK or ASVK (untrusted)
  // Acceptable ARKs (trusted): the built-in one of the product, or the
  // caller's (a simulator's).  Non-owning.
  std::vector<X509*> anchors;
  std::vector<X509_CRL*> crls;  // issued by the ARK; may be empty
  bool require_crl = false;
  std::time_t now = 0;
};

// Fails with check "snp cert chain" (signature, path, validity, algorithm),
// "snp ark" (anchor not a self-signed RSA-PSS certificate) or "snp crl".
// On success *ark_out (if given) is the anchor the chain ended in.
Status VerifyAmdCertChain(const AmdChainInput& in, X509** ark_out);

}  // namespace ra
