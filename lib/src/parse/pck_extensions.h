// The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1):
// the platform's TCB (16 component SVNs, PCESVN, CPUSVN), PCE-ID and FMSPC.
// Read with a small bounded DER walker: the certificate is untrusted input
// when `ssh-attest inspect` calls this, and only trusted after verify/ has
// chained it to the root.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <openssl/x509.h>

#include "common/status.h"

namespace ra {

struct PckExtensions {
  std::array<uint8_t, 16> tcb_comp_svn{};
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
};

// der: the extension's value (contents of its OCTET STRING).
Status ParsePckSgxExtension(ByteView der, PckExtensions* out);

// A DER-encoded certificate; fails if the SGX extension is absent.
Status PckExtensionsFromCertDer(ByteView cert_der, PckExtensions* out);
// From a certificate already parsed (the verifier's PCK leaf).
Status PckExtensionsFromX509(X509* cert, PckExtensions* out);

// The first certificate of a PEM chain (the PCK leaf in a quote).
Status PckExtensionsFromPem(const std::string& pem, PckExtensions* out);

}  // namespace ra
