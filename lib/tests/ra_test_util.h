// Helpers shared by the tests: a self-deleting temporary directory, small
// file utilities, and test bindings.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/evidence.h"
#include "common/pem_text.h"

namespace ra_test {

// A binding no two tests confuse: first, first + 1, ... (mod 256).
inline ra::Binding CountingBinding(uint8_t first) {
  ra::Binding b;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

// Another such binding: i ^ mask for each byte i.
inline ra::Binding XorBinding(uint8_t mask) {
  ra::Binding b;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<uint8_t>(mask ^ i);
  return b;
}

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    Make(std::string(base && *base ? base : "/tmp"));
  }
  // Under `base` instead, e.g. where a path must pass safe_path()-like
  // checks that /tmp (sticky, world-writable) does not.
  explicit TempDir(const std::string& base) { Make(base); }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    if (std::system(cmd.c_str()) != 0) { /* best effort */ }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  void Make(const std::string& base) {
    std::string tmpl = base + "/ra-test-XXXXXX";
    if (mkdtemp(&tmpl[0]) == nullptr) std::abort();
    path_ = tmpl;
  }
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// PEM text of a certificate / a public key ("" if it cannot be encoded,
// which the test then sees as a wrong file).
inline std::string CertPem(const X509* cert) {
  std::string s;
  return ra::AppendCertPem(cert, &s).ok() ? s : "";
}
inline std::string PublicKeyPem(const EVP_PKEY* key) {
  std::string s;
  return ra::AppendPublicKeyPem(key, &s).ok() ? s : "";
}

}  // namespace ra_test
