// Known attestations (policy/known_attestations.h): the line format, the
// lookup, and the file on disk.
#include "policy/known_attestations.h"


#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <set>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/openssl_error.h"
#include "policy/policy.h"
#include "policy/tdx_eventlog_policy.h"

namespace ra {
namespace known {
namespace {

constexpr char kCheck[] = "known attestations";
constexpr size_t kSaltLen = 20;  // SHA-1 output, as OpenSSH's host_hash()
constexpr char kHashMagic[] = "|1|";

bool IsNameChar(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return !first && (c == '_' || c == '.' || c == '-');
}

Status CheckName(const std::string& what, const std::string& name) {
  if (name.empty()) return Status::Fail(kCheck, "empty " + what);
  if (name.size() > kMaxNameLen)
    return Status::Fail(kCheck, what + " longer than " + std::to_string(kMaxNameLen));
  for (size_t i = 0; i < name.size(); i++)
    if (!IsNameChar(name[i], i == 0))
      return Status::Fail(kCheck, what + " \"" + name + "\" has a character outside [a-z0-9_.-]");
  return Status();
}

// Lowercases value; refuses anything but even-length hex within the bound.
Status NormalizeHex(const std::string& name, std::string* value) {
  if (value->empty()) return Status::Fail(kCheck, "empty value for " + name);
  if (value->size() > kMaxValueHex)
    return Status::Fail(kCheck, "value of " + name + " longer than " +
                                    std::to_string(kMaxValueHex) + " hex digits");
  if (value->size() % 2 != 0) return Status::Fail(kCheck, "odd-length hex for " + name);
  for (char& c : *value) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return Status::Fail(kCheck, "non-hex value for " + name);
  }
  return Status();
}

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') i++;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

Status HmacSha1(const Bytes& salt, const std::string& name, Bytes* out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()),
           reinterpret_cast<const unsigned char*>(name.data()), name.size(), md,
           &len) == nullptr)
    return Status::Fail(kCheck, "HMAC-SHA1: " + OpenSslError());
  out->assign(md, md + len);
  return Status();
}

Status HashedFieldMatches(const std::string& field, const std::string& name, bool* matches) {
  // |1|salt|hash
  size_t sep = field.find('|', sizeof(kHashMagic) - 1);
  if (sep == std::string::npos) return Status::Fail(kCheck, "hashed host without '|' separator");
  Bytes salt, want, got;
  if (!Base64Decode(field.substr(3, sep - 3), &salt).ok() || salt.size() != kSaltLen)
    return Status::Fail(kCheck, "hashed host: salt is not base64 of 20 bytes");
  if (!Base64Decode(field.substr(sep + 1), &want).ok() || want.size() != kSaltLen)
    return Status::Fail(kCheck, "hashed host: hash is not base64 of 20 bytes");
  RA_RETURN_IF_ERROR(HmacSha1(salt, name, &got));
  *matches = ConstantTimeEqual(got, want);
  return Status();
}

// Fields recorded but not seen, or seen with another value.
std::vector<FieldChange> Compare(const Measurements& rec, const Measurements& seen) {
  std::vector<FieldChange> changes;
  for (const auto& f : rec.fields) {
    auto it = std::find_if(seen.fields.begin(), seen.fields.end(),
                           [&](const auto& s) { return s.first == f.first; });
    std::string now = it == seen.fields.end() ? std::string() : it->second;
    if (now != f.second) changes.push_back({f.first, f.second, now});
  }
  return changes;
}

std::string LineRef(const std::string& file_name, size_t line) {
  return file_name + ":" + std::to_string(line);
}

// Calls f(line_number, line_without_newline) for each line of text.
template <typename F>
void ForEachLine(const std::string& text, F f) {
  size_t pos = 0, n = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    f(++n, text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// The host field of a line, if it has one (first whitespace-separated
// token of a non-comment line).
bool FirstToken(const std::string& line, std::string* tok) {
  std::vector<std::string> f = SplitFields(line);
  if (f.empty() || f[0][0] == '#') return false;
  *tok = f[0];
  return true;
}

}  // namespace

Status NormalizeMeasurements(Measurements* m) {
  RA_RETURN_IF_ERROR(CheckName("kind", m->kind));
  if (m->fields.empty()) return Status::Fail(kCheck, "no measurements to record");
  if (m->fields.size() > kMaxFields)
    return Status::Fail(kCheck, "more than " + std::to_string(kMaxFields) + " fields");
  std::set<std::string> names;
  for (auto& f : m->fields) {
    RA_RETURN_IF_ERROR(CheckName("field name", f.first));
    if (!names.insert(f.first).second)
      return Status::Fail(kCheck, "field " + f.first + " given twice");
    RA_RETURN_IF_ERROR(NormalizeHex(f.first, &f.second));
  }
  return Status();
}

std::string HostKeyName(const std::string& host, int port) {
  if (port == 0 || port == 22) return host;
  return "[" + host + "]:" + std::to_string(port);
}

Status HashHostName(const std::string& name, std::string* out) {
  Bytes salt(kSaltLen), mac;
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    return Status::Fail(kCheck, "RAND_bytes: " + OpenSslError());
  RA_RETURN_IF_ERROR(HmacSha1(salt, name, &mac));
  *out = kHashMagic + Base64Encode(salt) + "|" + Base64Encode(mac);
  return Status();
}

Status HostFieldMatches(const std::string& field, const std::string& name, bool* matches) {
  *matches = false;
  if (field.empty()) return Status::Fail(kCheck, "empty host field");
  if (field.size() > kMaxHostLen)
    return Status::Fail(kCheck, "host field longer than " + std::to_string(kMaxHostLen));
  if (field[0] == '|') {
    if (field.compare(0, 3, kHashMagic) != 0)
      return Status::Fail(kCheck, "hashed host of an unknown format (not |1|)");
    return HashedFieldMatches(field, name, matches);
  }
  std::string want = Lower(name);
  size_t pos = 0;
  while (pos <= field.size()) {
    size_t end = field.find(',', pos);
    if (end == std::string::npos) end = field.size();
    if (end == pos) return Status::Fail(kCheck, "empty name in host list");
    if (Lower(field.substr(pos, end - pos)) == want) *matches = true;
    pos = end + 1;
  }
  return Status();
}

Status ParseLine(const std::string& line, Record* out, bool* is_record) {
  *is_record = false;
  if (line.size() > kMaxLineLen)
    return Status::Fail(kCheck, "line longer than " + std::to_string(kMaxLineLen) + " bytes");
  for (char c : line) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\r') || u >= 0x7f)
      return Status::Fail(kCheck, "control or non-ASCII character");
  }
  std::string body = line;
  if (!body.empty() && body.back() == '\r') body.pop_back();  // edited on Windows
  std::vector<std::string> tok = SplitFields(body);
  if (tok.empty() || tok[0][0] == '#') return Status();
  if (tok.size() < 3) return Status::Fail(kCheck, "expected HOST KIND NAME=HEX...");
  Record r;
  r.hosts = tok[0];
  bool ignored = false;
  RA_RETURN_IF_ERROR(HostFieldMatches(r.hosts, std::string(), &ignored));
  r.m.kind = tok[1];
  for (size_t i = 2; i < tok.size(); i++) {
    size_t eq = tok[i].find('=');
    if (eq == std::string::npos)
      return Status::Fail(kCheck, "\"" + tok[i].substr(0, 32) + "\" is not NAME=HEX");
    r.m.fields.emplace_back(tok[i].substr(0, eq), tok[i].substr(eq + 1));
  }
  RA_RETURN_IF_ERROR(NormalizeMeasurements(&r.m));
  *out = std::move(r);
  *is_record = true;
  return Status();
}

std::string FormatLine(const std::string& host_field, const Measurements& m) {
  std::string s = host_field + " " + m.kind;
  for (const auto& f : m.fields) s += " " + f.first + "=" + f.second;
  return s;
}

Status CheckText(const std::string& text, const std::string& file_name,
                 const std::string& name, const Measurements& seen, CheckResult* out) {
  *out = CheckResult();
  Status failed;
  bool have_mismatch = false;
  ForEachLine(text, [&](size_t n, const std::string& line) {
    if (!failed.ok()) return;  // every line is read even after a match
    Record rec;
    bool is_record = false;
    Status s = ParseLine(line, &rec, &is_record);
    if (!s.ok()) {
      std::string host;
      bool ours = true;  // a host field that cannot be read may be ours
      if (FirstToken(line, &host) && !HostFieldMatches(host, name, &ours).ok()) ours = true;
      if (ours) {
        failed = Status::Fail(kCheck, LineRef(file_name, n) + ": corrupt record for " + name +
                                          " (" + s.detail() + "); fix or remove that line");
      } else {
        out->warnings.push_back(LineRef(file_name, n) + ": corrupt line ignored: " + s.detail());
      }
      return;
    }
    if (!is_record) return;
    bool matches = false;
    if (!HostFieldMatches(rec.hosts, name, &matches).ok() || !matches) return;
    if (out->verdict == Verdict::kMatch) return;
    std::vector<FieldChange> changes;
    if (rec.m.kind == seen.kind) changes = Compare(rec.m, seen);
    if (rec.m.kind == seen.kind && changes.empty()) {
      out->verdict = Verdict::kMatch;
      out->line = n;
      out->changes.clear();
      return;
    }
    // Report the first record of the same kind, else the first one at all.
    if (!have_mismatch || (out->recorded_kind != seen.kind && rec.m.kind == seen.kind)) {
      have_mismatch = true;
      out->line = n;
      out->recorded_kind = rec.m.kind;
      out->changes = std::move(changes);
    }
  });
  RA_RETURN_IF_ERROR(failed);
  if (out->verdict != Verdict::kMatch && have_mismatch) out->verdict = Verdict::kMismatch;
  return Status();
}

std::string ShortenValue(const std::string& value, const std::string& other) {
  if (value.empty()) return "(none)";
  size_t diff = 0;
  while (diff < value.size() && diff < other.size() && value[diff] == other[diff]) diff++;
  // At most kShown digits: from the start if the difference lies in them,
  // else around the first difference.
  constexpr size_t kShown = 12;
  if (value.size() <= kShown + 2) return value;
  if (diff + 4 <= kShown) return value.substr(0, kShown) + "...";
  std::string mid = value.substr(diff - 4, kShown);
  return "..." + mid + (diff - 4 + kShown < value.size() ? "..." : "");
}

std::string DescribeMismatch(const CheckResult& r, const std::string& file_name,
                             const std::string& host, int port) {
  std::string s = "measurements of " + HostKeyName(host, port) + " changed since recorded at " +
                  LineRef(file_name, r.line) + ": ";
  if (!r.recorded_kind.empty() && r.changes.empty()) {
    s += "evidence kind " + r.recorded_kind + " was recorded";
  } else {
    // A few fields are enough to see what happened; the message must stay
    // one readable line (ssh prints it as the reason of its refusal).
    constexpr size_t kListed = 4;
    for (size_t i = 0; i < r.changes.size() && i < kListed; i++) {
      const FieldChange& c = r.changes[i];
      s += (i ? ", " : "") + c.name + " " + ShortenValue(c.recorded, c.seen) + " -> " +
           ShortenValue(c.seen, c.recorded);
    }
    if (r.changes.size() > kListed)
      s += " and " + std::to_string(r.changes.size() - kListed) + " more";
  }
  s += "; if the server was updated, accept the change: `ssh-attest known --remove " + host;
  if (port != 0 && port != 22) s += " -p " + std::to_string(port);
  s += "` or delete line " + std::to_string(r.line) + " of " + file_name;
  return s;
}

void ListText(const std::string& text, const std::string& file_name,
              std::vector<Record>* records, std::vector<std::string>* corrupt) {
  ForEachLine(text, [&](size_t n, const std::string& line) {
    Record rec;
    bool is_record = false;
    Status s = ParseLine(line, &rec, &is_record);
    if (!s.ok()) {
      corrupt->push_back(LineRef(file_name, n) + ": " + s.detail());
    } else if (is_record) {
      rec.line = n;
      records->push_back(std::move(rec));
    }
  });
}

Status MeasurementsFromClaims(const VerifiedClaims& claims, const KnownRecordSpec& spec,
                              Measurements* out) {
  if (spec.kind == nullptr)
    return Status::Fail("known attestations", claims.kind + " has no known-attestation record");
  Measurements m;
  m.kind = spec.kind;
  for (const std::string& name : spec.fields) {
    std::string value = ClaimField(claims, name);
    if (value.empty())
      return Status::Fail("known attestations",
                          "the claims of " + claims.kind + " lack '" + name + "'");
    m.fields.emplace_back(name, value);
  }
  Status s = NormalizeMeasurements(&m);
  if (!s.ok()) return Status::Fail("known attestations", claims.kind + ": " + s.detail());
  *out = std::move(m);
  return Status();
}

bool PolicyPinsMeasurements(const Policy& policy) {
  if (!policy.mrtd.empty() || !policy.mrconfigid.empty() || !policy.mrowner.empty() ||
      !policy.mrownerconfig.empty())
    return true;
  for (const auto& r : policy.rtmr)
    if (!r.empty()) return true;
  // RtmrEvent pins the server's software by its components.
  const auto* log = policy.Section<TdxEventLogPolicyValues>(kTdxEventLogSection);
  return log != nullptr && !log->pins.empty();
}

}  // namespace known
}  // namespace ra
