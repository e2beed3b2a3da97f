// Fetching {issuer}/certs.  The issuer is one the policy lists (the caller
// matched the token's iss against it); the token's jku is never used.
// TLS verification is always on (peer and host name), there are no
// redirects (a redirect would hand key selection to whoever answers), the
// body is bounded, the status must be 200, and the whole exchange is
// bounded in time so a dead service fails the connection, not the client.
#include "verify/jwks_fetcher.h"

#include <curl/curl.h>

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

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

struct Sink {
  std::string body;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  Sink* s = static_cast<Sink*>(user);
  size_t len = size * n;
  if (s->body.size() + len > kMaxBody) {
    s->overflow = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  s->body.append(data, len);
  return len;
}

Status Fetch(const std::string& url, const std::string& ca_file, std::string* body) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
  if (!c) return Status::Fail(kCheck, "curl_easy_init failed");
  Sink sink;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = c.get();
  bool ok = curl_easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
            curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
#else
            curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTPS) == CURLE_OK &&
#endif
            curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_TIMEOUT, kTotalTimeoutS) == CURLE_OK &&
            // No SIGALRM for DNS timeouts: this runs inside ssh and sshd.
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_MAXFILESIZE, static_cast<long>(kMaxBody)) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Write) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_USERAGENT, "ra-ssh") == CURLE_OK &&
            (ca_file.empty() ||
             curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str()) == CURLE_OK);
  if (!ok) return Status::Fail(kCheck, "cannot configure libcurl");
  CURLcode rc = curl_easy_perform(h);
  if (sink.overflow)
    return Status::Fail(kCheck, url + ": response larger than " + std::to_string(kMaxBody) +
                                    " bytes");
  if (rc != CURLE_OK)
    return Status::Fail(kCheck, url + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return Status::Fail(kCheck, url + ": HTTP status " + std::to_string(status));
  *body = std::move(sink.body);
  return Status();
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
