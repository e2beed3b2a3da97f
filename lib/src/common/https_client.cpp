// No redirects: a redirect would hand the choice of server (and so of keys
// or tokens) to whoever answers first.  No signals: this runs inside ssh
// and sshd's monitor, where a SIGALRM for DNS timeouts is not ours to take.
#include "common/https_client.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>

namespace ra {
namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  std::string body;
  size_t max = 0;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  Sink* s = static_cast<Sink*>(user);
  size_t len = size * n;
  if (s->body.size() + len > s->max) {
    s->overflow = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  s->body.append(data, len);
  return len;
}

struct HeaderSink {
  std::map<std::string, std::string>* out = nullptr;
  size_t total = 0, max = 0;
  bool overflow = false;
};

// One header line per call (curl's contract); the status line and the
// blank line have no colon and are skipped.
size_t Header(char* data, size_t size, size_t n, void* user) {
  HeaderSink* s = static_cast<HeaderSink*>(user);
  size_t len = size * n;
  s->total += len;
  if (s->total > s->max) {
    s->overflow = true;
    return 0;
  }
  std::string line(data, len);
  size_t colon = line.find(':');
  if (colon == std::string::npos) return len;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  size_t b = colon + 1, e = line.size();
  while (b < e && (line[b] == ' ' || line[b] == '\t')) b++;
  while (e > b && (line[e - 1] == '\r' || line[e - 1] == '\n' || line[e - 1] == ' ')) e--;
  (*s->out)[name] = line.substr(b, e - b);
  return len;
}

}  // namespace

Status HttpsExchange(const HttpsRequest& req, const char* check, std::string* body) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string& label = req.label.empty() ? req.url : req.label;
  std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
  if (!c) return Status::Fail(check, "curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistFree> headers;
  // IMDS answers only requests that say "Metadata: true", GETs included.
  if (req.post_json != nullptr || req.link_local_http) {
    curl_slist* l = curl_slist_append(nullptr, "Accept: application/json");
    if (l) headers.reset(l);
    if (!l || (req.post_json && !curl_slist_append(l, "Content-Type: application/json")) ||
        (req.link_local_http && !curl_slist_append(l, "Metadata: true")))
      return Status::Fail(check, "out of memory");
  }
  long connect = req.connect_timeout_s < req.total_timeout_s ? req.connect_timeout_s
                                                             : req.total_timeout_s;
  Sink sink;
  sink.max = req.max_body;
  HeaderSink hsink;
  hsink.out = req.response_headers;
  hsink.max = req.max_headers;
  if (req.response_headers) req.response_headers->clear();
  const bool ms = req.total_timeout_ms > 0;
  const long connect_ms = ms && req.total_timeout_ms < connect * 1000 ? req.total_timeout_ms
                                                                     : connect * 1000;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = c.get();
  bool ok = curl_easy_setopt(h, CURLOPT_URL, req.url.c_str()) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
            curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                             req.link_local_http ? "http" : "https") == CURLE_OK &&
#else
            curl_easy_setopt(h, CURLOPT_PROTOCOLS,
                             req.link_local_http ? CURLPROTO_HTTP : CURLPROTO_HTTPS) == CURLE_OK &&
#endif
            (!req.link_local_http || curl_easy_setopt(h, CURLOPT_NOPROXY, "*") == CURLE_OK) &&
            curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                             ms ? req.total_timeout_ms : req.total_timeout_s * 1000) ==
                CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_MAXFILESIZE, static_cast<long>(req.max_body)) ==
                CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Write) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
            (req.response_headers == nullptr ||
             (curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, Header) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_HEADERDATA, &hsink) == CURLE_OK)) &&
            curl_easy_setopt(h, CURLOPT_USERAGENT, "ra-ssh") == CURLE_OK &&
            (req.ca_file.empty() ||
             curl_easy_setopt(h, CURLOPT_CAINFO, req.ca_file.c_str()) == CURLE_OK) &&
            (!headers || curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK) &&
            (req.post_json == nullptr ||
             (curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.post_json->c_str()) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
                               static_cast<long>(req.post_json->size())) == CURLE_OK));
  if (!ok) return Status::Fail(check, "cannot configure libcurl");
  CURLcode rc = curl_easy_perform(h);
  // CURLE_FILESIZE_EXCEEDED: the server announced a body over the bound.
  if (sink.overflow || rc == CURLE_FILESIZE_EXCEEDED)
    return Status::Fail(check, label + ": response larger than " +
                                   std::to_string(req.max_body) + " bytes");
  if (hsink.overflow)
    return Status::Fail(check, label + ": response headers larger than " +
                                   std::to_string(req.max_headers) + " bytes");
  if (rc != CURLE_OK)
    return Status::Fail(check, label + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return Status::Fail(check, label + ": HTTP status " + std::to_string(status));
  *body = std::move(sink.body);
  return Status();
}

}  // namespace ra
