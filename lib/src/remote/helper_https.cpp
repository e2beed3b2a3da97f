// HttpsExchange in ssh, sshd and sshd-session: the exchange runs in
// libexec/ssh-attest-helper, which links libcurl (common/https_client.cpp
// is its direct implementation, in libra_attest.a).  Same signature and
// contract, so the fetchers (issuer keys, PCS collateral, AMD KDS, the
// attestation service client, IMDS) do not know which they call.
#include "common/helper_client.h"
#include "common/helper_wire.h"
#include "common/https_client.h"

namespace ra {

Status HttpsExchange(const HttpsRequest& req, const char* check, std::string* body) {
  if (req.max_body > kMaxHelperFetchBody)
    return Status::Fail(check, "response bound over the helper's " +
                                   std::to_string(kMaxHelperFetchBody));
  // The helper's own exchange is bounded by the same timeouts; the exec
  // and the answer get a few seconds more before the helper is killed.
  long ms = req.total_timeout_ms > 0 ? req.total_timeout_ms : req.total_timeout_s * 1000;
  int64_t deadline = MonotonicMs() + ms + 5000;
  Bytes answer;
  Status st = RunHelper(EncodeFetchRequest(req, check), deadline, &answer);
  if (!st.ok()) return Status::Fail(check, st.message());
  std::map<std::string, std::string> headers;
  st = DecodeFetchAnswer(answer, req.max_body, body, &headers);
  if (!st.ok()) return st;
  if (req.response_headers != nullptr) *req.response_headers = std::move(headers);
  return Status();
}

}  // namespace ra
