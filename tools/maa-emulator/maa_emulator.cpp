// maa-emulator: an Azure Attestation (MAA) stand-in for tests.  A real
// HTTPS server on loopback with its own test CA, speaking MAA's REST API:
//
//   POST /attest/TdxVm?api-version=...   {"quote": b64url, "runtimeData":
//        {"data": b64url, "dataType": "JSON"}}  ->  {"token": JWT}
//   GET  /certs                          {"keys":[{kid, kty RSA, x5c}]}
//   GET  /.well-known/openid-configuration  {"issuer", "jwks_uri"}
//
// The quote is verified with the ra_attest library against --trust-anchor
// (the sim root), REPORTDATA[0:32] must equal SHA-256(runtime data), as
// Azure checks the HCL runtime JSON, and the token is RS256, signed by the
// emulator's RSA-2048 key, with Azure's claim names.  Misbehaviour options
// make the negative tests: --expired, --wrong-key, --wrong-iss,
// --missing-claim NAME, --debug-true, --slow SECONDS, --status CODE.
//
// Every request it serves is counted; each /certs request is also logged
// on stderr ("maa-emulator: served /certs (#N)"), and with --stats-file
// the counts are rewritten (atomically) after every request as
// {"attest": A, "certs": C, "openid": O}, so that a bench or test can tell
// how often relying parties fetched the signing keys.
//
// DIR holds ca.pem/ca.key (test CA), server.pem/server.key (TLS, for
// 127.0.0.1 and localhost) and signing.pem/signing.key (token key); they
// are generated when DIR has none of them.  The bound port goes to
// --port-file (written atomically) and to stdout.
#include "../common/loopback_server.h"  // first: it configures httplib.h
#include "../common/test_tls.h"
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes_util.h"
#include "common/openssl_ptr.h"
#include "parse/jwt_token.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "verify/evaluate.h"

namespace {

using tools::Die;

using ra::Bytes;
using ra::JsonPtr;

constexpr size_t kMaxRequest = 1 << 20;

struct Options : tools::ServerOptions {
  std::string dir, trust_anchor, stats_file;
  bool expired = false, wrong_key = false, wrong_iss = false, debug_true = false;
  std::vector<std::string> missing_claims;
};

const char kUsage[] =
    "usage: maa-emulator --dir DIR --trust-anchor ROOT.pem [--port N] "
    "[--port-file FILE] [--stats-file FILE]\n"
    "       [--expired] [--wrong-key] [--wrong-iss] [--missing-claim NAME]...\n"
    "       [--debug-true] [--slow SECONDS] [--status CODE]\n";

using Pkey = ra::EvpPkeyPtr;
using Cert = ra::X509Ptr;

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

// The first PEM object in path, as read (PEM_read_PrivateKey,
// PEM_read_X509) finds it; a file without one is fatal, naming what.
template <typename T>
T* ReadPem(const std::string& path, T* (*read)(FILE*, T**, pem_password_cb*, void*),
           const char* what) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) Die("cannot read " + path);
  T* p = read(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!p) Die(path + ": not a PEM " + what);
  return p;
}

struct Material {
  Pkey signing_key, wrong_key;
  Cert signing_cert;
  std::string kid;
  std::string cert_b64;  // standard base64 DER, for x5c
};

std::string StdB64(const Bytes& der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), der.data(),
                          static_cast<int>(der.size()));
  out.resize(static_cast<size_t>(m));
  return out;
}

Material LoadOrCreate(const std::string& dir) {
  const char* files[] = {"ca.pem", "ca.key", "server.pem", "server.key", "signing.pem",
                         "signing.key"};
  int present = 0;
  for (const char* f : files) present += Exists(dir + "/" + f) ? 1 : 0;
  if (present == 0) {
    tools::EnsureTestTls(dir, "maa-emulator test CA");
    tools::TlsPkey sig_key(EVP_RSA_gen(2048));
    if (!sig_key) Die("key generation failed");
    tools::TlsCert sig = tools::TlsMakeCert(sig_key.get(), "maa-emulator token signing",
                                            nullptr, nullptr, false, nullptr);
    tools::TlsWritePem(dir + "/signing.key", sig_key.get(), nullptr);
    tools::TlsWritePem(dir + "/signing.pem", nullptr, sig.get());
  } else if (present != 6) {
    Die(dir + ": has some but not all of ca.pem ca.key server.pem server.key signing.pem "
              "signing.key");
  }
  Material m;
  m.signing_key.reset(ReadPem(dir + "/signing.key", PEM_read_PrivateKey, "private key"));
  m.signing_cert.reset(ReadPem(dir + "/signing.pem", PEM_read_X509, "certificate"));
  if (EVP_PKEY_eq(X509_get0_pubkey(m.signing_cert.get()), m.signing_key.get()) != 1)
    Die("signing.pem does not match signing.key");
  if (!EVP_PKEY_is_a(m.signing_key.get(), "RSA")) Die("signing.key is not RSA");
  unsigned char* der = nullptr;
  int n = i2d_X509(m.signing_cert.get(), &der);
  if (n <= 0) Die("cannot encode signing.pem");
  Bytes d(der, der + n);
  OPENSSL_free(der);
  m.cert_b64 = StdB64(d);
  uint8_t h[32];
  SHA256(d.data(), d.size(), h);
  m.kid = ra::Base64UrlEncode(ra::ByteView(h, 16));
  m.wrong_key.reset(EVP_RSA_gen(2048));
  if (!m.wrong_key) Die("key generation failed");
  return m;
}

std::string B64u(const std::string& s) {
  return ra::Base64UrlEncode(ra::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

std::string SignRs256(EVP_PKEY* key, const std::string& input) {
  ra::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return {};
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return {};
  sig.resize(len);
  return ra::Base64UrlEncode(sig);
}



void JsonError(httplib::Response& res, int status, const std::string& code,
               const std::string& msg) {
  JsonPtr e(json_pack("{s:{s:s,s:s}}", "error", "code", code.c_str(), "message", msg.c_str()));
  res.status = status;
  res.set_content(ra::JsonDump(e.get()), "application/json");
}

// Request counts, shared by httplib's worker threads.
class Stats {
 public:
  explicit Stats(std::string file) : file_(std::move(file)) {}
  enum Kind { kAttest, kCerts, kOpenId };
  // Counts one request; returns the new count of its kind.
  long Count(Kind k) {
    long n = ++counts_[k];
    if (!file_.empty()) Write();
    return n;
  }
  void Write() {
    // One writer at a time, so a later count is never overwritten by an
    // earlier one; temp + rename, so a reader never sees half a file.
    std::lock_guard<std::mutex> lock(mu_);
    std::string tmp = file_ + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    bool ok = f != nullptr &&
              std::fprintf(f, "{\"attest\": %ld, \"certs\": %ld, \"openid\": %ld}\n",
                           counts_[kAttest].load(), counts_[kCerts].load(),
                           counts_[kOpenId].load()) > 0;
    if (f != nullptr && std::fclose(f) != 0) ok = false;
    if (!ok || std::rename(tmp.c_str(), file_.c_str()) != 0)
      std::fprintf(stderr, "maa-emulator: cannot write %s\n", file_.c_str());
  }

 private:
  std::string file_;
  std::atomic<long> counts_[3] = {{0}, {0}, {0}};
  std::mutex mu_;
};

class Emulator {
 public:
  Emulator(const Options& o, Material m) : o_(o), m_(std::move(m)) {
    // Parsed once, not for every quote.
    ra::Status s = ra::LoadTdxTrustAnchor(o.trust_anchor, &policy_);
    if (!s.ok()) Die(s.message());
    policy_.accepted_types = {ra::kEvidenceAzureTdxQuote};
    policy_.allow_debug = true;  // reported in a claim; the relying party judges
  }
  void set_base(const std::string& base) { base_ = base; }
  void Attest(const httplib::Request& req, httplib::Response& res);
  void Certs(httplib::Response& res);
  void OpenId(httplib::Response& res);

 private:
  Options o_;
  Material m_;
  ra::Policy policy_;
  std::string base_;
};

void Emulator::Certs(httplib::Response& res) {
  JsonPtr doc(json_pack("{s:[{s:s,s:s,s:s,s:[s]}]}", "keys", "kid", m_.kid.c_str(), "kty",
                        "RSA", "use", "sig", "x5c", m_.cert_b64.c_str()));
  res.set_content(ra::JsonDump(doc.get()), "application/json");
}

void Emulator::OpenId(httplib::Response& res) {
  JsonPtr doc(json_pack("{s:s,s:s,s:[s],s:[s]}", "issuer", base_.c_str(), "jwks_uri",
                        (base_ + "/certs").c_str(), "id_token_signing_alg_values_supported",
                        "RS256", "claims_supported", "x-ms-attestation-type"));
  res.set_content(ra::JsonDump(doc.get()), "application/json");
}

void Emulator::Attest(const httplib::Request& req, httplib::Response& res) {
  if (o_.slow > 0) std::this_thread::sleep_for(std::chrono::seconds(o_.slow));
  if (o_.status != 0) {
    JsonError(res, o_.status, "InternalError", "configured to fail (--status)");
    return;
  }
  if (!req.has_param("api-version")) {
    JsonError(res, 400, "InvalidParameter", "api-version query parameter missing");
    return;
  }
  JsonPtr body;
  ra::Status s = ra::ParseJsonObject(req.body, "request", &body);
  std::string quote_b64, rt_b64, rt_type;
  const json_t* rt = nullptr;
  if (s.ok()) s = ra::JsonGetString(body.get(), "quote", "request", &quote_b64);
  if (s.ok()) s = ra::JsonGetObject(body.get(), "runtimeData", "request", &rt);
  if (s.ok()) s = ra::JsonGetString(rt, "data", "request", &rt_b64);
  if (s.ok()) s = ra::JsonGetString(rt, "dataType", "request", &rt_type);
  if (s.ok() && rt_type != "JSON") s = ra::Status::Fail("request", "dataType is not JSON");
  Bytes quote, runtime;
  if (s.ok()) s = ra::Base64UrlDecode(quote_b64, &quote);
  if (s.ok()) s = ra::Base64UrlDecode(rt_b64, &runtime);
  JsonPtr runtime_json;
  if (s.ok())
    s = ra::ParseJsonObject(std::string(runtime.begin(), runtime.end()), "runtimeData",
                            &runtime_json);
  if (!s.ok()) {
    JsonError(res, 400, "InvalidParameter", s.message());
    return;
  }
  ra::TdxQuote q;
  s = ra::ParseTdxQuote(quote, &q);
  // As the service does: the quote is genuine and names these runtime
  // bytes (REPORTDATA[0:32] = SHA-256); the binding is the relying party's.
  if (s.ok())
    s = ra::Evaluate({{ra::kEvidenceAzureTdxQuote, quote}, {ra::kEvidenceAzureRuntimeData, runtime}},
                     policy_, nullptr, 0, nullptr);
  if (!s.ok()) {
    std::fprintf(stderr, "maa-emulator: attest refused: %s\n", s.message().c_str());
    JsonError(res, 400, "InvalidParameter", s.message());
    return;
  }

  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const int64_t iat = o_.expired ? now - 4 * 3600 : now;
  const int64_t exp = o_.expired ? now - 3600 : now + 8 * 3600;
  const std::string iss = o_.wrong_iss ? "https://attacker.example" : base_;
  const auto& b = q.body;
  const bool debug = o_.debug_true || (b.td_attributes[0] & 1) != 0;
  uint8_t jti[16];
  RAND_bytes(jti, sizeof(jti));
  JsonPtr claims(json_object());
  json_t* c = claims.get();
  json_object_set_new(c, "iss", json_string(iss.c_str()));
  json_object_set_new(c, "iat", json_integer(iat));
  json_object_set_new(c, "nbf", json_integer(iat));
  json_object_set_new(c, "exp", json_integer(exp));
  json_object_set_new(c, "jti", json_string(ra::HexEncode(ra::ByteView(jti, sizeof(jti))).c_str()));
  json_object_set_new(c, "x-ms-ver", json_string("1.0"));
  json_object_set_new(c, "x-ms-attestation-type", json_string("tdxvm"));
  json_object_set_new(c, "x-ms-compliance-status", json_string("azure-compliant-cvm"));
  json_object_set_new(c, "x-ms-runtime", json_incref(runtime_json.get()));
  json_object_set_new(c, "attester_tcb_status", json_string("UpToDate"));
  json_object_set_new(c, "tdx_mrtd", json_string(ra::HexEncode(b.mr_td).c_str()));
  for (int i = 0; i < 4; i++)
    json_object_set_new(c, ("tdx_rtmr" + std::to_string(i)).c_str(),
                        json_string(ra::HexEncode(b.rtmr[static_cast<size_t>(i)]).c_str()));
  json_object_set_new(c, "tdx_mrseam", json_string(ra::HexEncode(b.mr_seam).c_str()));
  json_object_set_new(c, "tdx_mrsignerseam", json_string(ra::HexEncode(b.mr_signer_seam).c_str()));
  json_object_set_new(c, "tdx_mrconfigid", json_string(ra::HexEncode(b.mr_config_id).c_str()));
  json_object_set_new(c, "tdx_mrowner", json_string(ra::HexEncode(b.mr_owner).c_str()));
  json_object_set_new(c, "tdx_mrownerconfig", json_string(ra::HexEncode(b.mr_owner_config).c_str()));
  json_object_set_new(c, "tdx_report_data", json_string(ra::HexEncode(b.report_data).c_str()));
  json_object_set_new(c, "tdx_tee_tcb_svn", json_string(ra::HexEncode(b.tee_tcb_svn).c_str()));
  json_object_set_new(c, "tdx_xfam", json_string(ra::HexEncode(b.xfam).c_str()));
  json_object_set_new(c, "tdx_td_attributes", json_string(ra::HexEncode(b.td_attributes).c_str()));
  json_object_set_new(c, "tdx_td_attributes_debug", json_boolean(debug));
  json_object_set_new(c, "tdx_seam_attributes", json_string(ra::HexEncode(b.seam_attributes).c_str()));
  for (const std::string& name : o_.missing_claims) json_object_del(c, name.c_str());

  JsonPtr header(json_pack("{s:s,s:s,s:s,s:s}", "alg", "RS256", "typ", "JWT", "kid",
                           m_.kid.c_str(), "jku", (base_ + "/certs").c_str()));
  std::string input = B64u(ra::JsonDump(header.get())) + "." + B64u(ra::JsonDump(c));
  std::string sig =
      SignRs256(o_.wrong_key ? m_.wrong_key.get() : m_.signing_key.get(), input);
  if (sig.empty()) {
    JsonError(res, 500, "InternalError", "signing failed");
    return;
  }
  JsonPtr out(json_pack("{s:s}", "token", (input + "." + sig).c_str()));
  res.set_content(ra::JsonDump(out.get()), "application/json");
  std::fprintf(stderr, "maa-emulator: token issued (mrtd %s)\n", ra::HexEncode(b.mr_td).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  tools::ParseArgs("maa-emulator", argc, argv, kUsage, &o,
                   {{"--dir", &o.dir},
                    {"--trust-anchor", &o.trust_anchor},
                    {"--stats-file", &o.stats_file},
                    {"--expired", &o.expired},
                    {"--wrong-key", &o.wrong_key},
                    {"--wrong-iss", &o.wrong_iss},
                    {"--missing-claim", &o.missing_claims},
                    {"--debug-true", &o.debug_true}});
  if (o.dir.empty() || o.trust_anchor.empty()) tools::UsageExit(kUsage);
  if (!Exists(o.trust_anchor)) Die("trust anchor " + o.trust_anchor + " not found");
  Material m = LoadOrCreate(o.dir);
  Emulator emu(o, std::move(m));

  auto tls = tools::TlsServer(o.dir);
  httplib::SSLServer& svr = *tls;
  svr.set_payload_max_length(kMaxRequest);
  Stats stats(o.stats_file);
  if (!o.stats_file.empty()) stats.Write();  // zeros, before the first request
  svr.Post("/attest/TdxVm", [&](const httplib::Request& req, httplib::Response& res) {
    stats.Count(Stats::kAttest);
    emu.Attest(req, res);
  });
  svr.Get("/certs", [&](const httplib::Request&, httplib::Response& res) {
    long n = stats.Count(Stats::kCerts);
    std::fprintf(stderr, "maa-emulator: served /certs (#%ld)\n", n);
    emu.Certs(res);
  });
  svr.Get("/.well-known/openid-configuration",
          [&](const httplib::Request&, httplib::Response& res) {
            stats.Count(Stats::kOpenId);
            emu.OpenId(res);
          });

  const std::string base = tools::BindLoopback(svr, o, "https");
  emu.set_base(base);
  return tools::ServeBound(svr, base);
}
