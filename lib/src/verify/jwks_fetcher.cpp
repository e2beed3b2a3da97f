// Fetching {issuer}/certs.  The issuer is one the policy lists (the caller
// matched the token's iss against it); the token's jku is never used.
// TLS verification is always on (peer and host name), there are no
// redirects (a redirect would hand key selection to whoever answers), the
// body is bounded, the status must be 200, and the whole exchange is
// bounded in time so a dead service fails the connection, not the client.
#include "verify/jwks_fetcher.h"

#include "common/https_client.h"


#include <chrono>
#include <map>
#include <memory>
#include <mutex>

namespace ra {
namespace {

const char kCheck[] = "jwt key fetch";
constexpr size_t kMaxBody = 256 * 1024;
constexpr long kConnectTimeoutS = 5;
constexpr long kTotalTimeoutS = 10;
// Issuers rotate keys rarely and publish new ones ahead of use; an hour
// bounds how long a withdrawn key stays trusted here.
constexpr std::chrono::seconds kCacheLifetime(3600);

struct CacheEntry {
  std::chrono::steady_clock::time_point fetched;
  std::string body;
};
std::mutex g_cache_mu;
std::map<std::string, CacheEntry>& Cache() {
  static auto* cache = new std::map<std::string, CacheEntry>();  // never destroyed
  return *cache;
}

Status Fetch(const std::string& url, const std::string& ca_file, std::string* body) {
  HttpsRequest req;
  req.url = url;
  req.ca_file = ca_file;
  req.connect_timeout_s = kConnectTimeoutS;
  req.total_timeout_s = kTotalTimeoutS;
  req.max_body = kMaxBody;
  return HttpsExchange(req, kCheck, body);
}

}  // namespace

Status FetchIssuerKeys(const std::string& issuer, const std::string& ca_file, std::time_t,
                       std::vector<JwtKey>* out) {
  const std::string url = issuer + "/certs";
  const std::string cache_key = issuer + "\n" + ca_file;
  const auto t = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    auto it = Cache().find(cache_key);
    if (it != Cache().end() && t - it->second.fetched < kCacheLifetime)
      return ParseJwks(it->second.body, url, false, out);
  }
  // Fetched without the lock held: a slow issuer must not stall
  // verification against the others.
  std::string body;
  RA_RETURN_IF_ERROR(Fetch(url, ca_file, &body));
  std::vector<JwtKey> keys;
  // Parsed before caching: a bad answer is not remembered.
  RA_RETURN_IF_ERROR(ParseJwks(body, url, false, &keys));
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    Cache()[cache_key] = CacheEntry{t, body};
  }
  *out = std::move(keys);
  return Status();
}

void ClearIssuerKeyCache() {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  Cache().clear();
}

}  // namespace ra
