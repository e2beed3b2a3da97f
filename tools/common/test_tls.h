// A throwaway TLS identity for the loopback test servers: a test CA and a
// server certificate for 127.0.0.1/localhost signed by it, kept in a
// directory (ca.pem, ca.key, server.pem, server.key) and made on first use.
// Clients trust ca.pem explicitly; nothing here is ever a system anchor.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include "loopback_server.h"

namespace tools {

struct TlsPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct TlsX509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using TlsPkey = std::unique_ptr<EVP_PKEY, TlsPkeyFree>;
using TlsCert = std::unique_ptr<X509, TlsX509Free>;

inline void TlsAddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext || X509_add_ext(cert, ext, -1) != 1) Die("cannot add certificate extension");
  X509_EXTENSION_free(ext);
}

// A certificate for key, signed by issuer_key (self-signed without issuer).
// san (e.g. "IP:127.0.0.1"), if given, makes it a TLS server certificate.
inline TlsCert TlsMakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                           bool ca, const char* san) {
  TlsCert c(X509_new());
  X509_set_version(c.get(), 2);
  uint8_t serial[8];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -86400);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 365L * 86400);
  X509_NAME* n = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : n);
  X509_set_pubkey(c.get(), key);
  X509* iss = issuer ? issuer : c.get();
  TlsAddExt(c.get(), iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  TlsAddExt(c.get(), iss, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  TlsAddExt(c.get(), iss, NID_subject_key_identifier, "hash");
  if (issuer) TlsAddExt(c.get(), iss, NID_authority_key_identifier, "keyid");
  if (san) {
    TlsAddExt(c.get(), iss, NID_subject_alt_name, san);
    TlsAddExt(c.get(), iss, NID_ext_key_usage, "serverAuth");
  }
  if (X509_sign(c.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0)
    Die("cannot sign certificate");
  return c;
}

inline void TlsWritePem(const std::string& path, EVP_PKEY* key, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) Die("cannot write " + path);
  bool ok = key ? (fchmod(fileno(f), 0600) == 0 &&
                   PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1)
                : PEM_write_X509(f, cert) == 1;
  if (std::fclose(f) != 0 || !ok) Die("cannot write " + path);
}

// Makes dir/{ca,server}.{pem,key} unless all four exist; some but not all
// is an error (a half-written identity is not silently replaced).
inline void EnsureTestTls(const std::string& dir, const char* ca_cn) {
  const char* files[] = {"ca.pem", "ca.key", "server.pem", "server.key"};
  int present = 0;
  struct stat st;
  for (const char* f : files) present += stat((dir + "/" + f).c_str(), &st) == 0 ? 1 : 0;
  if (present == 4) return;
  if (present != 0) Die(dir + ": has some but not all of ca.pem ca.key server.pem server.key");
  mkdir(dir.c_str(), 0700);
  TlsPkey ca_key(EVP_EC_gen("P-256"));
  TlsPkey srv_key(EVP_EC_gen("P-256"));
  if (!ca_key || !srv_key) Die("key generation failed");
  TlsCert ca = TlsMakeCert(ca_key.get(), ca_cn, nullptr, nullptr, true, nullptr);
  TlsCert srv = TlsMakeCert(srv_key.get(), "127.0.0.1", ca.get(), ca_key.get(), false,
                            "IP:127.0.0.1,DNS:localhost");
  TlsWritePem(dir + "/ca.key", ca_key.get(), nullptr);
  TlsWritePem(dir + "/ca.pem", nullptr, ca.get());
  TlsWritePem(dir + "/server.key", srv_key.get(), nullptr);
  TlsWritePem(dir + "/server.pem", nullptr, srv.get());
}

// An HTTPS server with dir/server.pem and dir/server.key, tuned as
// TuneServer says.
inline std::unique_ptr<httplib::SSLServer> TlsServer(const std::string& dir) {
  auto svr = std::make_unique<httplib::SSLServer>((dir + "/server.pem").c_str(),
                                                  (dir + "/server.key").c_str());
  if (!svr->is_valid()) Die("cannot set up TLS with " + dir + "/server.pem");
  TuneServer(*svr);
  return svr;
}

}  // namespace tools
