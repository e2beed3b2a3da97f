// The TPM section's load (verify layer): reads the files TpmAk, TpmAkCA
// and ImaAllowlist name, once, at their line, so a broken file stops the
// program at start-up with file and line.
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cctype>
#include <sstream>

#include "common/bytes_util.h"
#include "policy/tpm_policy.h"
#include "verify/tpm_kind.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

constexpr size_t kMaxAkFileLen = 64 * 1024;
constexpr size_t kMaxAllowlistLen = 64 * 1024 * 1024;

Status LoadAkKeys(const std::string& path, TpmPolicyValues* v) {
  std::string pem;
  RA_RETURN_IF_ERROR(ReadTextFileBounded(path, kMaxAkFileLen, &pem));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  size_t n = 0;
  while (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
    v->ak_keys.emplace_back(k, EVP_PKEY_free);
    n++;
  }
  ERR_clear_error();
  if (n == 0) return Status::Fail("TpmAk: no PEM public key in " + path);
  return Status();
}

Status LoadAkCa(const std::string& path, TpmPolicyValues* v) {
  std::vector<X509Ptr> certs;
  Status s = LoadPemCertFile(path, &certs);
  if (!s.ok()) return Status::Fail("TpmAkCA: " + s.message());
  v->ak_ca_certs.clear();
  for (X509Ptr& c : certs) v->ak_ca_certs.emplace_back(c.release(), X509_free);
  return Status();
}

// sha256sum format: "HEX  PATH" or "HEX *PATH" (binary mode); blank lines
// and '#' comments skipped.  The digest's length names its algorithm
// (40 hex digits sha1, 64 sha256, 96 sha384, 128 sha512), so lists made
// with sha1sum etc. serve IMA policies hashing with those.
Status LoadAllowlist(const std::string& path, TpmPolicyValues* v) {
  std::string text;
  RA_RETURN_IF_ERROR(ReadTextFileBounded(path, kMaxAllowlistLen, &text));
  std::istringstream in(text);
  std::string line;
  size_t no = 0;
  v->ima_allowlist.clear();
  while (std::getline(in, line)) {
    no++;
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find(' ');
    const char* alg = sp == 40 ? "sha1" : sp == 64 ? "sha256" : sp == 96 ? "sha384"
                    : sp == 128 ? "sha512" : nullptr;
    Bytes d;
    if (!alg || line.size() < sp + 3 || (line[sp + 1] != ' ' && line[sp + 1] != '*') ||
        !HexDecode(line.substr(0, sp), &d).ok())
      return Status::Fail("ImaAllowlist: " + path + ":" + std::to_string(no) +
                          ": not 'HEX  PATH' (sha256sum format)");
    v->ima_allowlist[line.substr(sp + 2)].insert({alg, std::move(d)});
  }
  return Status();
}

Status LoadTpmMaterial(const std::string& keyword, Policy* p) {
  TpmPolicyValues* v = p->Section<TpmPolicyValues>(kTpmPolicySection);
  if (keyword == "tpmak") return LoadAkKeys(v->ak_files.back(), v);
  if (keyword == "tpmakca") return LoadAkCa(v->ak_ca_file, v);
  if (keyword == "imaallowlist") return LoadAllowlist(v->ima_allowlist_file, v);
  return Status();
}

}  // namespace

const PolicySection& TpmPolicySection() {
  static const PolicySection kSection{kTpmPolicySection, TpmPolicyKeywords(), LoadTpmMaterial,
                                      nullptr};
  return kSection;
}

}  // namespace ra
