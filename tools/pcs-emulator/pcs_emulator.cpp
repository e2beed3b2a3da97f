// pcs-emulator: an Intel PCS v4 / PCCS stand-in for tests.  A real HTTPS
// server on loopback with its own test CA, serving real Intel collateral
// (signed by Intel; the emulator cannot and does not sign anything):
//
//   GET /tdx/certification/v4/tcb?fmspc=HEX      TCB-Info-Issuer-Chain
//   GET /tdx/certification/v4/qe/identity        SGX-Enclave-Identity-Issuer-Chain
//   GET /sgx/certification/v4/pckcrl?ca=C&encoding=der   SGX-PCK-CRL-Issuer-Chain
//   GET /sgx/certification/v4/rootcacrl          hex text, as PCCS answers
//
// The collateral comes from --bundle FILE (repeatable; the dcap-qvl
// QuoteCollateralV3 JSON of tests/vectors/tdx/bundles), or from the
// files as Intel's PCS serves them (tests/vectors/tdx/collateral):
// --files TCBINFO.json QEIDENTITY.json TCB_CHAIN.pem PCKCRL.der
// PCKCRL_CHAIN.pem ROOTCRL.der (repeatable; each set is one more
// "bundle").  The QE identity, CRLs and chains are those of the bundle
// whose TCB info was last asked for (the first before any).  Issuer
// chains go out URL-encoded as Intel sends them.
//
// Misbehaviour for the negative tests: --status CODE (every answer),
// --slow SECONDS (before every answer), --redirect (302 to the same path),
// --huge (a 4 MiB body), --wrong-fmspc (the TCB info of another bundle's
// FMSPC), --bad-signature (one hex digit of the TCB info signature
// changed).  --stats-file FILE is rewritten (atomically) after every
// request as {"requests": N}.
//
// DIR holds ca.pem/ca.key (test CA) and server.pem/server.key (TLS, for
// 127.0.0.1 and localhost), made when DIR has none of them.  The bound port
// goes to --port-file (written atomically) and to stdout.
#include "../common/loopback_server.h"  // first: it configures httplib.h
#include "../common/test_tls.h"

#include <jansson.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using tools::Die;

struct Options : tools::ServerOptions {
  std::string dir, stats_file;
  std::vector<std::string> bundles;
  std::vector<std::vector<std::string>> file_sets;
  bool redirect = false, huge = false, wrong_fmspc = false, bad_signature = false;
};

const char kUsage[] =
    "usage: pcs-emulator --dir DIR --bundle FILE... [--port N] [--port-file FILE]\n"
    "       [--files TCBINFO QEIDENTITY TCB_CHAIN PCKCRL PCKCRL_CHAIN ROOTCRL]...\n"
    "       [--stats-file FILE] [--status CODE] [--slow SECONDS] [--redirect]\n"
    "       [--huge] [--wrong-fmspc] [--bad-signature]\n";

struct Bundle {
  std::string fmspc;  // lowercase hex
  std::string tcb_body, tcb_chain;  // body: {"tcbInfo":...,"signature":"HEX"}
  std::string qe_body, qe_chain;
  std::string pck_crl_der, pck_crl_chain, root_crl_hex;
};

std::string ReadAll(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) Die("cannot read " + file);
  return ss.str();
}

std::string ToHex(const std::string& b) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string FromHex(const std::string& h, const std::string& what) {
  if (h.size() % 2) Die(what + ": odd hex");
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(h.c_str() + i, "%2x", &v) != 1) Die(what + ": bad hex");
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::string Member(json_t* o, const char* k, const std::string& file) {
  json_t* v = json_object_get(o, k);
  if (!json_is_string(v)) Die(file + ": no string \"" + k + "\"");
  return std::string(json_string_value(v), json_string_length(v));
}

std::string FmspcOf(const std::string& tcb_info_text, const std::string& file) {
  json_error_t err;
  json_t* t = json_loadb(tcb_info_text.data(), tcb_info_text.size(), 0, &err);
  if (!t) Die(file + ": TCB info is not JSON");
  json_t* inner = json_object_get(t, "tcbInfo");
  std::string f = Lower(Member(inner ? inner : t, "fmspc", file));
  json_decref(t);
  return f;
}

Bundle LoadFiles(const std::vector<std::string>& f) {
  Bundle b;
  b.tcb_body = ReadAll(f[0]);
  b.fmspc = FmspcOf(b.tcb_body, f[0]);
  b.qe_body = ReadAll(f[1]);
  b.tcb_chain = b.qe_chain = ReadAll(f[2]);
  b.pck_crl_der = ReadAll(f[3]);
  b.pck_crl_chain = ReadAll(f[4]);
  b.root_crl_hex = ToHex(ReadAll(f[5]));
  return b;
}

Bundle LoadBundle(const std::string& file) {
  json_error_t err;
  std::string text = ReadAll(file);
  json_t* o = json_loadb(text.data(), text.size(), 0, &err);
  if (!json_is_object(o)) Die(file + ": not a JSON object");
  Bundle b;
  b.tcb_body = "{\"tcbInfo\":" + Member(o, "tcb_info", file) + ",\"signature\":\"" +
               Member(o, "tcb_info_signature", file) + "\"}";
  b.tcb_chain = Member(o, "tcb_info_issuer_chain", file);
  b.qe_body = "{\"enclaveIdentity\":" + Member(o, "qe_identity", file) +
              ",\"signature\":\"" + Member(o, "qe_identity_signature", file) + "\"}";
  b.qe_chain = Member(o, "qe_identity_issuer_chain", file);
  b.pck_crl_der = FromHex(Member(o, "pck_crl", file), file);
  b.pck_crl_chain = Member(o, "pck_crl_issuer_chain", file);
  b.root_crl_hex = Lower(Member(o, "root_ca_crl", file));
  json_decref(o);
  b.fmspc = FmspcOf(b.tcb_body, file);
  return b;
}

// As Intel's PCS: everything but unreserved characters %-escaped.
std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class Emulator {
 public:
  Emulator(Options o, std::vector<Bundle> b) : o_(std::move(o)), b_(std::move(b)) {
    if (!o_.stats_file.empty()) WriteStats();
  }
  // Common misbehaviour; true when it answered.
  bool Misbehave(const httplib::Request& req, httplib::Response& res) {
    requests_++;
    WriteStats();
    if (o_.slow > 0) std::this_thread::sleep_for(std::chrono::seconds(o_.slow));
    if (o_.status != 0) {
      res.status = o_.status;
      res.set_content("configured to fail (--status)", "text/plain");
      return true;
    }
    if (o_.redirect) {
      res.status = 302;
      res.set_header("Location", req.path);
      return true;
    }
    if (o_.huge) {
      res.set_content(std::string(4u << 20, 'x'), "application/json");
      return true;
    }
    return false;
  }
  void Tcb(const httplib::Request& req, httplib::Response& res) {
    const std::string want = Lower(req.get_param_value("fmspc"));
    const Bundle* hit = nullptr;
    for (const Bundle& b : b_)
      if ((b.fmspc == want) != o_.wrong_fmspc) {
        hit = &b;
        break;
      }
    if (!hit) {
      res.status = 404;
      return;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      current_ = static_cast<size_t>(hit - b_.data());
    }
    std::string body = hit->tcb_body;
    // The first hex digit of the signature's value, changed.
    size_t at = body.rfind("\"signature\"");
    if (o_.bad_signature && at != std::string::npos &&
        (at = body.find('"', body.find(':', at))) != std::string::npos && at + 1 < body.size())
      body[at + 1] = body[at + 1] == '0' ? '1' : '0';
    res.set_header("TCB-Info-Issuer-Chain", UrlEncode(hit->tcb_chain));
    res.set_content(body, "application/json");
  }
  void Qe(httplib::Response& res) {
    const Bundle& b = Current();
    res.set_header("SGX-Enclave-Identity-Issuer-Chain", UrlEncode(b.qe_chain));
    res.set_content(b.qe_body, "application/json");
  }
  void PckCrl(httplib::Response& res) {
    const Bundle& b = Current();
    res.set_header("SGX-PCK-CRL-Issuer-Chain", UrlEncode(b.pck_crl_chain));
    res.set_content(b.pck_crl_der, "application/pkix-crl");
  }
  void RootCrl(httplib::Response& res) { res.set_content(Current().root_crl_hex, "text/plain"); }

 private:
  const Bundle& Current() {
    std::lock_guard<std::mutex> l(mu_);
    return b_[current_];
  }
  void WriteStats() {
    if (o_.stats_file.empty()) return;
    std::lock_guard<std::mutex> l(mu_);
    tools::WriteFileAtomically(o_.stats_file,
                               "{\"requests\": " + std::to_string(requests_.load()) + "}\n");
  }
  Options o_;
  std::vector<Bundle> b_;
  std::mutex mu_;
  size_t current_ = 0;
  std::atomic<long> requests_{0};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  // --files takes six values: the files of one platform's collateral.
  auto files = [&](const std::string& a, const tools::NextArg& next) {
    if (a != "--files") return false;
    std::vector<std::string> set;
    for (int k = 0; k < 6; k++) set.push_back(next());
    o.file_sets.push_back(set);
    return true;
  };
  tools::ParseArgs("pcs-emulator", argc, argv, kUsage, &o,
                   {{"--dir", &o.dir}, {"--bundle", &o.bundles}, {"--stats-file", &o.stats_file},
                    {"--redirect", &o.redirect}, {"--huge", &o.huge},
                    {"--wrong-fmspc", &o.wrong_fmspc}, {"--bad-signature", &o.bad_signature}},
                   files);
  if (o.dir.empty() || (o.bundles.empty() && o.file_sets.empty())) tools::UsageExit(kUsage);
  std::vector<Bundle> bundles;
  for (const auto& f : o.bundles) bundles.push_back(LoadBundle(f));
  for (const auto& f : o.file_sets) bundles.push_back(LoadFiles(f));
  tools::EnsureTestTls(o.dir, "pcs-emulator test CA");
  auto svr = tools::TlsServer(o.dir);
  Emulator emu(o, std::move(bundles));
  auto route = [&](const char* path, std::function<void(const httplib::Request&,
                                                         httplib::Response&)> f) {
    svr->Get(path, [&emu, f](const httplib::Request& req, httplib::Response& res) {
      if (!emu.Misbehave(req, res)) f(req, res);
    });
  };
  route("/tdx/certification/v4/tcb",
        [&](const httplib::Request& req, httplib::Response& res) { emu.Tcb(req, res); });
  route("/tdx/certification/v4/qe/identity",
        [&](const httplib::Request&, httplib::Response& res) { emu.Qe(res); });
  route("/sgx/certification/v4/pckcrl",
        [&](const httplib::Request&, httplib::Response& res) { emu.PckCrl(res); });
  route("/sgx/certification/v4/rootcacrl",
        [&](const httplib::Request&, httplib::Response& res) { emu.RootCrl(res); });
  return tools::ServeBound(*svr, tools::BindLoopback(*svr, o, "https"));
}
