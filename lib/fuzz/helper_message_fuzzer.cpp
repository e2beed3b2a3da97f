// libFuzzer target: the messages between ssh / sshd-session and
// libexec/ssh-attest-helper (common/helper_wire.*).  The helper decodes
// requests from its caller; the caller decodes answers from the helper.
// Neither side trusts the other's lengths.
//
// Input layout: byte 0 picks the decoder, the rest is the message:
//   0 DecodeRequest (the helper's side)
//   1 DecodeFetchAnswer   2 DecodeOpenAnswer   3 DecodeCollectAnswer
//   4 the rest as a frame on a pipe (u32 length + payload), read with
//     ReadHelperFrame, then decoded as a request
// Invariants: a decoded message re-encodes to the same bytes; a failure
// of the decoder's own checks says why.
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "common/helper_wire.h"
#include "fuzz_checks.h"

namespace {

constexpr const char* kMsgCheck = "attestation helper message";

void CheckOwnFailure(const ra::Status& st) {
  if (!st.ok() && st.check() == kMsgCheck && st.detail().empty())
    fuzz::Die("helper message failure without a reason");
}

void SameBytes(const ra::Bytes& again, const uint8_t* data, size_t size, const char* what) {
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0)
    fuzz::Die(std::string(what) + ": decoded message does not re-encode to itself");
}

void Request(const uint8_t* data, size_t size) {
  ra::HelperRequest req;
  ra::Status st = ra::DecodeRequest(ra::ByteView(data, size), &req);
  CheckOwnFailure(st);
  if (!st.ok()) return;
  ra::Bytes again;
  if (req.type == ra::HelperMsg::kFetch) {
    std::map<std::string, std::string> headers;
    req.fetch.req.post_json = req.fetch.has_post ? &req.fetch.post_json : nullptr;
    req.fetch.req.response_headers = req.fetch.want_headers ? &headers : nullptr;
    again = ra::EncodeFetchRequest(req.fetch.req, req.fetch.check.c_str());
  } else {
    again = ra::EncodeProviderRequest(req.type, req.spec,
                                      req.type == ra::HelperMsg::kCollect ? &req.binding
                                                                          : nullptr);
  }
  SameBytes(again, data, size, "request");
}

void Answer(uint8_t which, const uint8_t* data, size_t size) {
  ra::ByteView msg(data, size);
  if (which == 1) {
    std::string body;
    std::map<std::string, std::string> headers;
    ra::Status st = ra::DecodeFetchAnswer(msg, ra::kMaxHelperFetchBody, &body, &headers);
    CheckOwnFailure(st);
    if (st.ok() && body.size() > ra::kMaxHelperFetchBody) fuzz::Die("body over its bound");
  } else if (which == 2) {
    CheckOwnFailure(ra::DecodeOpenAnswer(msg));
  } else {
    std::vector<ra::EvidenceItem> items;
    ra::Status st = ra::DecodeCollectAnswer(msg, &items);
    CheckOwnFailure(st);
    if (st.ok()) SameBytes(ra::EncodeCollectAnswer(items), data, size, "collect answer");
  }
}

void Frame(const uint8_t* data, size_t size) {
  int p[2];
  if (size > 60000 || pipe(p) != 0) return;  // within one pipe buffer
  if (write(p[1], data, size) != static_cast<ssize_t>(size)) fuzz::Die("pipe write");
  close(p[1]);
  ra::Bytes payload;
  ra::Status st = ra::ReadHelperFrame(p[0], ra::MonotonicMs() + 1000, &payload);
  close(p[0]);
  CheckOwnFailure(st);
  if (!st.ok()) return;
  if (payload.size() + 4 > size || payload.size() > ra::kMaxHelperMessage)
    fuzz::Die("frame longer than its input or its bound");
  Request(payload.data(), payload.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t which = data[0] % 5;
  if (which == 0) Request(data + 1, size - 1);
  else if (which == 4) Frame(data + 1, size - 1);
  else Answer(which, data + 1, size - 1);
  return 0;
}
