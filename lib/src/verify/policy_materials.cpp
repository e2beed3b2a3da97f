// Loading what a policy names: trust anchors, key files, directories.  The
// policy parser (policy/) records paths; these loaders, hooked into the
// parse as the sections' load step (policy/policy_keywords.h), read each
// file once, at the line that names it, and keep what a verification
// needs (the anchor certificates) in the policy.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/safe_path.h"
#include "policy/policy.h"
#include "policy/policy_keywords.h"
#include "verify/jwt_verifier.h"
#include "verify/policy_materials.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

constexpr size_t kMaxTrustAnchorLen = 256 * 1024;

// Whoever can write a file the policy names decides what we trust: it and
// every directory above it must be the user's or root's, writable by
// nobody else, as ssh requires of its own files (common/safe_path.h).
Status CheckRegularFile(const std::string& what, const std::string& path) {
  return CheckSafeFile(what, path);
}

// PEM CA certificates for TLS (IssuerCA): at least one must parse.  As
// lenient as the TLS stack that reads the file (a system bundle may hold
// hundreds of certificates).
Status CheckCaFile(const std::string& path) {
  RA_RETURN_IF_ERROR(CheckRegularFile("trust anchor", path));
  Bytes pem;
  Status s = ReadFileBounded(path, kMaxTrustAnchorLen, &pem);
  if (!s.ok()) return Status::Fail("trust anchor " + path, s.detail());
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Fail("trust anchor " + path, "out of memory");
  int count = 0;
  while (X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))) count++;
  // PEM_read leaves "no start line" on the error queue at end of input.
  ERR_clear_error();
  if (count == 0) return Status::Fail("trust anchor " + path, "no PEM certificate found");
  return Status();
}

// The TrustAnchor file's certificates, kept: strict PEM reading (a damaged
// block or more than 16 certificates refuse the file), done once, at load.
Status LoadAnchorCerts(const std::string& path, std::shared_ptr<const TrustAnchorCerts>* out) {
  RA_RETURN_IF_ERROR(CheckRegularFile("trust anchor", path));
  std::string pem;
  Status s = ReadTextFileBounded(path, kMaxTrustAnchorLen, &pem);
  if (!s.ok()) return Status::Fail("trust anchor " + path, s.detail());
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Status::Fail("trust anchor " + path, "no PEM certificate found");
  auto anchors = std::make_shared<TrustAnchorCerts>();
  anchors->source = path;
  s = LoadPemCerts(pem, "trust anchor " + path, &anchors->certs);
  if (s.ok()) s = FillAnchorDer(anchors.get());
  if (!s.ok()) return s;
  *out = std::move(anchors);
  return Status();
}

// Its files are judged when read (verify/collateral_source.cpp).
Status CheckDirectory(const std::string& path) { return CheckSafeDir("collateral", path); }

// Errors become the line's message (check = the whole text), as the
// parser reports every line's.
Status AsLine(const std::string& prefix, const Status& s, bool detail_only = false) {
  if (s.ok()) return s;
  return Status::Fail(prefix + (detail_only ? s.detail() : s.message()));
}

Status LoadTdxMaterial(const std::string& keyword, Policy* p) {
  if (keyword == "trustanchor")
    return AsLine("", LoadAnchorCerts(p->tdx_trust_anchor, &p->tdx_anchor_certs));
  if (keyword == "collateral" && !p->collateral_dir.empty())
    return AsLine("", CheckDirectory(p->collateral_dir));
  return Status();
}

Status LoadIssuerMaterial(const std::string& keyword, Policy* p) {
  // Parsed now so that a broken key file shows at start-up; parsed again
  // when used, so the keys are the file's current ones.
  if (keyword == "issuerkeys") {
    std::vector<JwtKey> keys;
    return AsLine("IssuerKeys: ", LoadJwksFile(p->issuer_keys_file, &keys), true);
  }
  if (keyword == "issuerkey") {
    const auto& kp = p->issuer_key_pems.back();
    JwtKey key;
    return AsLine("IssuerKey: ", LoadPemKeyFile(kp.first, kp.second, &key), true);
  }
  if (keyword == "issuerca") return AsLine("IssuerCA: ", CheckCaFile(p->issuer_ca_file));
  return Status();
}

Status FinishIssuerMaterial(Policy* p) {
  RA_RETURN_IF_ERROR(FinishIssuerPolicy(p));
  if (p->issuer_keys_file.empty() && p->issuer_key_pems.empty()) return Status();
  std::vector<JwtKey> keys;  // a kid in both IssuerKeys and IssuerKey
  Status s = LoadPinnedIssuerKeys(*p, &keys);
  return s.ok() ? s : Status::Fail(s.message());
}

}  // namespace

Status LoadTdxTrustAnchor(const std::string& path, Policy* policy) {
  std::shared_ptr<const TrustAnchorCerts> certs;
  RA_RETURN_IF_ERROR(LoadAnchorCerts(path, &certs));
  policy->tdx_trust_anchor = path;
  policy->tdx_anchor_certs = std::move(certs);
  return Status();
}

const PolicySection& TdxPolicySection() {
  static const PolicySection kSection{"tdx", TdxPolicyKeywords(), LoadTdxMaterial, nullptr};
  return kSection;
}

const PolicySection& IssuerPolicySection() {
  static const PolicySection kSection{"issuer", IssuerPolicyKeywords(), LoadIssuerMaterial,
                                      FinishIssuerMaterial};
  return kSection;
}

}  // namespace ra
