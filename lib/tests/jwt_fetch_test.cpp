// Keys from {Issuer}/certs over verified TLS: a real HTTPS server on
// loopback with its own test CA, told to misbehave.
#include <gtest/gtest.h>

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "jwt_test_util.h"
#include "policy/policy.h"
#include "ra_test_util.h"
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

std::string CertPem(X509* c) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), c);
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
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
    ra_test::WriteFile(dir_ / "ca.pem", CertPem(ca_.get()));
    server_.reset(new TlsServer(srv_cert_.get(), srv_key_.get()));
    issuer_ = "https://127.0.0.1:" + std::to_string(server_->port());
    // As Azure serves it: x5c with a self-signed signing certificate.
    ra::X509Ptr sc = jwt_test::SelfSigned(signer_, 1700000000, 1900000000);
    server_->Respond("200 OK", R"({"keys":[{"kid":"s1","kty":"RSA","x5c":[")" +
                                   jwt_test::CertB64(sc.get()) + R"("]}]})");
    LoadPolicy(dir_ / "ca.pem");
  }
  void LoadPolicy(const std::string& ca) {
    std::string text = "AcceptEvidence maa-token\nIssuer " + issuer_ + "\nIssuerCA " + ca + "\n";
    ra::Status s = ra::ParsePolicy(text, dir_ / "policy", &policy_);
    ASSERT_TRUE(s.ok()) << s.message();
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
  ra_test::WriteFile(dir_ / "other.pem", CertPem(other.get()));
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

}  // namespace
