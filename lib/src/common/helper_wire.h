// The messages between ssh / sshd-session and libexec/ssh-attest-helper
// (issue 14, least library surface): one request in, one answer out, as
// ssh-sk-helper's.  A frame is a u32 big-endian payload length (at most
// kMaxHelperMessage) and the payload: u8 version, u8 type, then the type's
// fields, each u32 or a string (u32 length, bytes) with its own bound.
// Decoding judges every length before it is used and refuses trailing
// bytes; a failure names the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/https_client.h"
#include "common/status.h"

namespace ra {

constexpr uint8_t kHelperVersion = 1;
enum class HelperMsg : uint8_t {
  kFetch = 1,    // HttpsExchange
  kOpen = 2,     // OpenProvider: the start-up check
  kCollect = 3,  // OpenProvider + Collect
  kOk = 0x80,
  kFail = 0x81,
};

// The most evidence an answer carries (RA_MAX_EVIDENCE_ITEMS items of
// RA_MAX_EVIDENCE_ITEM_LEN) plus headroom for types and headers.
constexpr size_t kMaxHelperMessage =
    RA_MAX_EVIDENCE_ITEMS * (RA_MAX_EVIDENCE_ITEM_LEN + RA_MAX_EVIDENCE_TYPE_LEN + 8) +
    64 * 1024;
constexpr size_t kMaxHelperFetchBody = 1 << 20;  // the largest caller's (PCS collateral)
constexpr size_t kMaxHelperHeaders = 64 * 1024;
constexpr size_t kMaxHelperPost = 1 << 20;
constexpr size_t kMaxHelperUrl = 4096;
constexpr size_t kMaxHelperPath = 4096;
constexpr size_t kMaxHelperSpec = 4096;
constexpr size_t kMaxHelperCheck = 256;
constexpr size_t kMaxHelperDetail = 8192;
constexpr uint32_t kMaxHelperTimeoutMs = 600 * 1000;

// A FETCH request: HttpsRequest's fields by value, and the check name
// failures are reported under.
struct HelperFetch {
  HttpsRequest req;          // req.post_json and req.response_headers unset
  std::string post_json;     // used when has_post
  bool has_post = false;
  bool want_headers = false;
  std::string check;
};

struct HelperRequest {
  HelperMsg type = HelperMsg::kFail;
  HelperFetch fetch;         // kFetch
  std::string spec;          // kOpen, kCollect
  Binding binding{};         // kCollect
};

Bytes EncodeFetchRequest(const HttpsRequest& req, const char* check);
Bytes EncodeProviderRequest(HelperMsg type, const std::string& spec, const Binding* binding);
Status DecodeRequest(ByteView msg, HelperRequest* out);

// Answers.  A failed Status travels as FAIL(check, detail).
Bytes EncodeFailAnswer(const Status& st);
Bytes EncodeFetchAnswer(const std::string& body, const std::map<std::string, std::string>& headers);
Bytes EncodeOpenAnswer();
Bytes EncodeCollectAnswer(const std::vector<EvidenceItem>& items);
// Each returns the helper's own failure when the answer is FAIL, and a
// "attestation helper answer" failure when the answer is malformed.
Status DecodeFetchAnswer(ByteView msg, size_t max_body, std::string* body,
                         std::map<std::string, std::string>* headers);
Status DecodeOpenAnswer(ByteView msg);
Status DecodeCollectAnswer(ByteView msg, std::vector<EvidenceItem>* items);

// Framing on a descriptor.  deadline_ms: CLOCK_MONOTONIC milliseconds
// (MonotonicMs()) after which reading or writing fails.
int64_t MonotonicMs();
Status WriteHelperFrame(int fd, ByteView payload, int64_t deadline_ms);
Status ReadHelperFrame(int fd, int64_t deadline_ms, Bytes* payload);

}  // namespace ra
