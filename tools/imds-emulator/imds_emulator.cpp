// imds-emulator: a stand-in for the Azure IMDS endpoints the azure-vtpm
// provider uses, for tests on machines without TDX or SEV-SNP:
//
//   POST /acc/tdquote   {"report": base64url(TD report)}  ->  {"quote": base64url}
//        (with --sim DIR, a TDX sim)
//   GET  /metadata/THIM/amd/certification  (with --snp DIR, an SNP sim:
//        ssh-attest sim-init --snp)  ->  {"vcekCert": DIR/vcek.pem,
//        "certificateChain": DIR/ask.pem then DIR/ark.pem, "tcbm": ...},
//        as THIM answers on an Azure SNP CVM; 400 without "Metadata: true"
//
// Plain HTTP on loopback, as IMDS is plain HTTP on a link-local address.
// The TD report is quoted by the sim's quoting stand-in (SimQuoteTdReport:
// the report's MAC must be the sim CPU's, as the real QE checks it), so the
// quote verifies only under a policy trusting --sim DIR's test root.
// Misbehaviour for negative tests: --status CODE, --slow SECONDS,
// --other-report (quote a fresh report with other REPORTDATA instead of
// the one sent), --garbage (answer with a quote that does not parse).
// The bound port goes to --port-file (written atomically) and stdout.
#include "../common/loopback_server.h"  // first: it configures httplib.h
#include <jansson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/base64.h"
#include "provider/sim_tdx_authority.h"

namespace {

using tools::Die;

constexpr size_t kMaxRequest = 64 * 1024;

struct Options : tools::ServerOptions {
  std::string sim, snp;
  bool other_report = false;
  bool garbage = false;
};

const char kUsage[] =
    "usage: imds-emulator {--sim DIR | --snp DIR} [--port N] [--port-file FILE]\n"
    "       [--status CODE] [--slow SECONDS] [--other-report] [--garbage]\n";

void Error(httplib::Response& res, int status, const std::string& why) {
  res.status = status;
  res.set_content("{\"error\":\"" + why + "\"}", "application/json");
}

void TdQuote(const Options& o, const httplib::Request& req, httplib::Response& res) {
  if (o.slow > 0) std::this_thread::sleep_for(std::chrono::seconds(o.slow));
  if (o.status != 0 && o.status != 200) return Error(res, o.status, "told to fail");
  json_error_t jerr;
  json_t* doc = json_loadb(req.body.data(), req.body.size(), JSON_REJECT_DUPLICATES, &jerr);
  const char* b64 = doc ? json_string_value(json_object_get(doc, "report")) : nullptr;
  ra::Bytes report;
  bool ok = b64 != nullptr && ra::Base64UrlDecode(b64, &report).ok();
  json_decref(doc);
  if (!ok) return Error(res, 400, "body must be {\"report\": base64url}");
  if (o.other_report) {
    std::array<uint8_t, 64> rd{};
    rd.fill(0x5a);
    ra::Status s = ra::SimMakeTdReport(o.sim, rd, &report);
    if (!s.ok()) return Error(res, 500, "sim");
  }
  ra::Bytes quote;
  ra::Status s = ra::SimQuoteTdReport(o.sim, report, &quote);
  if (!s.ok()) {
    std::fprintf(stderr, "imds-emulator: refused a report: %s\n", s.message().c_str());
    return Error(res, 400, "report refused");
  }
  if (o.garbage) quote.resize(100);
  res.set_content("{\"quote\":\"" + ra::Base64UrlEncode(quote) + "\"}", "application/json");
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) Die("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void Thim(const Options& o, const httplib::Request& req, httplib::Response& res) {
  if (o.slow > 0) std::this_thread::sleep_for(std::chrono::seconds(o.slow));
  if (o.status != 0 && o.status != 200) return Error(res, o.status, "told to fail");
  if (req.get_header_value("Metadata") != "true")
    return Error(res, 400, "Required metadata header not specified");
  json_t* doc = json_object();
  json_object_set_new(doc, "vcekCert", json_string(ReadText(o.snp + "/vcek.pem").c_str()));
  json_object_set_new(doc, "tcbm", json_string("DB18000000000004"));
  json_object_set_new(doc, "certificateChain",
                      json_string((ReadText(o.snp + "/ask.pem") + ReadText(o.snp + "/ark.pem")).c_str()));
  json_object_set_new(doc, "cacheControl", json_string("86400"));
  char* text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  if (!text) return Error(res, 500, "json");
  if (o.garbage) text[std::strlen(text) / 2] = '\0';
  res.set_content(text, "application/json");
  std::free(text);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  tools::ParseArgs("imds-emulator", argc, argv, kUsage, &o,
                   {{"--sim", &o.sim}, {"--snp", &o.snp}, {"--other-report", &o.other_report},
                    {"--garbage", &o.garbage}});
  if (o.sim.empty() == o.snp.empty()) tools::UsageExit(kUsage);

  httplib::Server svr;
  svr.set_payload_max_length(kMaxRequest);
  tools::TuneServer(svr);
  if (!o.sim.empty())
    svr.Post("/acc/tdquote", [&](const httplib::Request& req, httplib::Response& res) {
      TdQuote(o, req, res);
    });
  else
    svr.Get("/metadata/THIM/amd/certification",
            [&](const httplib::Request& req, httplib::Response& res) { Thim(o, req, res); });
  return tools::ServeBound(svr, tools::BindLoopback(svr, o, "http") +
                                    (o.sim.empty() ? "/metadata/THIM/amd/certification"
                                                   : "/acc/tdquote"));
}
