// One hardened HTTPS exchange, shared by everything that talks to an
// attestation service (issuer keys, token requests).
#pragma once

#include <cstddef>
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
};

// https only (unless link_local_http), TLS peer and host name verified, no redirects, bounded in
// time and size, no signals, HTTP status 200 only.  Failures are reported
// under `check`.
Status HttpsExchange(const HttpsRequest& req, const char* check, std::string* body);

}  // namespace ra
