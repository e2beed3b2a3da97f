// The policy file format (docs/policy.md): one keyword per line, OpenSSH
// config style.  The parser is deliberately strict: a typo in a security
// policy must stop the program at start-up, not silently widen what is
// accepted, so unknown keywords, stray arguments and repeated single-valued
// keywords are all errors.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "parse/jwt_token.h"
#include "policy/policy.h"
#include "verify/jwt_verifier.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

constexpr size_t kMaxPolicyFileLen = 64 * 1024;
// Long enough for a dozen 96-digit reference values on one line.
constexpr size_t kMaxLineLen = 4096;
constexpr size_t kMaxTrustAnchorLen = 256 * 1024;
constexpr size_t kMeasurementLen = 48;
// Bounds that catch unit mistakes (milliseconds, say) rather than express
// a security judgement: ten years, one day.
constexpr int64_t kMaxMaxAge = 10LL * 365 * 24 * 3600;
constexpr int64_t kMaxClockSkew = 24 * 3600;

const char* const kKnownTcbStatus[] = {
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "Revoked",
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Splits a line into keyword and arguments.  As in ssh_config, the keyword
// may be followed by whitespace or by '=' (optionally surrounded by
// whitespace); arguments may be double-quoted so paths can hold spaces; an
// unquoted '#' starts a comment.
Status Tokenize(const std::string& line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  bool after_keyword = false;
  while (i < n) {
    while (i < n && IsSpace(line[i])) i++;
    if (i >= n) break;
    if (line[i] == '#') break;
    if (after_keyword && out->size() == 1 && line[i] == '=') {
      // Only one '=' may separate the keyword from its first argument.
      after_keyword = false;
      i++;
      continue;
    }
    std::string tok;
    if (line[i] == '"') {
      size_t end = line.find('"', i + 1);
      if (end == std::string::npos) return Status::Fail("unterminated quote");
      tok = line.substr(i + 1, end - i - 1);
      i = end + 1;
      if (i < n && !IsSpace(line[i]) && line[i] != '#')
        return Status::Fail("garbage after closing quote");
      if (tok.empty()) return Status::Fail("empty quoted argument");
    } else {
      size_t start = i;
      while (i < n && !IsSpace(line[i]) && line[i] != '"' &&
             !(out->empty() && line[i] == '='))
        i++;
      if (i < n && line[i] == '"')
        return Status::Fail("quote inside an argument");
      tok = line.substr(start, i - start);
    }
    out->push_back(std::move(tok));
    if (out->size() == 1) after_keyword = true;
    else after_keyword = false;
  }
  return Status();
}

// "a,b,c" -> {"a","b","c"}; an empty element is an error, since it usually
// means a value was lost in editing.
Status SplitList(const std::string& arg, std::vector<std::string>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t comma = arg.find(',', start);
    std::string item = arg.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) return Status::Fail("empty element in list '" + arg + "'");
    out->push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status();
}

// A comma-separated list of known evidence types, lower-cased, duplicates
// dropped.
Status ParseEvidenceTypes(const std::string& arg, std::vector<std::string>* out) {
  std::vector<std::string> types;
  RA_RETURN_IF_ERROR(SplitList(arg, &types));
  std::vector<std::string> list;
  for (const std::string& t : types) {
    std::string lt = Lower(t);
    // The kind registry (verify/kind_registry.cpp) knows every type.
    if (!IsKnownEvidenceType(lt)) return Status::Fail("unknown evidence type '" + t + "'");
    if (std::find(list.begin(), list.end(), lt) == list.end()) list.push_back(lt);
  }
  *out = std::move(list);
  return Status();
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  if (base_dir == ".") return path;
  return base_dir + "/" + path;
}

Status CheckTrustAnchorFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return Status::Fail("trust anchor " + path, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::Fail("trust anchor " + path, "not a regular file");
  Bytes pem;
  Status s = ReadFileBounded(path, kMaxTrustAnchorLen, &pem);
  if (!s.ok()) return Status::Fail("trust anchor " + path, s.detail());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return Status::Fail("trust anchor " + path, "out of memory");
  int count = 0;
  while (true) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) break;
    count++;
  }
  // PEM_read leaves "no start line" on the error queue at end of input.
  ERR_clear_error();
  if (count == 0)
    return Status::Fail("trust anchor " + path, "no PEM certificate found");
  return Status();
}

// The TrustAnchor file's certificates, kept: the same strict PEM reading
// the verifier used to do on every verification (a damaged block or more
// than 16 certificates refuse the file), now done once, at load.
Status LoadAnchorCerts(const std::string& path, std::shared_ptr<const TrustAnchorCerts>* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return Status::Fail("trust anchor " + path, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::Fail("trust anchor " + path, "not a regular file");
  std::string pem;
  Status s = ReadTextFileBounded(path, kMaxTrustAnchorLen, &pem);
  if (!s.ok()) return Status::Fail("trust anchor " + path, s.detail());
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Status::Fail("trust anchor " + path, "no PEM certificate found");
  auto anchors = std::make_shared<TrustAnchorCerts>();
  anchors->source = path;
  s = LoadPemCerts(pem, "trust anchor " + path, &anchors->certs);
  if (s.ok()) s = FillAnchorDer(anchors.get());
  if (!s.ok()) return s;
  *out = std::move(anchors);
  return Status();
}

Status CheckDirectory(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return Status::Fail("collateral " + path, std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return Status::Fail("collateral " + path, "not a directory");
  return Status();
}

Status ParseMeasurements(const std::string& arg, std::vector<Bytes>* out) {
  std::vector<std::string> items;
  RA_RETURN_IF_ERROR(SplitList(arg, &items));
  for (const std::string& item : items) {
    if (item.size() != 2 * kMeasurementLen)
      return Status::Fail("value must be " + std::to_string(2 * kMeasurementLen) +
                          " hex digits (48 bytes), got " +
                          std::to_string(item.size()) + " characters");
    Bytes b;
    Status s = HexDecode(item, &b);
    if (!s.ok()) return Status::Fail("value is not hex: " + s.detail());
    out->push_back(std::move(b));
  }
  return Status();
}

Status ParseSeconds(const std::string& arg, int64_t max, int64_t* out) {
  if (arg.empty() || arg.size() > 12 ||
      !std::all_of(arg.begin(), arg.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return Status::Fail("'" + arg + "' is not a number of seconds");
  int64_t v = std::stoll(arg);
  if (v > max)
    return Status::Fail("'" + arg + "' exceeds the maximum of " +
                        std::to_string(max) + " seconds");
  *out = v;
  return Status();
}

class Parser {
 public:
  Parser(const std::string& name, Policy* pol)
      : name_(name), base_dir_(DirName(name)), pol_(pol) {}

  Status Line(size_t lineno, const std::vector<std::string>& tok);

 private:
  Status ExpectArgs(const std::vector<std::string>& tok, size_t n) {
    if (tok.size() < n + 1)
      return Status::Fail("missing argument to " + tok[0]);
    if (tok.size() > n + 1)
      return Status::Fail("extra argument '" + tok[n + 1] + "' to " + tok[0]);
    return Status();
  }

  std::string name_;
  std::string base_dir_;
  Policy* pol_;
  std::map<std::string, size_t> seen_;  // single-valued keyword -> line
};

Status Parser::Line(size_t lineno, const std::vector<std::string>& tok) {
  const std::string kw = Lower(tok[0]);

  // Reference values may be spread over several lines (they accumulate);
  // everything else has exactly one value, and a second occurrence is more
  // likely a mistake than an intent we could guess.
  static const char* const kMultiValued[] = {"mrtd",  "rtmr0",  "rtmr1",
                                             "rtmr2", "rtmr3",  "mrseam",
                                             "issuer", "issuerkey"};
  bool multi = std::any_of(std::begin(kMultiValued), std::end(kMultiValued),
                           [&](const char* k) { return kw == k; });

  std::string dup_key = kw;
  if (kw == "trustanchor" && tok.size() > 1) dup_key += " " + Lower(tok[1]);

  if (kw == "acceptevidence") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    RA_RETURN_IF_ERROR(ParseEvidenceTypes(tok[1], &pol_->accepted_types));
  } else if (kw == "requireevidence") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    RA_RETURN_IF_ERROR(ParseEvidenceTypes(tok[1], &pol_->required_types));
  } else if (kw == "trustanchor") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 2));
    if (Lower(tok[1]) != "tdx")
      return Status::Fail("unknown trust anchor kind '" + tok[1] +
                          "' (known: tdx)");
    std::string path = Resolve(base_dir_, tok[2]);
    std::shared_ptr<const TrustAnchorCerts> certs;
    Status s = LoadAnchorCerts(path, &certs);
    if (!s.ok()) return Status::Fail(s.message());
    pol_->tdx_trust_anchor = path;
    pol_->tdx_anchor_certs = std::move(certs);
  } else if (kw == "collateral") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::string path = Resolve(base_dir_, tok[1]);
    Status s = CheckDirectory(path);
    if (!s.ok()) return Status::Fail(s.message());
    pol_->collateral_dir = path;
  } else if (kw == "mrtd" || kw == "mrseam" ||
             (kw.size() == 5 && kw.compare(0, 4, "rtmr") == 0 &&
              kw[4] >= '0' && kw[4] <= '3')) {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::vector<Bytes>* dst = kw == "mrtd"     ? &pol_->mrtd
                              : kw == "mrseam" ? &pol_->mrseam
                                               : &pol_->rtmr[kw[4] - '0'];
    Status s = ParseMeasurements(tok[1], dst);
    if (!s.ok()) return Status::Fail(tok[0] + ": " + s.check());
  } else if (kw == "allowdebug") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::string v = Lower(tok[1]);
    if (v == "yes") pol_->allow_debug = true;
    else if (v == "no") pol_->allow_debug = false;
    else return Status::Fail("AllowDebug wants yes or no, not '" + tok[1] + "'");
  } else if (kw == "allowedtcbstatus") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::vector<std::string> names;
    RA_RETURN_IF_ERROR(SplitList(tok[1], &names));
    std::vector<std::string> allowed;
    for (const std::string& nm : names) {
      const char* canon = nullptr;
      for (const char* k : kKnownTcbStatus)
        if (Lower(nm) == Lower(k)) canon = k;
      if (!canon) return Status::Fail("unknown TCB status '" + nm + "'");
      if (std::find(allowed.begin(), allowed.end(), canon) == allowed.end())
        allowed.push_back(canon);
    }
    pol_->allowed_tcb_status = std::move(allowed);
  } else if (kw == "issuer") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::string norm;
    Status s = NormalizeHttpsUrl(tok[1], &norm);
    if (!s.ok()) return Status::Fail("Issuer: " + s.detail());
    if (std::find(pol_->issuers.begin(), pol_->issuers.end(), norm) != pol_->issuers.end())
      return Status::Fail("duplicate Issuer " + norm);
    pol_->issuers.push_back(norm);
  } else if (kw == "issuerkeys") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::string path = Resolve(base_dir_, tok[1]);
    // Parsed now so that a broken key file shows at start-up; parsed
    // again when used, so the keys are the file's current ones.
    std::vector<JwtKey> keys;
    Status s = LoadJwksFile(path, &keys);
    if (!s.ok()) return Status::Fail("IssuerKeys: " + s.detail());
    pol_->issuer_keys_file = path;
  } else if (kw == "issuerkey") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 2));
    std::string path = Resolve(base_dir_, tok[2]);
    JwtKey key;
    Status s = LoadPemKeyFile(tok[1], path, &key);
    if (!s.ok()) return Status::Fail("IssuerKey: " + s.detail());
    for (const auto& kp : pol_->issuer_key_pems)
      if (kp.first == tok[1]) return Status::Fail("IssuerKey: kid '" + tok[1] + "' given twice");
    pol_->issuer_key_pems.emplace_back(tok[1], path);
  } else if (kw == "issuerca") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    std::string path = Resolve(base_dir_, tok[1]);
    Status s = CheckTrustAnchorFile(path);
    if (!s.ok()) return Status::Fail("IssuerCA: " + s.message());
    pol_->issuer_ca_file = path;
  } else if (kw == "issuerkeycache") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    // Only "none" (exactly) turns the cache off; a directory called so is
    // still reachable as ./none.  The directory is not checked here: a
    // cache problem must never stop verification, so it is judged, and
    // ignored if need be, each time it is used (jwks_fetcher.cpp).
    if (tok[1] == "none") {
      pol_->issuer_key_cache.clear();
    } else {
      if (Lower(tok[1]) == "none")
        return Status::Fail("IssuerKeyCache: '" + tok[1] + "': write none, or ./" + tok[1] +
                            " for a directory of that name");
      pol_->issuer_key_cache = Resolve(base_dir_, tok[1]);
    }
    pol_->issuer_key_cache_given = true;
  } else if (kw == "maxage") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    Status s = ParseSeconds(tok[1], kMaxMaxAge, &pol_->max_age);
    if (!s.ok()) return Status::Fail("MaxAge: " + s.check());
  } else if (kw == "clockskew") {
    RA_RETURN_IF_ERROR(ExpectArgs(tok, 1));
    Status s = ParseSeconds(tok[1], kMaxClockSkew, &pol_->clock_skew);
    if (!s.ok()) return Status::Fail("ClockSkew: " + s.check());
  } else {
    return Status::Fail("unknown keyword '" + tok[0] + "'");
  }

  if (!multi) {
    auto it = seen_.find(dup_key);
    if (it != seen_.end())
      return Status::Fail("duplicate " + tok[0] + " (first given at line " +
                          std::to_string(it->second) + ")");
    seen_[dup_key] = lineno;
  }
  return Status();
}

}  // namespace

Status LoadTdxTrustAnchor(const std::string& path, Policy* policy) {
  std::shared_ptr<const TrustAnchorCerts> certs;
  RA_RETURN_IF_ERROR(LoadAnchorCerts(path, &certs));
  policy->tdx_trust_anchor = path;
  policy->tdx_anchor_certs = std::move(certs);
  return Status();
}

Status ParsePolicy(const std::string& text, const std::string& name,
                   Policy* out) {
  auto fail = [&](size_t lineno, const std::string& what) {
    return Status::Fail("policy", name + ":" + std::to_string(lineno) + ": " + what);
  };
  if (text.size() > kMaxPolicyFileLen)
    return Status::Fail("policy", name + ": larger than " +
                                      std::to_string(kMaxPolicyFileLen) + " bytes");
  if (text.find('\0') != std::string::npos)
    return Status::Fail("policy", name + ": contains a NUL byte");

  Policy pol;
  pol.source = name;
  Parser parser(name, &pol);
  size_t lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    lineno++;
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos
                                                                : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMaxLineLen)
      return fail(lineno, "line longer than " + std::to_string(kMaxLineLen) +
                              " characters");
    std::vector<std::string> tok;
    Status s = Tokenize(line, &tok);
    if (!s.ok()) return fail(lineno, s.message());
    if (tok.empty()) continue;
    s = parser.Line(lineno, tok);
    if (!s.ok()) return fail(lineno, s.message());
  }
  // Whole-file rules.  Accepting tokens without naming whom to trust
  // would leave the issuer to the token; refuse rather than guess.
  auto whole = [&](const std::string& what) {
    return Status::Fail("policy", name + ": " + what);
  };
  bool tokens = std::find(pol.accepted_types.begin(), pol.accepted_types.end(),
                          kEvidenceMaaToken) != pol.accepted_types.end();
  if (tokens && pol.issuers.empty())
    return whole("AcceptEvidence maa-token needs at least one Issuer");
  // Requiring a type the policy does not accept could never be met; say so
  // at load time rather than refusing every server.
  for (const std::string& t : pol.required_types)
    if (std::find(pol.accepted_types.begin(), pol.accepted_types.end(), t) ==
        pol.accepted_types.end())
      return whole("RequireEvidence " + t + " is not in AcceptEvidence");
  if (!pol.issuer_keys_file.empty() || !pol.issuer_key_pems.empty()) {
    std::vector<JwtKey> keys;  // a kid in both IssuerKeys and IssuerKey
    Status s = LoadPinnedIssuerKeys(pol, &keys);
    if (!s.ok()) return whole(s.message());
  }
  *out = std::move(pol);
  return Status();
}

Status LoadPolicyFile(const std::string& path, Policy* out) {
  auto fail = [&](const std::string& what) {
    return Status::Fail("policy", path + ": " + what);
  };
  // Checked on the descriptor we read, so the file judged is the file used;
  // O_NONBLOCK so a FIFO planted at the path cannot hang start-up.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return fail(std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  // Anyone who can write the policy can name their own trust anchor; as
  // ssh does for its config, refuse a file every local user may rewrite.
  if (st.st_mode & S_IWOTH) return fail("is world-writable");
  if (st.st_size > static_cast<off_t>(kMaxPolicyFileLen))
    return fail("larger than " + std::to_string(kMaxPolicyFileLen) + " bytes");
  std::string text;
  char buf[8192];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxPolicyFileLen)  // grew while we read
      return fail("larger than " + std::to_string(kMaxPolicyFileLen) + " bytes");
  }
  return ParsePolicy(text, path, out);
}

}  // namespace ra
