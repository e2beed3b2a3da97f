// ssh-attest's shared plumbing (cli.h).
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
#include <sstream>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence.h"
#include "common/evidence_bundle.h"
#include "parse/jwt_token.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "provider/sim_tdx_authority.h"
#include "verify/evaluate.h"

#include "cli.h"

namespace ssh_attest {

extern const char kUsage[];
const char kUsage[] =
    "usage: ssh-attest inspect FILE\n"
    "       ssh-attest verify FILE [--report-data HEX] [--policy FILE] [--at TIME]\n"
    "       ssh-attest verify QUOTE --runtime-data FILE [--report-data HEX] [--policy FILE]\n"
    "                  [--at TIME]        (an Azure quote and its runtime JSON)\n"
    "       ssh-attest token-claims FILE\n"
    "       ssh-attest quote --provider SPEC --report-data HEX -o FILE|- [--raw]\n"
    "       ssh-attest quote --provider SPEC --report-data HEX -o FILE\n"
    "                  [--runtime-data FILE] [--token FILE]\n"
    "       ssh-attest sim-init DIR [--mrtd HEX] [--mrconfigid HEX] [--mrowner HEX]\n"
    "                [--td-attributes HEX] [--xfam HEX] [--debug]\n"
    "                [--eventlog] [--kernel NAME]      (a CCEL log of RTMR0-3)\n"
    "       ssh-attest sim-init --snp DIR [--measurement HEX] [--debug]\n"
    "                [--product milan|genoa|turin]\n"
    "       ssh-attest sim-tdreport DIR --report-data HEX     (base64 TD report)\n"
    "       ssh-attest sim-snpreport DIR --report-data HEX    (base64 SNP report)\n"
    "       ssh-attest tpm-init [--tcti CONF] [--alg rsa|ecc] [--handle 0x81... | --out FILE]\n"
    "       ssh-attest known --list | --remove HOST [-p PORT] [-f FILE]\n"
    "       ssh-attest eventlog [--ccel | --ima] [--text] FILE...  (TPM, CCEL or IMA log)\n"
    "       ssh-attest scan [--ssh PROGRAM] [--policy FILE] [ssh options] [user@]host\n"
    "       ssh-attest policy BUNDLE [--policy FILE] [--at TIME]\n"
    "       ssh-attest check-policy FILE\n"
    "       ssh-attest --version\n"
    "FILE: an evidence bundle (JSON, docs/protocol.md), a token, or one quote\n"
    "(binary, hex or base64).  TIME: RFC 3339 or seconds since the epoch.\n"
    "Exit: 0 verified/done, 1 refused or failed, 2 usage.\n";

std::string CommandUsage(const std::string& cmd) {
  std::istringstream in(kUsage);
  std::string line, synopsis, notes;
  bool in_cmd = false;
  const std::string name = "ssh-attest " + cmd;
  while (std::getline(in, line)) {
    size_t at = line.find("ssh-attest ");
    if (at != std::string::npos && (line.rfind("usage: ", 0) == 0 || at == 7)) {
      std::string rest = line.substr(at);
      in_cmd = rest == name || rest.compare(0, name.size() + 1, name + " ") == 0;
      if (in_cmd) synopsis += (synopsis.empty() ? "usage: " : "       ") + rest + "\n";
    } else if (line.rfind("  ", 0) == 0) {  // a synopsis line's continuation
      if (in_cmd) synopsis += line + "\n";
    } else {  // the notes after the synopsis
      in_cmd = false;
      notes += line + "\n";
    }
  }
  return synopsis.empty() ? std::string(kUsage) : synopsis + notes;
}

int Usage(const std::string& why, const char* usage) {
  if (!why.empty()) std::fprintf(stderr, "ssh-attest: %s\n", why.c_str());
  std::fputs(usage, stderr);
  return kExitUsage;
}

int Failure(const std::string& msg) {
  std::fprintf(stderr, "ssh-attest: %s\n", msg.c_str());
  return kExitFail;
}


// spec: option name -> takes a value.  Returns "" or the usage error.
namespace {

// "--a= --b" -> {--a: takes a value, --b: does not}.
std::map<std::string, bool> OptionSpec(const std::string& text) {
  std::map<std::string, bool> spec;
  std::istringstream words(text);
  std::string w;
  while (words >> w) {
    bool value = w.back() == '=';
    spec[value ? w.substr(0, w.size() - 1) : w] = value;
  }
  return spec;
}

}  // namespace

std::string ParseArgs(int argc, char** argv, const std::string& spec_text, Args* out) {
  const std::map<std::string, bool> spec = OptionSpec(spec_text);
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

std::string ParseArgsOneOperand(int argc, char** argv, const std::string& spec,
                                const char* want_one, Args* out) {
  std::string err = ParseArgs(argc, argv, spec, out);
  if (err.empty() && out->positional.size() != 1) err = want_one;
  return err;
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

static int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
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
static bool ParseRfc3339(const std::string& s, std::time_t* out) {
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

// RFC 3339, or seconds since the epoch (1..10^11).
bool ParseTime(const std::string& s, std::time_t* out) {
  if (!s.empty() && s.size() <= 11 && s.find_first_not_of("0123456789") == std::string::npos) {
    long long v = std::stoll(s);
    if (v <= 0) return false;  // 0 means "now" to the library
    *out = static_cast<std::time_t>(v);
    return true;
  }
  return ParseRfc3339(s, out);
}

// Writes all of data to path (created 0644, truncated); "-" is stdout.
int WriteOut(const std::string& path, const ra::Bytes& data) {
  if (path == "-") {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0)
      return Failure(std::string("write stdout: ") + std::strerror(errno));
    return kExitOk;
  }
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

// A compact JWS starts with base64url of '{"', i.e. "ey"; a TDX quote
// starts with a little-endian version 4 or 5.
bool LooksLikeToken(const ra::Bytes& data) {
  size_t i = 0;
  while (i < data.size() && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' ||
                             data[i] == '\t'))
    i++;
  return data.size() - i >= 2 && data[i] == 'e' && data[i + 1] == 'y';
}

// A quote saved as text (hex, or standard base64 as trustauthority-cli
// prints it), decoded; false when data is not such text.
static bool DecodeTextQuote(const ra::Bytes& data, ra::Bytes* out) {
  std::string t(data.begin(), data.end());
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) return false;
  if (t.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
    return ra::HexDecode(t, out).ok();
  return ra::Base64Decode(t, out).ok();
}

// A TDX quote starts with its version, 4 or 5, little-endian.
bool LooksLikeQuote(const ra::Bytes& d) {
  return d.size() >= 2 && (d[0] == 4 || d[0] == 5) && d[1] == 0;
}

// The items FILE stands for: a bundle's, a token, or one quote (binary,
// hex or base64; with --runtime-data, an Azure quote and its runtime JSON).
int LoadItems(const std::string& path, const Args& a, std::vector<ra::EvidenceItem>* items,
              bool* bundle) {
  ra::Bytes data;
  ra::Status s = ra::ReadFileBounded(path, kMaxEvidenceFile, &data);
  if (!s.ok()) return Failure(s.message());
  std::string text(data.begin(), data.end());
  if (bundle) *bundle = ra::LooksLikeEvidenceBundle(text);
  if (ra::LooksLikeEvidenceBundle(text)) {
    if (Has(a, "--runtime-data")) return Usage("--runtime-data is for a bare quote, not a bundle");
    s = ra::ParseEvidenceBundle(text, items);
    return s.ok() ? kExitOk : Failure(path + ": " + s.message());
  }
  if (LooksLikeToken(data)) {
    items->push_back({ra::kEvidenceMaaToken, std::move(data)});
    return kExitOk;
  }
  ra::Bytes decoded;
  if (!LooksLikeQuote(data) && DecodeTextQuote(data, &decoded)) data = std::move(decoded);
  if (!LooksLikeQuote(data))
    return Failure(path + ": not an evidence bundle, a token or a TDX quote (binary, hex or "
                          "base64); `ssh-attest quote` writes bundles");
  if (!Has(a, "--runtime-data")) {
    items->push_back({ra::kEvidenceTdxQuote, std::move(data)});
    return kExitOk;
  }
  ra::Bytes runtime;
  s = ra::ReadFileBounded(a.opts.at("--runtime-data"), kMaxEvidenceFile, &runtime);
  if (!s.ok()) return Failure(s.message());
  items->push_back({ra::kEvidenceAzureTdxQuote, std::move(data)});
  items->push_back({ra::kEvidenceAzureRuntimeData, std::move(runtime)});
  return kExitOk;
}

}  // namespace ssh_attest
