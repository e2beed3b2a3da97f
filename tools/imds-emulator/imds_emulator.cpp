// imds-emulator: a stand-in for the one Azure IMDS endpoint the azure-vtpm
// provider uses, for tests on machines without TDX:
//
//   POST /acc/tdquote   {"report": base64url(TD report)}  ->  {"quote": base64url}
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
#include <string>
#include <thread>

#include "common/base64.h"
#include "provider/sim_tdx_authority.h"

namespace {

using tools::Die;

constexpr size_t kMaxRequest = 64 * 1024;

struct Options : tools::ServerOptions {
  std::string sim;
  bool other_report = false;
  bool garbage = false;
};

const char kUsage[] =
    "usage: imds-emulator --sim DIR [--port N] [--port-file FILE]\n"
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

}  // namespace

int main(int argc, char** argv) {
  Options o;
  tools::ParseArgs("imds-emulator", argc, argv, kUsage, &o,
                   {{"--sim", &o.sim}, {"--other-report", &o.other_report},
                    {"--garbage", &o.garbage}});
  if (o.sim.empty()) tools::UsageExit(kUsage);

  httplib::Server svr;
  svr.set_payload_max_length(kMaxRequest);
  tools::TuneServer(svr);
  svr.Post("/acc/tdquote", [&](const httplib::Request& req, httplib::Response& res) {
    TdQuote(o, req, res);
  });
  return tools::ServeBound(svr, tools::BindLoopback(svr, o, "http") + "/acc/tdquote");
}
