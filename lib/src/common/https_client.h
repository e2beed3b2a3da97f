// One hardened HTTPS exchange, shared by everything that talks to an
// attestation service (issuer keys, token requests).
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "common/status.h"

namespace ra {

struct HttpsRequest {
  std::string url;
  std::string label;        // how errors name the server (default: url)
  std::string ca_file;      // empty: the system store; never "no verification"
  const std::string* post_json = nullptr;  // set: POST as application/json
  // Plain http, for Azure's IMDS only (link-local, offers no TLS; the
  // caller restricts the host).  Never through a proxy.
  bool link_local_http = false;
  long connect_timeout_s = 5;
  long total_timeout_s = 10;
  size_t max_body = 256 * 1024;
  // Set: the response's header fields, names lowercased (the last of a
  // repeated name wins), bounded by max_headers bytes in all.
  std::map<std::string, std::string>* response_headers = nullptr;
  size_t max_headers = 64 * 1024;
  // > 0: the whole exchange in milliseconds, overriding total_timeout_s
  // (a caller with a deadline passes what is left of it).
  long total_timeout_ms = 0;
};

// https only (unless link_local_http), TLS peer and host name verified, no redirects, bounded in
// time and size, no signals, HTTP status 200 only.  Failures are reported
// under `check`.
Status HttpsExchange(const HttpsRequest& req, const char* check, std::string* body);

}  // namespace ra
