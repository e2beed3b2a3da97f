// ssh-attest's simulator subcommands: sim-init (TDX, or SEV-SNP with
// --snp), sim-tdreport, sim-snpreport.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence.h"
#include "common/evidence_bundle.h"
#include "parse/jwt_token.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "provider/sim_snp_authority.h"
#include "provider/sim_tdx_authority.h"
#include "verify/evaluate.h"

#include "cli.h"

namespace ssh_attest {

// sim-tdreport / sim-snpreport: DIR and --report-data HEX in, the report
// make(dir, report_data) returns, base64 on stdout.
template <typename MakeReport>
int PrintSimReport(const char* cmd, int argc, char** argv, MakeReport make) {
  Args a;
  std::string err = ParseArgs(argc, argv, "--report-data=", &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.size() != 1 || !Has(a, "--report-data"))
    return Usage(std::string(cmd) + " wants DIR and --report-data HEX");
  ra::Binding rd{};
  err = ParseBinding(a.opts["--report-data"], &rd);
  if (!err.empty()) return Usage(err);
  ra::Bytes report;
  ra::Status s = make(a.positional[0], rd, &report);
  if (!s.ok()) return Failure(s.message());
  std::printf("%s\n", ra::Base64Encode(report).c_str());
  return kExitOk;
}

// The sim TD's TD report for REPORTDATA, base64 on stdout: what the vTPM
// test fixture puts into its HCL report (regress/azure/paravisor.py).
int CmdSimTdReport(int argc, char** argv) {
  return PrintSimReport("sim-tdreport", argc, argv, ra::SimMakeTdReport);
}

// The SNP sim's report for REPORT_DATA, base64 on stdout: what the vTPM
// test fixture puts into an SNP CVM's HCL report (regress/azure/paravisor.py
// --snpreport-cmd).
int CmdSimSnpReport(int argc, char** argv) {
  return PrintSimReport("sim-snpreport", argc, argv,
                        [](const std::string& dir, const ra::Binding& rd, ra::Bytes* report) {
                          ra::Bytes table;
                          return ra::SimSnpGetReport(dir, rd, report, &table);
                        });
}

namespace {

// The policy line that trusts a sim's root, with an absolute path so it
// works from any policy file: `sim-init DIR >> policy`.
int PrintTrustAnchor(const char* kind, const std::string& dir, const char* file) {
  char abs[PATH_MAX];
  std::string root = std::string(realpath(dir.c_str(), abs) ? abs : dir.c_str()) + "/" + file;
  if (root.find_first_of(" \t#=") != std::string::npos) root = "\"" + root + "\"";
  std::printf("TrustAnchor %s %s\n", kind, root.c_str());
  return kExitOk;
}

// sim-init --snp DIR [--measurement HEX] [--debug] [--product P]
int SimInitSnp(Args& a) {
  if (!a.positional.empty() || Has(a, "--mrtd"))
    return Usage("sim-init --snp DIR takes no other DIR and no --mrtd");
  ra::SimSnpInitOptions opt;
  opt.debug = Has(a, "--debug");
  if (Has(a, "--measurement")) {
    opt.measurement_hex = a.opts["--measurement"];
    ra::Bytes b;
    if (opt.measurement_hex.size() != 96 || !ra::HexDecode(opt.measurement_hex, &b).ok())
      return Usage("--measurement wants 96 hex digits (48 bytes)");
  }
  if (Has(a, "--product")) {
    const std::string& p = a.opts["--product"];
    opt.product = p == "milan" ? ra::SnpProduct::kMilan
                  : p == "genoa" ? ra::SnpProduct::kGenoa
                  : p == "turin" ? ra::SnpProduct::kTurin
                                 : ra::SnpProduct::kUnknown;
    if (opt.product == ra::SnpProduct::kUnknown)
      return Usage("--product wants milan, genoa or turin");
  }
  const std::string& dir = a.opts["--snp"];
  ra::Status s = ra::SimSnpInit(dir, opt);
  if (!s.ok()) return Failure(s.message());
  return PrintTrustAnchor("snp", dir, ra::kSimSnpArkPem);
}

}  // namespace

int CmdSimInit(int argc, char** argv) {
  Args a;
  // The TD's fields, or --snp DIR and the guest's.
  std::string err = ParseArgs(argc, argv,
                              "--mrtd= --mrconfigid= --mrowner= --td-attributes= --xfam= "
                              "--debug --kernel= --eventlog --snp= --measurement= --product=",
                              &a);
  if (!err.empty()) return Usage(err);
  if (Has(a, "--snp")) {
    if (Has(a, "--kernel") || Has(a, "--eventlog"))
      return Usage("--eventlog and --kernel are for a TDX sim (sim-init DIR)");
    return SimInitSnp(a);
  }
  if (Has(a, "--measurement") || Has(a, "--product"))
    return Usage("--measurement and --product are for sim-init --snp DIR");
  if (a.positional.size() != 1) return Usage("sim-init wants one DIR");
  ra::SimInitOptions opt;
  opt.debug = Has(a, "--debug");
  opt.eventlog = Has(a, "--eventlog") || Has(a, "--kernel");
  if (Has(a, "--kernel")) opt.kernel = a.opts["--kernel"];
  const struct {
    const char* option;
    size_t bytes;
    std::string* dst;
  } kHexOptions[] = {{"--mrtd", 48, &opt.mrtd_hex},
                     {"--mrconfigid", 48, &opt.mrconfigid_hex},
                     {"--mrowner", 48, &opt.mrowner_hex},
                     {"--td-attributes", 8, &opt.td_attributes_hex},
                     {"--xfam", 8, &opt.xfam_hex}};
  for (const auto& o : kHexOptions) {
    if (!Has(a, o.option)) continue;
    *o.dst = a.opts[o.option];
    ra::Bytes b;
    if (o.dst->size() != 2 * o.bytes || !ra::HexDecode(*o.dst, &b).ok())
      return Usage(std::string(o.option) + " wants " + std::to_string(2 * o.bytes) +
                   " hex digits (" + std::to_string(o.bytes) + " bytes)");
  }
  const std::string& dir = a.positional[0];
  ra::Status s = ra::SimInit(dir, opt);
  if (!s.ok()) return Failure(s.message());
  return PrintTrustAnchor("tdx", dir, ra::kSimRootPem);
}

}  // namespace ssh_attest
