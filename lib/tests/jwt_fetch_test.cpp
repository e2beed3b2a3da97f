// Keys from {Issuer}/certs over verified TLS: a real HTTPS server on
// loopback with its own test CA, told to misbehave.
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jwt_test_util.h"
#include "policy/policy.h"
#include "ra_test_util.h"
#include "verify/evaluate.h"
#include "verify/jwks_fetcher.h"
#include "verify/jwt_verifier.h"

namespace {

using ra::JsonPtr;

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

ra::X509Ptr MakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                     bool ca, long serial) {
  ra::X509Ptr c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 86400);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(c.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(c.get(), X509_get_subject_name(issuer ? issuer : c.get()));
  X509_set_pubkey(c.get(), key);
  X509* iss = issuer ? issuer : c.get();
  AddExt(c.get(), iss, NID_subject_key_identifier, "hash");
  AddExt(c.get(), iss, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    AddExt(c.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(c.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(c.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(c.get(), iss, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    AddExt(c.get(), iss, NID_ext_key_usage, "serverAuth");
  }
  X509_sign(c.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return c;
}

// One-connection-at-a-time HTTPS server answering every request with the
// configured response.
class TlsServer {
 public:
  TlsServer(X509* cert, EVP_PKEY* key) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  int served() const { return served_; }
  // Answers each request only after ms (the server stops waiting when
  // destroyed).
  void Delay(int ms) { delay_ms_ = ms; }
  void Respond(std::string status, std::string body) {
    std::lock_guard<std::mutex> l(mu_);
    status_ = std::move(status);
    body_ = std::move(body);
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        std::string req;
        char buf[2048];
        while (req.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof(buf));
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
        for (int waited = 0; waited < delay_ms_ && !stop_; waited += 20)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::string status, body;
        {
          std::lock_guard<std::mutex> l(mu_);
          status = status_;
          body = body_;
        }
        std::string resp = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" +
                           "Content-Length: " + std::to_string(body.size()) +
                           "\r\nLocation: https://127.0.0.1:1/certs\r\nConnection: close\r\n\r\n" +
                           body;
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
        SSL_shutdown(ssl);
        served_++;
      }
      SSL_free(ssl);
      close(c);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::atomic<int> delay_ms_{0};
  std::mutex mu_;
  std::string status_ = "200 OK", body_;
};

class JwtFetch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The test's TLS server writes on after the client drops an oversize
    // answer; ssh and sshd ignore SIGPIPE, and so must this process.
    signal(SIGPIPE, SIG_IGN);
    signer_ = jwt_test::GenRsa(2048).release();
  }
  static void TearDownTestSuite() { EVP_PKEY_free(signer_); }

  void SetUp() override {
    ra::ClearIssuerKeyCache();
    ca_key_ = jwt_test::GenEc("P-256");
    ca_ = MakeCert(ca_key_.get(), "ra-ssh test CA", nullptr, nullptr, true, 1);
    srv_key_ = jwt_test::GenEc("P-256");
    srv_cert_ = MakeCert(srv_key_.get(), "127.0.0.1", ca_.get(), ca_key_.get(), false, 2);
    ra_test::WriteFile(dir_ / "ca.pem", ra_test::CertPem(ca_.get()));
    server_.reset(new TlsServer(srv_cert_.get(), srv_key_.get()));
    issuer_ = "https://127.0.0.1:" + std::to_string(server_->port());
    // As Azure serves it: x5c with a self-signed signing certificate.
    ra::X509Ptr sc = jwt_test::SelfSigned(signer_, 1700000000, 1900000000);
    server_->Respond("200 OK", R"({"keys":[{"kid":"s1","kty":"RSA","x5c":[")" +
                                   jwt_test::CertB64(sc.get()) + R"("]}]})");
    LoadPolicy(dir_ / "ca.pem");
  }
  void LoadPolicy(const std::string& ca, const std::string& extra = "") {
    std::string text =
        "AcceptEvidence maa-token\nIssuer " + issuer_ + "\nIssuerCA " + ca + "\n" + extra;
    ra::Status s = ra::ParsePolicy(text, dir_ / "policy", &policy_);
    ASSERT_TRUE(s.ok()) << s.message();
    policy_.debug = [this](const std::string& m) { debug_.push_back(m); };
  }
  // Whether some debug message so far contains needle.
  bool Logged(const std::string& needle) const {
    for (const std::string& m : debug_)
      if (m.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string AllLogged() const {
    std::string all;
    for (const std::string& m : debug_) all += m + "\n";
    return all;
  }
  std::string Token(const std::string& iss) {
    JsonPtr h = jwt_test::Obj(R"({"alg":"RS256","kid":"s1"})");
    json_object_set_new(h.get(), "jku", json_string((iss + "/certs").c_str()));
    JsonPtr c(json_object());
    json_object_set_new(c.get(), "iss", json_string(iss.c_str()));
    json_object_set_new(c.get(), "iat", json_integer(kNow - 5));
    json_object_set_new(c.get(), "exp", json_integer(kNow + 600));
    return jwt_test::Sign("RS256", signer_, h.get(), c.get());
  }

  const time_t kNow = 1750000000;
  static EVP_PKEY* signer_;
  ra_test::TempDir dir_;
  ra::EvpPkeyPtr ca_key_, srv_key_;
  ra::X509Ptr ca_, srv_cert_;
  std::unique_ptr<TlsServer> server_;
  std::string issuer_;
  ra::Policy policy_;
  std::vector<std::string> debug_;
};

EVP_PKEY* JwtFetch::signer_ = nullptr;

TEST_F(JwtFetch, KeysComeFromTheListedIssuerAndAreCached) {
  ra::VerifiedJwt v;
  ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(v.key_source, issuer_ + "/certs");
  EXPECT_EQ(server_->served(), 1);
  s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(server_->served(), 1) << "second verification should use the cache";
}

// Through the front door, the caller's deadline (ssh: what is left of
// AttestationTimeout) bounds the key fetch, not the fetcher's own 10 s; a
// spent deadline starts no fetch.
TEST_F(JwtFetch, FrontDoorFetchEndsAtTheCallersDeadline) {
  server_->Delay(6000);
  const std::string token = Token(issuer_);
  const auto t0 = std::chrono::steady_clock::now();
  ra::Status s = ra::Evaluate({{ra::kEvidenceMaaToken, ra::Bytes(token.begin(), token.end())}},
                              policy_, nullptr, kNow, nullptr,
                              t0 + std::chrono::milliseconds(1000));
  EXPECT_EQ(s.check(), "jwt key fetch") << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4)) << s.message();
  s = ra::Evaluate({{ra::kEvidenceMaaToken, ra::Bytes(token.begin(), token.end())}}, policy_,
                   nullptr, kNow, nullptr, std::chrono::steady_clock::now());
  EXPECT_NE(s.message().find("no time left"), std::string::npos) << s.message();
}

TEST_F(JwtFetch, NothingIsFetchedForATokenOfAnotherIssuer) {
  ra::Status s = ra::VerifyJwtToken(Token("https://127.0.0.2:" + std::to_string(server_->port())),
                                    policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwt iss") << s.message();
  JsonPtr h = jwt_test::Obj(R"({"alg":"none","kid":"s1"})");
  JsonPtr c = jwt_test::Obj("{}");
  json_object_set_new(c.get(), "iss", json_string(issuer_.c_str()));
  s = ra::VerifyJwtToken(jwt_test::Encode(h.get(), c.get()) + ".", policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwt alg");
  EXPECT_EQ(server_->served(), 0);
}

TEST_F(JwtFetch, ServerNotSignedByTheIssuerCaRefused) {
  ra::EvpPkeyPtr other_key = jwt_test::GenEc("P-256");
  ra::X509Ptr other = MakeCert(other_key.get(), "other CA", nullptr, nullptr, true, 9);
  ra_test::WriteFile(dir_ / "other.pem", ra_test::CertPem(other.get()));
  LoadPolicy(dir_ / "other.pem");
  ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwt key fetch") << s.message();
}

TEST_F(JwtFetch, HttpErrorsAndRedirectsRefused) {
  server_->Respond("500 Internal Server Error", "{}");
  ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwt key fetch");
  EXPECT_NE(s.message().find("HTTP status 500"), std::string::npos) << s.message();
  server_->Respond("302 Found", "");
  s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_NE(s.message().find("HTTP status 302"), std::string::npos) << s.message();
  // Failures are not cached: the next good answer is used.
  server_->Respond("200 OK", "not json");
  s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwks") << s.message();
}

TEST_F(JwtFetch, OversizeResponseRefused) {
  server_->Respond("200 OK", std::string(300 * 1024, ' '));
  ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwt key fetch") << s.message();
}

TEST_F(JwtFetch, FetchedKeysMustBeStrongEnough) {
  auto small = jwt_test::GenRsa(1024);
  server_->Respond("200 OK",
                   "{\"keys\":[" + ra::JsonDump(jwt_test::Jwk("s1", small.get()).get()) + "]}");
  ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwks") << s.message();
  EXPECT_NE(s.message().find("minimum 2048"), std::string::npos) << s.message();
}

// ---- the on-disk key cache (IssuerKeyCache) ----
//
// ssh is one process per connection; ClearIssuerKeyCache() stands for the
// next process, which only has the disk.

class JwtKeyCache : public JwtFetch {
 protected:
  void SetUp() override {
    JwtFetch::SetUp();
    cache_ = dir_ / "keys";
    LoadPolicy(dir_ / "ca.pem", "IssuerKeyCache " + cache_ + "\n");
    file_ = ra::IssuerKeyCacheFile(cache_, issuer_, dir_ / "ca.pem");
  }
  // A verification as a fresh process would make it; must always succeed.
  void VerifyAsNewProcess() {
    ra::ClearIssuerKeyCache();
    debug_.clear();
    ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  // Fills the cache (one fetch) and returns the file's text.
  std::string Prime() {
    VerifyAsNewProcess();
    EXPECT_EQ(server_->served(), 1);
    EXPECT_TRUE(ra_test::Exists(file_)) << AllLogged();
    return ra_test::ReadFile(file_);
  }
  // Rewrites the file in place (mode and owner kept).
  void Rewrite(const std::string& text) {
    ASSERT_EQ(truncate(file_.c_str(), 0), 0);
    ra_test::WriteFile(file_, text);
  }
  static std::string ReplaceLine(const std::string& text, const std::string& key,
                                 const std::string& value) {
    size_t p = text.find("\n" + key + " ");
    EXPECT_NE(p, std::string::npos) << key;
    size_t e = text.find('\n', p + 1);
    return text.substr(0, p + 1) + key + " " + value + text.substr(e);
  }
  // The cached copy was refused for reason: fetched again, and said why.
  void ExpectRefetched(int served, const std::string& reason) {
    EXPECT_EQ(server_->served(), served) << AllLogged();
    EXPECT_TRUE(Logged(reason)) << "'" << reason << "' not in:\n" << AllLogged();
    EXPECT_TRUE(Logged("fetching " + issuer_ + "/certs")) << AllLogged();
  }
  mode_t Mode(const std::string& p) {
    struct stat st;
    EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  std::string cache_, file_;
};

TEST_F(JwtKeyCache, OneFetchServesLaterProcesses) {
  std::string text = Prime();
  EXPECT_EQ(Mode(cache_), 0700u);
  EXPECT_EQ(Mode(file_), 0600u);
  EXPECT_EQ(text.rfind("ra-ssh issuer keys 1\nissuer " + issuer_ + "\nca " + dir_ / "ca.pem" +
                           "\nca-sha256 ",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find(R"({"keys":[{"kid":"s1")"), std::string::npos) << text;
  for (int i = 0; i < 3; i++) {
    VerifyAsNewProcess();
    EXPECT_EQ(server_->served(), 1) << AllLogged();
    EXPECT_TRUE(Logged("from " + file_)) << AllLogged();
  }
}

TEST_F(JwtKeyCache, NoneAndNoDirectoryMeanNoDiskCache) {
  LoadPolicy(dir_ / "ca.pem", "IssuerKeyCache none\n");
  VerifyAsNewProcess();
  VerifyAsNewProcess();
  EXPECT_EQ(server_->served(), 2);
  EXPECT_FALSE(ra_test::Exists(cache_));
  // Only the last component is created: no parent, no cache, no failure.
  LoadPolicy(dir_ / "ca.pem", "IssuerKeyCache " + dir_ / "missing/keys" + "\n");
  VerifyAsNewProcess();
  ExpectRefetched(3, "cannot create");
  EXPECT_FALSE(ra_test::Exists(dir_ / "missing"));
}

TEST_F(JwtKeyCache, GroupOrWorldWritableDirectoryIgnored) {
  Prime();
  ASSERT_EQ(chmod(cache_.c_str(), 0770), 0);
  VerifyAsNewProcess();
  ExpectRefetched(2, "writable by group or others");
  ASSERT_EQ(chmod(cache_.c_str(), 0703), 0);
  VerifyAsNewProcess();
  ExpectRefetched(3, "writable by group or others");
  // Nor is it written to.
  EXPECT_FALSE(Logged("not written")) << AllLogged();
}

TEST_F(JwtKeyCache, SymlinkedDirectoryIgnored) {
  Prime();
  ASSERT_EQ(rename(cache_.c_str(), (dir_ / "real").c_str()), 0);
  ASSERT_EQ(symlink((dir_ / "real").c_str(), cache_.c_str()), 0);
  VerifyAsNewProcess();
  ExpectRefetched(2, "symbolic link");
}

TEST_F(JwtKeyCache, FileModeMustBe0600) {
  Prime();
  for (mode_t m : {0640, 0604, 0620, 0602, 0610}) {
    ASSERT_EQ(chmod(file_.c_str(), m), 0);
    int before = server_->served();
    VerifyAsNewProcess();
    ExpectRefetched(before + 1, "must be 600");
    // The fresh answer replaced the file, with the right mode.
    EXPECT_EQ(Mode(file_), 0600u);
  }
}

TEST_F(JwtKeyCache, SymlinkedFileIgnored) {
  std::string text = Prime();
  ra_test::WriteFile(dir_ / "elsewhere", text);
  ASSERT_EQ(chmod((dir_ / "elsewhere").c_str(), 0600), 0);
  ASSERT_EQ(unlink(file_.c_str()), 0);
  ASSERT_EQ(symlink((dir_ / "elsewhere").c_str(), file_.c_str()), 0);
  VerifyAsNewProcess();
  ExpectRefetched(2, "is a symbolic link");
  // Replaced by a regular file; the target is untouched.
  struct stat st;
  ASSERT_EQ(lstat(file_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(ra_test::ReadFile(dir_ / "elsewhere"), text);
}

TEST_F(JwtKeyCache, HardLinkedFileIgnored) {
  Prime();
  ASSERT_EQ(link(file_.c_str(), (dir_ / "second-name").c_str()), 0);
  VerifyAsNewProcess();
  ExpectRefetched(2, "more than one link");
}

TEST_F(JwtKeyCache, FileOrDirectoryOfAnotherUserIgnored) {
  // Only root can give a file away; as anyone else this checks nothing
  // (and says so), the ownership code being the same as for the mode.
  if (geteuid() != 0) {
    std::cout << "[ note ] not root: ownership refusals not exercised\n";
    return;
  }
  Prime();
  ASSERT_EQ(chown(file_.c_str(), 65534, static_cast<gid_t>(-1)), 0);
  VerifyAsNewProcess();
  ExpectRefetched(2, "owned by uid 65534, not by uid 0");
  ASSERT_EQ(chown(cache_.c_str(), 65534, static_cast<gid_t>(-1)), 0);
  VerifyAsNewProcess();
  ExpectRefetched(3, "owned by uid 65534, not by uid 0");
}

TEST_F(JwtKeyCache, OversizedFileIgnored) {
  std::string text = Prime();
  Rewrite(text + std::string(300 * 1024, ' '));
  VerifyAsNewProcess();
  ExpectRefetched(2, "larger than");
}

TEST_F(JwtKeyCache, EntryForAnotherIssuerOrCaIgnored) {
  std::string text = Prime();
  Rewrite(ReplaceLine(text, "issuer", "https://attest.example.net"));
  VerifyAsNewProcess();
  ExpectRefetched(2, "is for issuer 'https://attest.example.net'");
  text = ra_test::ReadFile(file_);
  Rewrite(ReplaceLine(text, "ca", dir_ / "other.pem"));
  VerifyAsNewProcess();
  ExpectRefetched(3, "was fetched with CA file");
  // Same CA path, new content: keys fetched under the old CA go.
  ra::EvpPkeyPtr k = jwt_test::GenEc("P-256");
  ra::X509Ptr extra = MakeCert(k.get(), "another CA", nullptr, nullptr, true, 7);
  ra_test::WriteFile(dir_ / "ca.pem", ra_test::CertPem(ca_.get()) + ra_test::CertPem(extra.get()));
  VerifyAsNewProcess();
  ExpectRefetched(4, "different content of CA file");
  VerifyAsNewProcess();
  EXPECT_EQ(server_->served(), 4) << AllLogged();
}

TEST_F(JwtKeyCache, StaleOrFutureEntryRefetched) {
  std::string text = Prime();
  const long now = static_cast<long>(std::time(nullptr));
  Rewrite(ReplaceLine(text, "fetched", std::to_string(now - 3601)));
  VerifyAsNewProcess();
  ExpectRefetched(2, "stale");
  // Within ClockSkew (60 s) of now is fine; beyond it is not.
  text = ra_test::ReadFile(file_);
  Rewrite(ReplaceLine(text, "fetched", std::to_string(now + 30)));
  VerifyAsNewProcess();
  EXPECT_EQ(server_->served(), 2) << AllLogged();
  Rewrite(ReplaceLine(text, "fetched", std::to_string(now + 3600)));
  VerifyAsNewProcess();
  ExpectRefetched(3, "in the future");
}

TEST_F(JwtKeyCache, DamagedEntryRefetched) {
  std::string text = Prime();
  Rewrite(text.substr(0, text.size() - 10));
  VerifyAsNewProcess();
  ExpectRefetched(2, "body length does not match");
  Rewrite("hello\n");
  VerifyAsNewProcess();
  ExpectRefetched(3, "not an issuer key cache file");
  // A well-formed entry whose body would not pass as a fresh answer.
  text = ra_test::ReadFile(file_);
  size_t body = text.find("\nbody ");
  body = text.find('\n', body + 1) + 1;
  Rewrite(text.substr(0, body) + std::string(text.size() - body, ' '));
  VerifyAsNewProcess();
  ExpectRefetched(4, "jwks");
}

TEST_F(JwtKeyCache, FetchFailureIsNotCached) {
  server_->Respond("500 Internal Server Error", "{}");
  ra::ClearIssuerKeyCache();
  ra::Status s = ra::VerifyJwtToken(Token(issuer_), policy_, kNow, nullptr);
  EXPECT_EQ(s.check(), "jwt key fetch") << s.message();
  EXPECT_FALSE(ra_test::Exists(file_));
}

}  // namespace
