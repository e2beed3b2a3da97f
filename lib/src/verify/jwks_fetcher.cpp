// Fetching {issuer}/certs.  The issuer is one the policy lists (the caller
// matched the token's iss against it); the token's jku is never used.
// TLS verification is always on (peer and host name), there are no
// redirects (a redirect would hand key selection to whoever answers), the
// body is bounded, the status must be 200, and the whole exchange is
// bounded in time so a dead service fails the connection, not the client.
//
// Key sets are cached for kIssuerKeyLifetimeS: in memory, and with
// IssuerKeyCache in a per-user directory, because ssh is one process per
// connection and would otherwise fetch on every connection.  Cached keys
// are trust material: whoever can write a cache file can sign tokens we
// accept.  So a cache file is used only if nobody but this user could have
// written it (directory and file owned by the user, neither writable by
// group or others, the file not a symbolic link and with no other names),
// it is small, it names this very issuer, CA file and CA content, it is not
// older than the lifetime nor from the future, and its body passes exactly
// the checks a fetched body does.  Anything else: the file is ignored (the
// reason goes to the policy's debug hook) and the keys are fetched; the
// cache never fails a verification and never widens what is accepted.
#include "verify/jwks_fetcher.h"

#include <openssl/sha.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "common/bytes_util.h"
#include "common/https_client.h"
#include "common/private_cache.h"
#include "common/safe_path.h"
#include "verify/fetch_deadline.h"

namespace ra {
namespace {

const char kCheck[] = "jwt key fetch";
constexpr size_t kMaxBody = 256 * 1024;
constexpr long kConnectTimeoutS = 5;
constexpr long kTotalTimeoutS = 10;
// A cache file is its header (a URL, a path, a hash, two numbers) and a
// body no larger than a fetch may return.
constexpr size_t kMaxHeader = 8192;
constexpr size_t kMaxCacheFile = kMaxBody + kMaxHeader;
// As for IssuerCA in the policy (CheckTrustAnchorFile).
constexpr size_t kMaxCaFile = 256 * 1024;
const char kMagic[] = "ra-ssh issuer keys 1";

struct CacheEntry {
  std::chrono::steady_clock::time_point fetched;
  std::string body;
};
std::mutex g_cache_mu;
std::map<std::string, CacheEntry>& Cache() {
  static auto* cache = new std::map<std::string, CacheEntry>();  // never destroyed
  return *cache;
}

Status Fetch(const std::string& url, const std::string& ca_file, FetchDeadline deadline,
             std::string* body) {
  const long left_ms = FetchTimeoutMs(deadline);
  if (left_ms < 0)
    return Status::Fail(kCheck, url + ": no time left of the connection's AttestationTimeout");
  HttpsRequest req;
  req.url = url;
  req.ca_file = ca_file;
  req.connect_timeout_s = kConnectTimeoutS;
  req.total_timeout_s = kTotalTimeoutS;
  if (left_ms > 0 && left_ms < kTotalTimeoutS * 1000) req.total_timeout_ms = left_ms;
  req.max_body = kMaxBody;
  return HttpsExchange(req, kCheck, body);
}

std::string Sha256Hex(const std::string& s) {
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(s.data()), s.size(), h);
  return HexEncode(ByteView(h, sizeof(h)));
}

using Fd = UniqueFd;

// What a cache entry must say to be used for (issuer, CA file).
struct CacheIdentity {
  std::string issuer;
  std::string ca;         // the IssuerCA path, or "-" for the system store
  std::string ca_sha256;  // of the CA file's content, or "-"
};

// The CA file's content is part of the entry's identity: keys fetched
// over TLS trusted to an old CA must not outlive a change of that CA.
// (The system store is not tracked.)
Status IdentityOf(const std::string& issuer, const std::string& ca_file, CacheIdentity* out) {
  out->issuer = issuer;
  out->ca = ca_file.empty() ? "-" : ca_file;
  out->ca_sha256 = "-";
  if (!ca_file.empty()) {
    // The CA decides which TLS server's keys we take.
    RA_RETURN_IF_ERROR(CheckSafeFile("IssuerCA", ca_file));
    std::string pem;
    Status s = ReadTextFileBounded(ca_file, kMaxCaFile, &pem);
    if (!s.ok()) return Status::Fail("IssuerCA " + ca_file, s.message());
    out->ca_sha256 = Sha256Hex(pem);
  }
  for (const std::string* f : {&out->issuer, &out->ca})
    if (f->find('\n') != std::string::npos || f->empty())
      return Status::Fail("cache identity", "issuer or CA path not storable");
  return Status();
}

std::string CacheName(const std::string& issuer, const std::string& ca_file) {
  return Sha256Hex(std::string(kMagic) + "\n" + issuer + "\n" + ca_file + "\n") + ".jwks";
}

// "KEY VALUE\n" at *pos; advances past the newline.
bool HeaderLine(const std::string& text, size_t* pos, const std::string& key, std::string* value) {
  size_t nl = text.find('\n', *pos);
  if (nl == std::string::npos || nl - *pos > kMaxHeader) return false;
  const std::string line = text.substr(*pos, nl - *pos);
  if (line.compare(0, key.size() + 1, key + " ") != 0) return false;
  *value = line.substr(key.size() + 1);
  *pos = nl + 1;
  return !value->empty();
}

bool ParseSeconds(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Reads and checks the cache file for id under dirfd.  *age_s: how long
// ago it was fetched (wall clock).  Every refusal says which check failed.
Status ReadCacheFile(int dirfd, const std::string& name, const CacheIdentity& id,
                     std::time_t wall_now, int64_t clock_skew, std::string* body,
                     int64_t* age_s) {
  std::string text;
  Status rs = ReadPrivateFile(dirfd, name, kMaxCacheFile, &text);
  if (!rs.ok())
    return rs.message().find("no cached entry") != std::string::npos
               ? Status::Fail(name, "no cached keys")
               : rs;

  size_t pos = 0;
  std::string magic, issuer, ca, ca_sha, fetched_s, len_s;
  size_t nl = text.find('\n');
  if (nl == std::string::npos || text.compare(0, nl, kMagic) != 0)
    return Status::Fail(name, "not an issuer key cache file (version 1)");
  pos = nl + 1;
  if (!HeaderLine(text, &pos, "issuer", &issuer) || !HeaderLine(text, &pos, "ca", &ca) ||
      !HeaderLine(text, &pos, "ca-sha256", &ca_sha) ||
      !HeaderLine(text, &pos, "fetched", &fetched_s) || !HeaderLine(text, &pos, "body", &len_s))
    return Status::Fail(name, "malformed header");
  // The name is a hash: check that the entry is for what we asked about.
  if (issuer != id.issuer)
    return Status::Fail(name, "is for issuer '" + issuer + "', not '" + id.issuer + "'");
  if (ca != id.ca) return Status::Fail(name, "was fetched with CA file '" + ca + "'");
  if (ca_sha != id.ca_sha256)
    return Status::Fail(name, "was fetched with a different content of CA file " + id.ca);
  int64_t fetched = 0, len = 0;
  if (!ParseSeconds(fetched_s, &fetched)) return Status::Fail(name, "bad fetch time");
  if (!ParseSeconds(len_s, &len) || static_cast<uint64_t>(len) != text.size() - pos)
    return Status::Fail(name, "body length does not match the file (truncated?)");
  const int64_t now = static_cast<int64_t>(wall_now);
  if (fetched > now + clock_skew)
    return Status::Fail(name, "fetch time " + std::to_string(fetched - now) +
                                  " s in the future (beyond ClockSkew)");
  if (now - fetched >= static_cast<int64_t>(kIssuerKeyLifetimeS))
    return Status::Fail(name, "stale (fetched " + std::to_string(now - fetched) + " s ago)");
  *body = text.substr(pos);
  *age_s = now > fetched ? now - fetched : 0;
  return Status();
}

// Written as a private cache file (common/private_cache.h): temp +
// rename, mode 600.
Status WriteCacheFile(int dirfd, const std::string& name, const CacheIdentity& id,
                      std::time_t wall_now, const std::string& body) {
  const std::string text = std::string(kMagic) + "\nissuer " + id.issuer + "\nca " + id.ca +
                           "\nca-sha256 " + id.ca_sha256 + "\nfetched " +
                           std::to_string(static_cast<int64_t>(wall_now)) + "\nbody " +
                           std::to_string(body.size()) + "\n" + body;
  return WritePrivateFile(dirfd, name, text);
}

void Debug(const Policy& policy, const std::string& msg) {
  if (policy.debug) policy.debug(msg);
}

}  // namespace

std::string IssuerKeyCacheFile(const std::string& dir, const std::string& issuer,
                               const std::string& ca_file) {
  return dir + "/" + CacheName(issuer, ca_file);
}

Status FetchIssuerKeys(const std::string& issuer, const Policy& policy, std::time_t,
                       std::vector<JwtKey>* out, FetchDeadline deadline) {
  const std::string& ca_file = policy.issuer_ca_file;
  const std::string& dir = policy.issuer_key_cache;
  const std::string url = issuer + "/certs";
  const std::string cache_key = issuer + "\n" + ca_file;
  const auto t = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    auto it = Cache().find(cache_key);
    if (it != Cache().end() && t - it->second.fetched < std::chrono::seconds(kIssuerKeyLifetimeS))
      return ParseJwks(it->second.body, url, false, out);
  }

  CacheIdentity id;
  Fd dirfd;
  bool use_disk = false;
  const std::string name = CacheName(issuer, ca_file);
  if (!dir.empty()) {
    Status s = IdentityOf(issuer, ca_file, &id);
    if (s.ok()) s = OpenPrivateDir(dir, true, &dirfd);
    if (s.ok()) {
      use_disk = true;
      std::string body;
      int64_t age = 0;
      s = ReadCacheFile(dirfd.get(), name, id, std::time(nullptr), policy.clock_skew, &body, &age);
      std::vector<JwtKey> keys;
      // The same checks as a fresh answer: a cache file is never trusted
      // more than the network.
      if (s.ok()) s = ParseJwks(body, url, false, &keys);
      if (s.ok()) {
        Debug(policy, "issuer key cache: keys of " + issuer + " from " + dir + "/" + name +
                          " (fetched " + std::to_string(age) + " s ago)");
        std::lock_guard<std::mutex> lock(g_cache_mu);
        Cache()[cache_key] = CacheEntry{t - std::chrono::seconds(age), body};
        *out = std::move(keys);
        return Status();
      }
      Debug(policy, "issuer key cache " + dir + ": not used: " + s.message() + "; fetching " + url);
    } else {
      Debug(policy, "issuer key cache " + dir + ": not used: " + s.message() + "; fetching " + url);
    }
  }

  // Fetched without the lock held: a slow issuer must not stall
  // verification against the others.
  std::string body;
  RA_RETURN_IF_ERROR(Fetch(url, ca_file, deadline, &body));
  std::vector<JwtKey> keys;
  // Parsed before caching: a bad answer is not remembered.
  RA_RETURN_IF_ERROR(ParseJwks(body, url, false, &keys));
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    Cache()[cache_key] = CacheEntry{t, body};
  }
  if (use_disk) {
    Status s = WriteCacheFile(dirfd.get(), name, id, std::time(nullptr), body);
    if (!s.ok())
      Debug(policy, "issuer key cache " + dir + ": not written: " + s.message());
  }
  *out = std::move(keys);
  return Status();
}

void ClearIssuerKeyCache() {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  Cache().clear();
}

}  // namespace ra
