#include "common/helper_server.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/helper_wire.h"
#include "common/https_client.h"

namespace ra {
namespace {

Bytes ServeFetch(HelperFetch* f) {
  std::map<std::string, std::string> headers;
  std::string body;
  f->req.post_json = f->has_post ? &f->post_json : nullptr;
  f->req.response_headers = f->want_headers ? &headers : nullptr;
  Status st = HttpsExchange(f->req, f->check.c_str(), &body);
  if (!st.ok()) return EncodeFailAnswer(st);
  return EncodeFetchAnswer(body, headers);
}

Bytes ServeProvider(const HelperRequest& req) {
  std::unique_ptr<EvidenceProvider> provider;
  Status st = OpenProvider(req.spec, &provider);
  if (!st.ok()) return EncodeFailAnswer(st);
  if (req.type == HelperMsg::kOpen) return EncodeOpenAnswer();
  std::vector<EvidenceItem> items;
  st = provider->Collect(req.binding, &items);
  if (!st.ok()) return EncodeFailAnswer(st);
  if (items.size() > RA_MAX_EVIDENCE_ITEMS)
    return EncodeFailAnswer(Status::Fail("attestation helper", "provider gave too many items"));
  return EncodeCollectAnswer(items);
}

}  // namespace

Bytes ServeHelperRequest(ByteView request) {
  HelperRequest req;
  Status st = DecodeRequest(request, &req);
  if (!st.ok()) return EncodeFailAnswer(st);
  if (req.type == HelperMsg::kFetch) return ServeFetch(&req.fetch);
  return ServeProvider(req);
}

}  // namespace ra
