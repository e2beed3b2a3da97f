// OpenSSL plumbing shared by the verifiers: RAII owners, PEM/DER loading,
// chain verification at an explicit time, raw ECDSA-P256 signatures as
// Intel formats them (r || s, 32 bytes each, big-endian).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "common/openssl_error.h"
#include "common/openssl_ptr.h"
#include "common/status.h"

namespace ra {


// Every certificate in a PEM text (at least one, at most max_certs).
// Text outside PEM blocks (a trailing NUL, say) is ignored.
Status LoadPemCerts(const std::string& pem, const std::string& what,
                    std::vector<X509Ptr>* out, size_t max_certs = 16);
Status LoadPemCertFile(const std::string& path, std::vector<X509Ptr>* out);

// Trust anchors parsed once and shared read-only (X509 objects are
// reference-counted and safe to use from several verifications at once).
// source: the file they came from, so a user can tell they are current.
struct TrustAnchorCerts {
  std::string source;
  std::vector<X509Ptr> certs;
  // DER of each certificate, to recognise a copy of an anchor in evidence
  // without parsing it (see DropAnchorCopies).
  std::vector<Bytes> der;
};

// Fills anchors->der from anchors->certs.
Status FillAnchorDer(TrustAnchorCerts* anchors);

// pem with every PEM CERTIFICATE block but the first whose content is
// byte-identical to one of anchor_der removed.  Such a copy could only
// serve as an untrusted path-building certificate for a certificate the
// verifier already trusts, so dropping it changes no verdict and saves
// parsing it (in a TDX quote: Intel's root, a third of the chain's cost).
// Blocks that are not plain base64 between matching markers are kept.
std::string DropAnchorCopies(const std::string& pem, const std::vector<Bytes>& anchor_der);

// A DER (or PEM) CRL.
Status LoadCrl(ByteView data, const std::string& what, X509CrlPtr* out);

// Verifies leaf up to one of anchors at time now.  untrusted only helps to
// build the path: a self-signed certificate there is never trusted.  With
// CRLs, every certificate in the path must be covered by a current CRL,
// unless missing_crl_ok: then a certificate whose issuer has no CRL among
// crls is not checked for revocation (the CRLs given still are: a
// revoked certificate, or a CRL that is stale or badly signed, refuses).
// check names the failing check in the returned Status.  x509_error (may
// be null) receives OpenSSL's X509_V_ERR_* code of a failed path, so a
// caller can say what fixes it; anchor_used (may be null): the element of
// anchors the path ended in.
Status VerifyCertChain(X509* leaf, const std::vector<X509*>& untrusted,
                       const std::vector<X509*>& anchors,
                       const std::vector<X509_CRL*>& crls, std::time_t now,
                       const std::string& check, int* x509_error = nullptr,
                       X509** anchor_used = nullptr, bool missing_crl_ok = false);

// The public key of cert, which must be EC on P-256.
Status P256KeyOfCert(X509* cert, const std::string& check, EvpPkeyPtr* out);
// An uncompressed P-256 point X || Y (64 bytes); fails if not on the curve.
Status P256KeyFromRaw(ByteView xy, const std::string& check, EvpPkeyPtr* out);

// ECDSA-P256-SHA256 signature sig (r || s, 64 bytes) over msg.
// r||s (each coord_len bytes, big-endian) as a DER ECDSA-Sig-Value.
Status EcdsaRawToDer(ByteView sig, size_t coord_len, const std::string& check, Bytes* der);

Status VerifyEcdsaP256Raw(EVP_PKEY* key, ByteView msg, ByteView sig,
                          const std::string& check);

// "YYYY-MM-DDTHH:MM:SSZ" (Intel collateral dates) to a UTC time_t.
bool ParseIso8601Utc(const std::string& s, std::time_t* out);


}  // namespace ra
