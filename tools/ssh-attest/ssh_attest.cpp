// ssh-attest: the attestation library from the command line.  Operators
// use it to look at evidence, check a policy against a captured quote, and
// set up the software TDX; scripts rely on its contract: results (and
// nothing else) on stdout, one "ssh-attest: ..." line on stderr naming the
// failed check, exit 0 ok / 1 refused or failed / 2 usage.
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
#include "parse/jwt_token.h"
#include "parse/tdx_quote.h"
#include "policy/maa_tdx_policy.h"
#include "policy/policy.h"
#include "provider/sim_tdx_authority.h"
#include "verify/azure_tdx_quote_verifier.h"
#include "verify/jwt_verifier.h"
#include "verify/tdx_quote_verifier.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFail = 1;
constexpr int kExitUsage = 2;
// Generous for a quote (< 16 KiB) and its padding; a bound all the same,
// since inspect is pointed at untrusted files.
constexpr size_t kMaxEvidenceFile = 1024 * 1024;

const char kUsage[] =
    "usage: ssh-attest inspect FILE\n"
    "       ssh-attest verify FILE [--report-data HEX] [--policy FILE] [--at TIME]\n"
    "       ssh-attest verify QUOTE --runtime-data FILE [--report-data HEX] [--policy FILE]\n"
    "                  [--at TIME]        (an Azure quote and its runtime JSON)\n"
    "       ssh-attest token-claims FILE\n"
    "       ssh-attest quote --provider SPEC --report-data HEX -o FILE\n"
    "                  [--runtime-data FILE] [--token FILE]\n"
    "       ssh-attest sim-init DIR [--mrtd HEX] [--debug]\n"
    "       ssh-attest sim-tdreport DIR --report-data HEX     (base64 TD report)\n"
    "       ssh-attest tpm-init [--tcti CONF] [--alg rsa|ecc] [--handle 0x81... | --out FILE]\n";

int Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "ssh-attest: %s\n", why.c_str());
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

int Failure(const std::string& msg) {
  std::fprintf(stderr, "ssh-attest: %s\n", msg.c_str());
  return kExitFail;
}

// Options of one subcommand: "--name VALUE", "--name=VALUE" or a flag.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> opts;
};

// spec: option name -> takes a value.  Returns "" or the usage error.
std::string ParseArgs(int argc, char** argv, const std::map<std::string, bool>& spec,
                      Args* out) {
  bool only_positional = false;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (only_positional || a.empty() || a[0] != '-' || a == "-") {
      out->positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name = a, value;
    bool has_inline = false;
    size_t eq = a.find('=');
    if (a.compare(0, 2, "--") == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_inline = true;
    }
    auto it = spec.find(name);
    if (it == spec.end()) return "unknown option " + name;
    if (out->opts.count(name)) return "option " + name + " given twice";
    if (it->second) {
      if (!has_inline) {
        if (i + 1 >= argc) return "option " + name + " needs a value";
        value = argv[++i];
      }
    } else if (has_inline) {
      return "option " + name + " takes no value";
    }
    out->opts[name] = value;
  }
  return std::string();
}

bool Has(const Args& a, const char* name) { return a.opts.count(name) != 0; }

std::string ParseBinding(const std::string& hex, ra::Binding* out) {
  ra::Bytes b;
  if (hex.size() != 2 * ra::kBindingLen || !ra::HexDecode(hex, &b).ok())
    return "--report-data wants " + std::to_string(2 * ra::kBindingLen) +
           " hex digits (64 bytes)";
  std::copy(b.begin(), b.end(), out->begin());
  return std::string();
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar,
  // and independent of TZ, unlike mktime.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM).  Strict,
// because a silently misread --at would verify at the wrong time.
bool ParseRfc3339(const std::string& s, std::time_t* out) {
  auto digits = [&](size_t pos, size_t n, int* v) {
    if (pos + n > s.size()) return false;
    int r = 0;
    for (size_t i = pos; i < pos + n; i++) {
      if (s[i] < '0' || s[i] > '9') return false;
      r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
  };
  int Y, M, D, h, m, sec;
  if (!digits(0, 4, &Y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, &M) ||
      s[7] != '-' || !digits(8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
      !digits(11, 2, &h) || s[13] != ':' || !digits(14, 2, &m) || s[16] != ':' ||
      !digits(17, 2, &sec))
    return false;
  size_t pos = 19;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') pos++;
    if (pos == start) return false;
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    pos++;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, &om) || oh > 23 || om > 59)
      return false;
    offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
  if (M < 1 || M > 12 || D < 1 || D > kDays[M - 1] + (M == 2 && leap ? 1 : 0) || h > 23 ||
      m > 59 || sec > 59)
    return false;
  int64_t t = DaysFromCivil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D)) * 86400 +
              h * 3600 + m * 60 + sec - offset;
  if (t <= 0) return false;  // 0 means "now" to the library
  *out = static_cast<std::time_t>(t);
  return true;
}

int CmdInspect(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(argc, argv, {}, &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.size() != 1) return Usage("inspect wants one FILE");
  ra::Bytes data;
  ra::Status s = ra::ReadFileBounded(a.positional[0], kMaxEvidenceFile, &data);
  if (!s.ok()) return Failure(s.message());
  ra::TdxQuote q;
  s = ra::ParseTdxQuote(data, &q);
  if (!s.ok()) return Failure(s.message());
  std::printf("%s\n", ra::TdxQuoteToJson(q).c_str());
  return kExitOk;
}

std::string Field(const ra::VerifiedClaims& c, const char* name) {
  for (const auto& f : c.fields)
    if (f.first == name) return f.second;
  return std::string();
}

// A compact JWS starts with base64url of '{"', i.e. "ey"; a TDX quote
// starts with a little-endian version 4 or 5.
bool LooksLikeToken(const ra::Bytes& data) {
  size_t i = 0;
  while (i < data.size() && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' ||
                             data[i] == '\t'))
    i++;
  return data.size() - i >= 2 && data[i] == 'e' && data[i + 1] == 'y';
}

int VerifyToken(const ra::Bytes& data, const ra::Binding* binding, const ra::Policy& policy,
                bool named_policy, std::time_t now) {
  if (std::find(policy.accepted_types.begin(), policy.accepted_types.end(),
                "maa-token") == policy.accepted_types.end())
    return Failure("policy: " + policy.source +
                   " does not accept maa-token (AcceptEvidence maa-token, Issuer, "
                   "IssuerKeys or IssuerKey)");
  ra::VerifiedJwt jwt;
  ra::Status s = ra::VerifyJwtToken(std::string(data.begin(), data.end()), policy, now, &jwt);
  if (!s.ok()) return Failure(s.message());
  const char* pol = named_policy ? policy.source.c_str() : "default";
  if (jwt.attestation_type != "tdxvm") {
    // Generic mode: signature, issuer and times hold, but we know no
    // binding or reference-value claims for this kind of token.
    if (binding)
      return Failure("binding: cannot be checked in a token of attestation type '" +
                     jwt.attestation_type + "' (only tdxvm carries x-ms-runtime user-data)");
    std::printf("verified maa-token (generic; attestation type %s; TDX claim checks not "
                "applicable): issuer=%s alg=%s kid=%s iat=%lld exp=%lld policy=%s "
                "report-data=NOT-CHECKED\n",
                jwt.attestation_type.empty() ? "none" : jwt.attestation_type.c_str(),
                jwt.issuer.c_str(), jwt.alg.c_str(), jwt.kid.c_str(),
                static_cast<long long>(jwt.iat), static_cast<long long>(jwt.exp), pol);
    return kExitOk;
  }
  ra::VerifiedClaims claims;
  s = ra::CheckMaaTdxClaims(jwt.claims.get(), binding, policy, &claims);
  if (!s.ok()) return Failure(s.message());
  std::string mrtd = Field(claims, "mrtd");
  std::printf("verified maa-token (tdxvm): issuer=%s alg=%s kid=%s mrtd=%s debug=%s "
              "policy=%s report-data=%s\n",
              jwt.issuer.c_str(), jwt.alg.c_str(), jwt.kid.c_str(),
              mrtd.empty() ? "absent" : mrtd.c_str(), Field(claims, "debug").c_str(), pol,
              binding ? "matches" : "NOT-CHECKED(no --report-data)");
  return kExitOk;
}

// Decodes without verifying, for looking at a token; the output says so.
int CmdTokenClaims(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(argc, argv, {}, &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.size() != 1) return Usage("token-claims wants one FILE");
  std::string text;
  ra::Status s = ra::ReadTextFileBounded(a.positional[0], ra::kMaxJwtLen + 64, &text);
  if (!s.ok()) return Failure(s.message());
  ra::JwtToken tok;
  s = ra::ParseJwt(text, &tok);
  if (!s.ok()) return Failure(s.message());
  ra::JsonPtr out(json_object());
  if (!out ||
      json_object_set_new(out.get(), "verified", json_false()) != 0 ||
      json_object_set_new(out.get(), "note",
                          json_string("UNVERIFIED: decoded only; signature, issuer, "
                                      "times and claims were NOT checked")) != 0 ||
      json_object_set(out.get(), "header", tok.header.get()) != 0 ||
      json_object_set(out.get(), "claims", tok.payload.get()) != 0)
    return Failure("internal error: out of memory");
  std::printf("%s\n", ra::JsonDump(out.get(), true).c_str());
  return kExitOk;
}

int CmdVerify(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(
      argc, argv,
      {{"--report-data", true}, {"--policy", true}, {"--at", true}, {"--runtime-data", true}},
      &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.size() != 1) return Usage("verify wants one FILE");
  ra::Binding binding{};
  if (Has(a, "--report-data")) {
    err = ParseBinding(a.opts["--report-data"], &binding);
    if (!err.empty()) return Usage(err);
  }
  std::time_t now = 0;
  if (Has(a, "--at") && !ParseRfc3339(a.opts["--at"], &now))
    return Usage("--at wants an RFC 3339 time such as 2023-06-20T00:00:00Z, not '" +
                 a.opts["--at"] + "'");

  ra::Policy policy;
  if (Has(a, "--policy")) {
    ra::Status s = ra::LoadPolicyFile(a.opts["--policy"], &policy);
    if (!s.ok()) return Failure(s.message());
  }

  ra::Bytes data;
  ra::Status s = ra::ReadFileBounded(a.positional[0], kMaxEvidenceFile, &data);
  if (!s.ok()) return Failure(s.message());
  if (LooksLikeToken(data))
    return VerifyToken(data, Has(a, "--report-data") ? &binding : nullptr, policy,
                       Has(a, "--policy"), now);
  // With --runtime-data the quote is an Azure one: REPORTDATA names the
  // runtime JSON, whose user-data is the binding.
  const bool azure = Has(a, "--runtime-data");
  const char* type = azure ? "azure-tdx-quote" : "tdx-quote";
  if (std::find(policy.accepted_types.begin(), policy.accepted_types.end(), type) ==
      policy.accepted_types.end())
    return Failure("policy: " + policy.source + " does not accept " + type);
  ra::VerifiedClaims claims;
  if (azure) {
    ra::Bytes runtime;
    s = ra::ReadFileBounded(a.opts["--runtime-data"], kMaxEvidenceFile, &runtime);
    if (s.ok())
      s = ra::VerifyAzureTdxQuote(data, runtime, Has(a, "--report-data") ? &binding : nullptr,
                                  policy, now, &claims);
  } else {
    s = ra::VerifyTdxQuote(data, Has(a, "--report-data") ? &binding : nullptr, policy, now,
                           &claims);
  }
  if (!s.ok()) return Failure(s.message());

  std::string tcb = Field(claims, "tcb_status");
  if (tcb == "not evaluated") tcb = "not-evaluated(no Collateral)";
  std::printf("verified %s v%s: mrtd=%s fmspc=%s tcb=%s debug=%s policy=%s "
              "report-data=%s\n",
              type, Field(claims, "version").c_str(), Field(claims, "mrtd").c_str(),
              Field(claims, "fmspc").c_str(), tcb.c_str(), Field(claims, "debug").c_str(),
              Has(a, "--policy") ? policy.source.c_str() : "default",
              Has(a, "--report-data") ? "matches" : "NOT-CHECKED(no --report-data)");
  return kExitOk;
}

// Writes all of data to path (created 0644, truncated).
int WriteOut(const std::string& path, const ra::Bytes& data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Failure("write " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(fd);
      return Failure("write " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0) return Failure("write " + path + ": " + std::strerror(errno));
  return kExitOk;
}

// -o gets the quote whichever way the provider makes it (raw, SHA-512 of
// the binding, Azure); an Azure provider's runtime JSON and service token
// go to --runtime-data and --token, so all of its evidence can be kept and
// checked offline.  Asking for a companion the provider did not produce is
// an error, not an empty file.
int CmdQuote(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(argc, argv,
                              {{"--provider", true},
                               {"--report-data", true},
                               {"-o", true},
                               {"--runtime-data", true},
                               {"--token", true}},
                              &a);
  if (!err.empty()) return Usage(err);
  if (!a.positional.empty()) return Usage("quote takes no positional argument");
  for (const char* o : {"--provider", "--report-data", "-o"})
    if (!Has(a, o)) return Usage(std::string("quote needs ") + o);
  ra::Binding binding{};
  err = ParseBinding(a.opts["--report-data"], &binding);
  if (!err.empty()) return Usage(err);

  std::unique_ptr<ra::EvidenceProvider> provider;
  ra::Status s = ra::OpenProvider(a.opts["--provider"], &provider);
  if (!s.ok()) return Failure(s.message());
  std::vector<ra::EvidenceItem> items;
  s = provider->Collect(binding, &items);
  if (!s.ok()) return Failure(s.message());
  auto find = [&](std::initializer_list<const char*> types) -> const ra::EvidenceItem* {
    for (const auto& item : items)
      for (const char* t : types)
        if (item.type == t) return &item;
    return nullptr;
  };
  const ra::EvidenceItem* quote = find({"tdx-quote", "tdx-quote-sha512", "azure-tdx-quote"});
  if (!quote) return Failure("provider: no quote produced");
  const struct {
    const char* opt;
    const char* type;
  } companions[] = {{"--runtime-data", "azure-runtime-data"}, {"--token", "maa-token"}};
  for (const auto& c : companions)
    if (Has(a, c.opt) && !find({c.type}))
      return Failure(std::string("provider: no ") + c.type + " produced (" + c.opt + ")");
  int rc = WriteOut(a.opts["-o"], quote->data);
  for (const auto& c : companions)
    if (rc == kExitOk && Has(a, c.opt)) rc = WriteOut(a.opts[c.opt], find({c.type})->data);
  return rc;
}

// The sim TD's TD report for REPORTDATA, base64 on stdout: what the vTPM
// test fixture puts into its HCL report (regress/azure/paravisor.py).
int CmdSimTdReport(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(argc, argv, {{"--report-data", true}}, &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.size() != 1 || !Has(a, "--report-data"))
    return Usage("sim-tdreport wants DIR and --report-data HEX");
  ra::Binding rd{};
  err = ParseBinding(a.opts["--report-data"], &rd);
  if (!err.empty()) return Usage(err);
  ra::Bytes report;
  ra::Status s = ra::SimMakeTdReport(a.positional[0], rd, &report);
  if (!s.ok()) return Failure(s.message());
  std::printf("%s\n", ra::Base64Encode(report).c_str());
  return kExitOk;
}

int CmdSimInit(int argc, char** argv) {
  Args a;
  std::string err = ParseArgs(argc, argv, {{"--mrtd", true}, {"--debug", false}}, &a);
  if (!err.empty()) return Usage(err);
  if (a.positional.size() != 1) return Usage("sim-init wants one DIR");
  ra::SimInitOptions opt;
  opt.debug = Has(a, "--debug");
  if (Has(a, "--mrtd")) {
    opt.mrtd_hex = a.opts["--mrtd"];
    ra::Bytes b;
    if (opt.mrtd_hex.size() != 96 || !ra::HexDecode(opt.mrtd_hex, &b).ok())
      return Usage("--mrtd wants 96 hex digits (48 bytes)");
  }
  const std::string& dir = a.positional[0];
  ra::Status s = ra::SimInit(dir, opt);
  if (!s.ok()) return Failure(s.message());
  // The result is the policy line that trusts this sim, with an absolute
  // path so it works from any policy file: `sim-init DIR >> policy`.
  char abs[PATH_MAX];
  std::string root = std::string(realpath(dir.c_str(), abs) ? abs : dir.c_str()) + "/" +
                     ra::kSimRootPem;
  if (root.find_first_of(" \t#=") != std::string::npos) root = "\"" + root + "\"";
  std::printf("TrustAnchor tdx %s\n", root.c_str());
  return kExitOk;
}

}  // namespace

int TpmInitCommand(int argc, char** argv);  // tpm_init_cmd.cpp

int main(int argc, char** argv) {
  // A peer closing mid-write (issuer key fetch) must be an error, not death.
  signal(SIGPIPE, SIG_IGN);
  try {
    if (argc < 2) return Usage("");
    std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (cmd == "inspect") return CmdInspect(argc - 2, argv + 2);
    if (cmd == "verify") return CmdVerify(argc - 2, argv + 2);
    if (cmd == "token-claims") return CmdTokenClaims(argc - 2, argv + 2);
    if (cmd == "quote") return CmdQuote(argc - 2, argv + 2);
    if (cmd == "sim-init") return CmdSimInit(argc - 2, argv + 2);
    if (cmd == "sim-tdreport") return CmdSimTdReport(argc - 2, argv + 2);
    if (cmd == "tpm-init") return TpmInitCommand(argc - 2, argv + 2);
    return Usage("unknown command '" + cmd + "'");
  } catch (const std::exception& e) {
    return Failure(std::string("internal error: ") + e.what());
  } catch (...) {
    return Failure("internal error");
  }
}
