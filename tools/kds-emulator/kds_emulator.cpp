// kds-emulator: an AMD Key Distribution Service stand-in for tests.  A real
// HTTPS server on loopback with its own test CA, serving the certificates
// of a software SEV-SNP directory (ssh-attest sim-init --snp DIR, or one a
// test writes in that layout); it signs nothing itself:
//
//   GET /vcek/v1/{product}/{hwid}?[fmcSPL=..&]blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..
//       DIR/vcek.pem as DER, if hwid is the hex of the VCEK's hwID
//       extension (its first 8 bytes for Turin) and the four SPLs are
//       present; else 404, as KDS answers an unknown chip.
//   GET /vcek/v1/{product}/cert_chain   DIR/ask.pem then DIR/ark.pem
//   GET /vcek/v1/{product}/crl          DIR/crl.der (404 without it)
//   GET /vlek/v1/{product}/cert_chain   DIR/asvk.pem then DIR/ark.pem (404
//                                       without asvk.pem)
//   GET /vlek/v1/{product}/crl          DIR/crl-vlek.der (404 without it)
//   KDS hands out no VLEKs: any other /vlek/ path is 404.
//
// Misbehaviour for the negative tests: --status CODE (every answer),
// --slow SECONDS (before every answer), --wrong-chip (DIR/vcek-other-chip.pem,
// a VCEK of the same ASK for another chip, whatever hwid is asked).
// --stats-file FILE is rewritten (atomically) after every request as
// {"requests": N, "last": "PATH?QUERY"}.
//
// TLSDIR (--dir) holds ca.pem/ca.key and server.pem/server.key, made when
// it has none.  The bound port goes to --port-file and to stdout.
#include "../common/loopback_server.h"  // first: it configures httplib.h
#include "../common/test_tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace {

using tools::Die;

struct Options : tools::ServerOptions {
  std::string dir, snp_dir, stats_file;
  bool wrong_chip = false;
};

const char kUsage[] =
    "usage: kds-emulator --dir TLSDIR --snp DIR [--port N] [--port-file FILE]\n"
    "       [--stats-file FILE] [--status CODE] [--slow SECONDS] [--wrong-chip]\n";

std::string ReadAll(const std::string& file, bool required) {
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    if (required) Die("cannot read " + file);
    return std::string();
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Vcek {
  std::string der;
  std::string hwid_hex;  // the whole hwID extension, lowercase hex
};

Vcek LoadVcek(const std::string& file) {
  std::string pem = ReadAll(file, true);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!cert) Die(file + ": not a PEM certificate");
  Vcek v;
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  if (n <= 0) Die(file + ": cannot encode");
  v.der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.3704.1.4", 1);
  int at = X509_get_ext_by_OBJ(cert, oid, -1);
  ASN1_OBJECT_free(oid);
  if (at >= 0) {
    ASN1_OCTET_STRING* d = X509_EXTENSION_get_data(X509_get_ext(cert, at));
    static const char* hex = "0123456789abcdef";
    for (int i = 0; i < ASN1_STRING_length(d); i++) {
      unsigned char c = ASN1_STRING_get0_data(d)[i];
      v.hwid_hex += hex[c >> 4];
      v.hwid_hex += hex[c & 15];
    }
  }
  X509_free(cert);
  return v;
}

class Emulator {
 public:
  explicit Emulator(Options o) : o_(std::move(o)) {
    vcek_ = LoadVcek(o_.snp_dir + "/vcek.pem");
    if (o_.wrong_chip) other_ = LoadVcek(o_.snp_dir + "/vcek-other-chip.pem");
    chain_ = ReadAll(o_.snp_dir + "/ask.pem", true) + ReadAll(o_.snp_dir + "/ark.pem", true);
    crl_ = ReadAll(o_.snp_dir + "/crl.der", false);
    std::string asvk = ReadAll(o_.snp_dir + "/asvk.pem", false);
    if (!asvk.empty()) vlek_chain_ = asvk + ReadAll(o_.snp_dir + "/ark.pem", true);
    vlek_crl_ = ReadAll(o_.snp_dir + "/crl-vlek.der", false);
    WriteStats("");
  }
  // Counts the request and applies --slow/--status; true when it answered.
  bool Misbehave(const httplib::Request& req, httplib::Response& res) {
    requests_++;
    std::string q;
    for (const auto& p : req.params) q += (q.empty() ? "" : "&") + p.first + "=" + p.second;
    WriteStats(req.path + (q.empty() ? "" : "?" + q));
    if (o_.slow > 0) std::this_thread::sleep_for(std::chrono::seconds(o_.slow));
    if (o_.status == 0) return false;
    res.status = o_.status;
    res.set_content("configured to fail (--status)", "text/plain");
    return true;
  }
  void ServeVlek(const httplib::Request& req, httplib::Response& res) {
    const std::string what = req.matches[2];
    const std::string* body = what == "cert_chain" ? &vlek_chain_
                              : what == "crl"      ? &vlek_crl_
                                                   : nullptr;
    if (!body || body->empty()) {
      res.status = 404;
      return;
    }
    res.set_content(*body, what == "crl" ? "application/pkix-crl" : "application/x-pem-file");
  }
  void Serve(const httplib::Request& req, httplib::Response& res) {
    const std::string what = req.matches[2];
    if (what == "cert_chain") return res.set_content(chain_, "application/x-pem-file");
    if (what == "crl") {
      if (crl_.empty()) res.status = 404;
      else res.set_content(crl_, "application/pkix-crl");
      return;
    }
    for (const char* p : {"blSPL", "teeSPL", "snpSPL", "ucodeSPL"})
      if (!req.has_param(p)) {
        res.status = 400;
        return;
      }
    if (o_.wrong_chip) return res.set_content(other_.der, "application/pkix-cert");
    if (what.size() < 16 || vcek_.hwid_hex.compare(0, what.size(), what) != 0) {
      res.status = 404;
      return;
    }
    res.set_content(vcek_.der, "application/pkix-cert");
  }

 private:
  void WriteStats(const std::string& last) {
    if (o_.stats_file.empty()) return;
    std::lock_guard<std::mutex> l(mu_);
    tools::WriteFileAtomically(o_.stats_file, "{\"requests\": " +
                                                  std::to_string(requests_.load()) +
                                                  ", \"last\": \"" + last + "\"}\n");
  }
  Options o_;
  Vcek vcek_, other_;
  std::string chain_, crl_, vlek_chain_, vlek_crl_;
  std::mutex mu_;
  std::atomic<long> requests_{0};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  tools::ParseArgs("kds-emulator", argc, argv, kUsage, &o,
                   {{"--dir", &o.dir}, {"--snp", &o.snp_dir}, {"--stats-file", &o.stats_file},
                    {"--wrong-chip", &o.wrong_chip}});
  if (o.dir.empty() || o.snp_dir.empty()) tools::UsageExit(kUsage);
  tools::EnsureTestTls(o.dir, "kds-emulator test CA");
  auto svr = tools::TlsServer(o.dir);
  Emulator emu(o);
  svr->Get(R"(/vcek/v1/([A-Za-z]+)/([0-9a-z_]+))",
          [&emu](const httplib::Request& req, httplib::Response& res) {
            if (!emu.Misbehave(req, res)) emu.Serve(req, res);
          });
  svr->Get(R"(/vlek/v1/([A-Za-z]+)/([0-9a-z_]+))",
           [&emu](const httplib::Request& req, httplib::Response& res) {
             if (!emu.Misbehave(req, res)) emu.ServeVlek(req, res);
           });
  return tools::ServeBound(*svr, tools::BindLoopback(*svr, o, "https"));
}
