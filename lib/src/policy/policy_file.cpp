// The policy file format (docs/policy.md): one keyword per line, OpenSSH
// config style.  The parser is deliberately strict: a typo in a security
// policy must stop the program at start-up, not silently widen what is
// accepted, so unknown keywords, stray arguments and repeated single-valued
// keywords are all errors.
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
#include "common/safe_path.h"
#include "policy/policy.h"
#include "policy/policy_keywords.h"

namespace ra {
namespace {

constexpr size_t kMaxPolicyFileLen = 64 * 1024;
// Long enough for a dozen 96-digit reference values on one line.
constexpr size_t kMaxLineLen = 4096;
constexpr size_t kMeasurementLen = 48;
// Bounds that catch unit mistakes (milliseconds, say) rather than express
// a security judgement: ten years, one day.
constexpr int64_t kMaxMaxAge = 10LL * 365 * 24 * 3600;
constexpr int64_t kMaxClockSkew = 24 * 3600;

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

// A comma-separated list of known evidence types (the kind registry knows
// them), lower-cased, duplicates dropped.
Status ParseEvidenceTypes(const std::string& arg, std::vector<std::string>* out) {
  std::vector<std::string> types;
  RA_RETURN_IF_ERROR(SplitPolicyList(arg, &types));
  std::vector<std::string> list;
  for (const std::string& t : types) {
    std::string lt = LowerAscii(t);
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

Status CheckArgCount(const std::vector<std::string>& tok, size_t n) {
  if (tok.size() < n + 1) return Status::Fail("missing argument to " + tok[0]);
  if (tok.size() > n + 1)
    return Status::Fail("extra argument '" + tok[n + 1] + "' to " + tok[0]);
  return Status();
}

// Requiring a type the policy does not accept could never be met; say so
// at load time rather than refusing every server.
Status FinishCommon(Policy* pol) {
  // Cached evidence is only as good as the window it is accepted in: no
  // default window, and no window without the mode.
  if (pol->accept_cached_evidence && pol->max_evidence_age == 0)
    return Status::Fail("AcceptCachedEvidence yes needs MaxEvidenceAge");
  if (!pol->accept_cached_evidence && pol->max_evidence_age != 0)
    return Status::Fail("MaxEvidenceAge without AcceptCachedEvidence yes");
  for (const std::string& t : pol->required_types)
    if (std::find(pol->accepted_types.begin(), pol->accepted_types.end(), t) ==
        pol->accepted_types.end())
      return Status::Fail("RequireEvidence " + t + " is not in AcceptEvidence");
  return Status();
}

class Parser {
 public:
  Parser(const std::string& name, Policy* pol) : base_dir_(DirName(name)), pol_(pol) {}
  Status Line(size_t lineno, std::vector<std::string> tok);

 private:
  std::string base_dir_;
  Policy* pol_;
  std::map<std::string, size_t> seen_;  // single-valued keyword -> line
};

// Reference values may be spread over several lines (they accumulate);
// everything else has exactly one value, and a second occurrence is more
// likely a mistake than an intent we could guess.
Status Parser::Line(size_t lineno, std::vector<std::string> tok) {
  const std::string kw = LowerAscii(tok[0]);
  std::string first_args;  // of entries that take only some first arguments
  size_t first_arg_args = 0;
  for (const PolicySection* section : PolicySections()) {
    for (const PolicyKeyword& k : section->keywords) {
      if (kw != LowerAscii(k.name)) continue;
      if (k.first_arg != nullptr) {
        if (tok.size() < 2 || LowerAscii(tok[1]) != k.first_arg) {
          first_args += std::string(first_args.empty() ? "" : ", ") + k.first_arg;
          first_arg_args = k.args;
          continue;
        }
      }
      RA_RETURN_IF_ERROR(CheckArgCount(tok, k.args));
      PolicyLine line{std::move(tok), base_dir_};
      RA_RETURN_IF_ERROR(k.apply(line, pol_));
      if (section->load) RA_RETURN_IF_ERROR(section->load(kw, pol_));
      if (k.repeatable) return Status();
      std::string dup_key = kw;
      if (k.per_first_arg) dup_key += " " + LowerAscii(line.tok[1]);
      auto it = seen_.find(dup_key);
      if (it != seen_.end())
        return Status::Fail("duplicate " + line.tok[0] + " (first given at line " +
                            std::to_string(it->second) + ")");
      seen_[dup_key] = lineno;
      return Status();
    }
  }
  if (!first_args.empty()) {
    RA_RETURN_IF_ERROR(CheckArgCount(tok, first_arg_args));
    return Status::Fail("unknown " + tok[0] + " kind '" + tok[1] + "' (known: " + first_args +
                        ")");
  }
  return Status::Fail("unknown keyword '" + tok[0] + "'");
}

Status ApplyAccept(const PolicyLine& l, Policy* p) {
  return ParseEvidenceTypes(l.tok[1], &p->accepted_types);
}
Status ApplyRequire(const PolicyLine& l, Policy* p) {
  return ParseEvidenceTypes(l.tok[1], &p->required_types);
}
Status ApplyMaxAge(const PolicyLine& l, Policy* p) {
  Status s = ParsePolicySeconds(l.tok[1], kMaxMaxAge, &p->max_age);
  return s.ok() ? s : Status::Fail("MaxAge: " + s.check());
}
Status ApplyClockSkew(const PolicyLine& l, Policy* p) {
  Status s = ParsePolicySeconds(l.tok[1], kMaxClockSkew, &p->clock_skew);
  return s.ok() ? s : Status::Fail("ClockSkew: " + s.check());
}
Status ApplyAcceptCached(const PolicyLine& l, Policy* p) {
  const std::string v = LowerAscii(l.tok[1]);
  if (v != "yes" && v != "no")
    return Status::Fail("AcceptCachedEvidence: '" + l.tok[1] + "' is not yes or no");
  p->accept_cached_evidence = v == "yes";
  return Status();
}
// Zero would accept nothing; a typo, not a policy.
Status ApplyMaxEvidenceAge(const PolicyLine& l, Policy* p) {
  Status s = ParsePolicySeconds(l.tok[1], kMaxMaxAge, &p->max_evidence_age);
  if (s.ok() && p->max_evidence_age == 0) s = Status::Fail("'0' accepts nothing");
  return s.ok() ? s : Status::Fail("MaxEvidenceAge: " + s.check());
}

}  // namespace

std::string PolicyLine::Resolve(const std::string& path) const {
  if (!path.empty() && path[0] == '/') return path;
  if (base_dir == ".") return path;
  return base_dir + "/" + path;
}

std::string LowerAscii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An empty element usually means a value was lost in editing.
Status SplitPolicyList(const std::string& arg, std::vector<std::string>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t comma = arg.find(',', start);
    std::string item =
        arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) return Status::Fail("empty element in list '" + arg + "'");
    out->push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status();
}

Status ParseMeasurementList(const std::string& arg, std::vector<Bytes>* out) {
  std::vector<std::string> items;
  RA_RETURN_IF_ERROR(SplitPolicyList(arg, &items));
  for (const std::string& item : items) {
    if (item.size() != 2 * kMeasurementLen)
      return Status::Fail("value must be " + std::to_string(2 * kMeasurementLen) +
                          " hex digits (48 bytes), got " + std::to_string(item.size()) +
                          " characters");
    Bytes b;
    Status s = HexDecode(item, &b);
    if (!s.ok()) return Status::Fail("value is not hex: " + s.detail());
    out->push_back(std::move(b));
  }
  return Status();
}

Status ParsePolicySeconds(const std::string& arg, int64_t max, int64_t* out) {
  if (arg.empty() || arg.size() > 12 ||
      !std::all_of(arg.begin(), arg.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Status::Fail("'" + arg + "' is not a number of seconds");
  int64_t v = std::stoll(arg);
  if (v > max)
    return Status::Fail("'" + arg + "' exceeds the maximum of " + std::to_string(max) +
                        " seconds");
  *out = v;
  return Status();
}

Status ParsePolicyYesNo(const char* keyword, const std::string& arg, bool* out) {
  std::string v = LowerAscii(arg);
  if (v != "yes" && v != "no")
    return Status::Fail(std::string(keyword) + " wants yes or no, not '" + arg + "'");
  *out = v == "yes";
  return Status();
}

// Only "none" (exactly) turns the cache off; a directory called so is
// still reachable as ./none.  The directory is not checked here: a cache
// problem must never stop verification, so it is judged, and ignored if
// need be, each time it is used.
Status ParsePolicyCacheDir(const char* keyword, const PolicyLine& l, std::string* dir) {
  if (l.tok[1] == "none") {
    dir->clear();
    return Status();
  }
  if (LowerAscii(l.tok[1]) == "none")
    return Status::Fail(std::string(keyword) + ": '" + l.tok[1] + "': write none, or ./" +
                        l.tok[1] + " for a directory of that name");
  *dir = l.Resolve(l.tok[1]);
  return Status();
}

const PolicySection& CommonPolicySection() {
  static const PolicySection kCommon{"common",
                                     {
                                         {"AcceptEvidence", 1, false, false, ApplyAccept},
                                         {"RequireEvidence", 1, false, false, ApplyRequire},
                                         {"MaxAge", 1, false, false, ApplyMaxAge},
                                         {"ClockSkew", 1, false, false, ApplyClockSkew},
                                         {"AcceptCachedEvidence", 1, false, false, ApplyAcceptCached},
                                         {"MaxEvidenceAge", 1, false, false, ApplyMaxEvidenceAge},
                                     },
                                     nullptr,
                                     FinishCommon};
  return kCommon;
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
    s = parser.Line(lineno, std::move(tok));
    if (!s.ok()) return fail(lineno, s.message());
  }
  for (const PolicySection* section : PolicySections()) {
    if (section->finish == nullptr) continue;
    Status s = section->finish(&pol);
    if (!s.ok()) return Status::Fail("policy", name + ": " + s.message());
  }
  *out = std::move(pol);
  return Status();
}

Status LoadPolicyFile(const std::string& path, Policy* out) {
  auto fail = [&](const std::string& what) {
    return Status::Fail("policy", path + ": " + what);
  };
  // Anyone who can write the policy, or a directory above it, can name
  // their own trust anchor: as ssh does for its own files, the whole path
  // must be the user's or root's (common/safe_path.h).  With every
  // directory safe, the file opened next is the file judged; its owner and
  // mode are judged again on the descriptor read.  O_NONBLOCK so a FIFO
  // planted at the path cannot hang start-up.
  Status safe = CheckSafeFile("policy", path);
  if (!safe.ok()) return Status::Fail("policy", safe.detail());
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return fail(std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  safe = CheckSafeOwnerMode("policy", path, st);
  if (!safe.ok()) return Status::Fail("policy", safe.detail());
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
