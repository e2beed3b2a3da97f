#include "common/helper_wire.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <ctime>

namespace ra {
namespace {

constexpr const char* kMsgCheck = "attestation helper message";

class WireWriter {
 public:
  WireWriter(HelperMsg type) {  // NOLINT
    out_.push_back(kHelperVersion);
    out_.push_back(static_cast<uint8_t>(type));
  }
  void U8(uint8_t v) { out_.push_back(v); }
  void U32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(v >> shift));
  }
  void Str(const std::string& s) { Data(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
  void Data(const uint8_t* p, size_t n) {
    U32(static_cast<uint32_t>(n));
    out_.insert(out_.end(), p, p + n);
  }
  Bytes Take() { return std::move(out_); }

 private:
  Bytes out_;
};

class WireReader {
 public:
  explicit WireReader(ByteView in) : in_(in) {}
  Status U8(const char* field, uint8_t* v) {
    if (in_.size - off_ < 1) return Short(field);
    *v = in_.data[off_++];
    return Status();
  }
  Status U32(const char* field, uint32_t* v) {
    if (in_.size - off_ < 4) return Short(field);
    *v = 0;
    for (int i = 0; i < 4; i++) *v = (*v << 8) | in_.data[off_++];
    return Status();
  }
  // A u32 that must lie in [lo, hi].
  Status Bounded(const char* field, uint32_t lo, uint32_t hi, uint32_t* v) {
    RA_RETURN_IF_ERROR(U32(field, v));
    if (*v < lo || *v > hi)
      return Status::Fail(kMsgCheck, std::string(field) + " " + std::to_string(*v) +
                                         " outside " + std::to_string(lo) + ".." +
                                         std::to_string(hi));
    return Status();
  }
  Status Data(const char* field, size_t max, const uint8_t** p, size_t* n) {
    uint32_t len = 0;
    RA_RETURN_IF_ERROR(U32(field, &len));
    if (len > max)
      return Status::Fail(kMsgCheck, std::string(field) + " of " + std::to_string(len) +
                                         " bytes, over " + std::to_string(max));
    if (in_.size - off_ < len) return Short(field);
    *p = in_.data + off_;
    *n = len;
    off_ += len;
    return Status();
  }
  Status Str(const char* field, size_t max, std::string* s) {
    const uint8_t* p = nullptr;
    size_t n = 0;
    RA_RETURN_IF_ERROR(Data(field, max, &p, &n));
    s->assign(reinterpret_cast<const char*>(p), n);
    if (s->find('\0') != std::string::npos)
      return Status::Fail(kMsgCheck, std::string(field) + " contains a NUL");
    return Status();
  }
  Status Bool(const char* field, bool* b) {
    uint8_t v = 0;
    RA_RETURN_IF_ERROR(U8(field, &v));
    if (v > 1) return Status::Fail(kMsgCheck, std::string(field) + " is not 0 or 1");
    *b = v == 1;
    return Status();
  }
  Status Header(HelperMsg* type) {
    uint8_t version = 0, t = 0;
    RA_RETURN_IF_ERROR(U8("version", &version));
    if (version != kHelperVersion)
      return Status::Fail(kMsgCheck, "version " + std::to_string(version) + ", expected " +
                                         std::to_string(kHelperVersion));
    RA_RETURN_IF_ERROR(U8("type", &t));
    *type = static_cast<HelperMsg>(t);
    return Status();
  }
  Status Done() const {
    if (off_ != in_.size)
      return Status::Fail(kMsgCheck, std::to_string(in_.size - off_) + " trailing bytes");
    return Status();
  }

 private:
  Status Short(const char* field) const {
    return Status::Fail(kMsgCheck, std::string("truncated at ") + field);
  }
  ByteView in_;
  size_t off_ = 0;
};

Status WrongType(HelperMsg type, const char* expected) {
  return Status::Fail(kMsgCheck, "type " + std::to_string(static_cast<int>(type)) +
                                     ", expected " + expected);
}

uint32_t ClampU32(long v) {
  if (v < 0) return 0;
  return v > static_cast<long>(UINT32_MAX) ? UINT32_MAX : static_cast<uint32_t>(v);
}

Status DecodeFetch(WireReader* r, HelperFetch* f) {
  uint32_t v = 0;
  RA_RETURN_IF_ERROR(r->Str("url", kMaxHelperUrl, &f->req.url));
  RA_RETURN_IF_ERROR(r->Str("label", kMaxHelperUrl, &f->req.label));
  RA_RETURN_IF_ERROR(r->Str("ca_file", kMaxHelperPath, &f->req.ca_file));
  RA_RETURN_IF_ERROR(r->Bool("has_post", &f->has_post));
  RA_RETURN_IF_ERROR(r->Str("post_json", kMaxHelperPost, &f->post_json));
  if (!f->has_post && !f->post_json.empty())
    return Status::Fail(kMsgCheck, "post_json without has_post");
  RA_RETURN_IF_ERROR(r->Bool("link_local_http", &f->req.link_local_http));
  RA_RETURN_IF_ERROR(r->Bounded("connect_timeout_s", 1, kMaxHelperTimeoutMs / 1000, &v));
  f->req.connect_timeout_s = v;
  RA_RETURN_IF_ERROR(r->Bounded("total_timeout_s", 1, kMaxHelperTimeoutMs / 1000, &v));
  f->req.total_timeout_s = v;
  RA_RETURN_IF_ERROR(r->Bounded("total_timeout_ms", 0, kMaxHelperTimeoutMs, &v));
  f->req.total_timeout_ms = v;
  RA_RETURN_IF_ERROR(r->Bounded("max_body", 1, kMaxHelperFetchBody, &v));
  f->req.max_body = v;
  RA_RETURN_IF_ERROR(r->Bool("want_headers", &f->want_headers));
  RA_RETURN_IF_ERROR(r->Bounded("max_headers", 0, kMaxHelperHeaders, &v));
  f->req.max_headers = v;
  RA_RETURN_IF_ERROR(r->Str("check", kMaxHelperCheck, &f->check));
  if (f->req.url.empty() || f->check.empty())
    return Status::Fail(kMsgCheck, "empty url or check");
  return Status();
}

// A FAIL answer decodes to the failure it carries; anything but OK or FAIL
// is malformed.
Status AnswerHeader(WireReader* r) {
  HelperMsg type;
  RA_RETURN_IF_ERROR(r->Header(&type));
  if (type == HelperMsg::kOk) return Status();
  if (type != HelperMsg::kFail) return WrongType(type, "OK or FAIL");
  std::string check, detail;
  RA_RETURN_IF_ERROR(r->Str("check", kMaxHelperCheck, &check));
  RA_RETURN_IF_ERROR(r->Str("detail", kMaxHelperDetail, &detail));
  RA_RETURN_IF_ERROR(r->Done());
  if (check.empty()) return Status::Fail(kMsgCheck, "FAIL without a check");
  return Status::Fail(check, detail);
}

}  // namespace

Bytes EncodeFetchRequest(const HttpsRequest& req, const char* check) {
  WireWriter w(HelperMsg::kFetch);
  w.Str(req.url);
  w.Str(req.label);
  w.Str(req.ca_file);
  w.U8(req.post_json != nullptr ? 1 : 0);
  w.Str(req.post_json != nullptr ? *req.post_json : std::string());
  w.U8(req.link_local_http ? 1 : 0);
  w.U32(ClampU32(req.connect_timeout_s));
  w.U32(ClampU32(req.total_timeout_s));
  w.U32(ClampU32(req.total_timeout_ms));
  w.U32(static_cast<uint32_t>(std::min<size_t>(req.max_body, UINT32_MAX)));
  w.U8(req.response_headers != nullptr ? 1 : 0);
  w.U32(static_cast<uint32_t>(std::min<size_t>(req.max_headers, UINT32_MAX)));
  w.Str(check);
  return w.Take();
}

Bytes EncodeProviderRequest(HelperMsg type, const std::string& spec, const Binding* binding) {
  WireWriter w(type);
  w.Str(spec);
  if (binding != nullptr) w.Data(binding->data(), binding->size());
  return w.Take();
}

Status DecodeRequest(ByteView msg, HelperRequest* out) {
  WireReader r(msg);
  *out = HelperRequest();
  RA_RETURN_IF_ERROR(r.Header(&out->type));
  switch (out->type) {
    case HelperMsg::kFetch:
      RA_RETURN_IF_ERROR(DecodeFetch(&r, &out->fetch));
      break;
    case HelperMsg::kOpen:
    case HelperMsg::kCollect:
      RA_RETURN_IF_ERROR(r.Str("spec", kMaxHelperSpec, &out->spec));
      if (out->spec.empty()) return Status::Fail(kMsgCheck, "empty spec");
      if (out->type == HelperMsg::kCollect) {
        const uint8_t* p = nullptr;
        size_t n = 0;
        RA_RETURN_IF_ERROR(r.Data("binding", kBindingLen, &p, &n));
        if (n != kBindingLen)
          return Status::Fail(kMsgCheck, "binding of " + std::to_string(n) + " bytes, expected " +
                                             std::to_string(kBindingLen));
        std::memcpy(out->binding.data(), p, n);
      }
      break;
    default:
      return WrongType(out->type, "FETCH, OPEN or COLLECT");
  }
  return r.Done();
}

Bytes EncodeFailAnswer(const Status& st) {
  WireWriter w(HelperMsg::kFail);
  w.Str(st.check().substr(0, kMaxHelperCheck));
  w.Str(st.detail().substr(0, kMaxHelperDetail));
  return w.Take();
}

Bytes EncodeFetchAnswer(const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  WireWriter w(HelperMsg::kOk);
  w.Str(body);
  w.U32(static_cast<uint32_t>(headers.size()));
  for (const auto& h : headers) {
    w.Str(h.first);
    w.Str(h.second);
  }
  return w.Take();
}

Bytes EncodeOpenAnswer() { return WireWriter(HelperMsg::kOk).Take(); }

Bytes EncodeCollectAnswer(const std::vector<EvidenceItem>& items) {
  WireWriter w(HelperMsg::kOk);
  w.U32(static_cast<uint32_t>(items.size()));
  for (const EvidenceItem& it : items) {
    w.Str(it.type);
    w.Data(it.data.data(), it.data.size());
  }
  return w.Take();
}

Status DecodeFetchAnswer(ByteView msg, size_t max_body, std::string* body,
                         std::map<std::string, std::string>* headers) {
  WireReader r(msg);
  RA_RETURN_IF_ERROR(AnswerHeader(&r));
  const uint8_t* p = nullptr;
  size_t len = 0;  // bytes (DER certificates, CRLs), not text
  RA_RETURN_IF_ERROR(r.Data("body", std::min(max_body, kMaxHelperFetchBody), &p, &len));
  body->assign(reinterpret_cast<const char*>(p), len);
  uint32_t n = 0;
  // A header line is at least "a:" plus CRLF: no more of them than fit.
  RA_RETURN_IF_ERROR(r.Bounded("header count", 0, kMaxHelperHeaders / 4, &n));
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    std::string name, value;
    RA_RETURN_IF_ERROR(r.Str("header name", kMaxHelperHeaders, &name));
    RA_RETURN_IF_ERROR(r.Str("header value", kMaxHelperHeaders, &value));
    total += name.size() + value.size();
    if (total > kMaxHelperHeaders) return Status::Fail(kMsgCheck, "headers over their bound");
    if (headers != nullptr) (*headers)[name] = value;
  }
  return r.Done();
}

Status DecodeOpenAnswer(ByteView msg) {
  WireReader r(msg);
  RA_RETURN_IF_ERROR(AnswerHeader(&r));
  return r.Done();
}

Status DecodeCollectAnswer(ByteView msg, std::vector<EvidenceItem>* items) {
  WireReader r(msg);
  RA_RETURN_IF_ERROR(AnswerHeader(&r));
  uint32_t n = 0;
  RA_RETURN_IF_ERROR(r.Bounded("item count", 0, RA_MAX_EVIDENCE_ITEMS, &n));
  items->clear();
  for (uint32_t i = 0; i < n; i++) {
    EvidenceItem it;
    const uint8_t* p = nullptr;
    size_t len = 0;
    RA_RETURN_IF_ERROR(r.Str("item type", RA_MAX_EVIDENCE_TYPE_LEN, &it.type));
    if (it.type.empty()) return Status::Fail(kMsgCheck, "empty item type");
    RA_RETURN_IF_ERROR(r.Data("item data", RA_MAX_EVIDENCE_ITEM_LEN, &p, &len));
    it.data.assign(p, p + len);
    items->push_back(std::move(it));
  }
  return r.Done();
}

int64_t MonotonicMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

namespace {

// Waits until fd is ready for events or the deadline passes.
Status WaitFd(int fd, short events, int64_t deadline_ms, const char* what) {
  for (;;) {
    int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) return Status::Fail("attestation helper", std::string(what) + " timed out");
    struct pollfd pfd = {fd, events, 0};
    int r = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (r > 0) return Status();
    if (r < 0 && errno != EINTR)
      return Status::Fail("attestation helper", std::string(what) + ": " + std::strerror(errno));
  }
}

Status ReadExactly(int fd, uint8_t* p, size_t n, int64_t deadline_ms) {
  size_t got = 0;
  while (got < n) {
    RA_RETURN_IF_ERROR(WaitFd(fd, POLLIN, deadline_ms, "read"));
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0)
      return Status::Fail("attestation helper", std::string("read: ") + std::strerror(errno));
    if (r == 0)
      return Status::Fail(kMsgCheck, got == 0 && n == 4 ? "no message (peer closed)"
                                                         : "truncated frame");
    got += static_cast<size_t>(r);
  }
  return Status();
}

}  // namespace

Status WriteHelperFrame(int fd, ByteView payload, int64_t deadline_ms) {
  if (payload.size > kMaxHelperMessage)
    return Status::Fail(kMsgCheck, "message of " + std::to_string(payload.size) +
                                       " bytes, over " + std::to_string(kMaxHelperMessage));
  Bytes frame(4);
  for (int i = 0; i < 4; i++)
    frame[static_cast<size_t>(i)] = static_cast<uint8_t>(payload.size >> (24 - 8 * i));
  frame.insert(frame.end(), payload.data, payload.data + payload.size);
  size_t sent = 0;
  while (sent < frame.size()) {
    RA_RETURN_IF_ERROR(WaitFd(fd, POLLOUT, deadline_ms, "write"));
    // send(MSG_NOSIGNAL) on a socket, write() on a pipe: a closed peer is
    // an error, never SIGPIPE.
    ssize_t w = send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) w = write(fd, frame.data() + sent, frame.size() - sent);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w < 0)
      return Status::Fail("attestation helper", std::string("write: ") + std::strerror(errno));
    sent += static_cast<size_t>(w);
  }
  return Status();
}

Status ReadHelperFrame(int fd, int64_t deadline_ms, Bytes* payload) {
  uint8_t len_be[4];
  RA_RETURN_IF_ERROR(ReadExactly(fd, len_be, 4, deadline_ms));
  size_t len = (size_t{len_be[0]} << 24) | (size_t{len_be[1]} << 16) |
               (size_t{len_be[2]} << 8) | len_be[3];
  if (len < 2 || len > kMaxHelperMessage)
    return Status::Fail(kMsgCheck, "frame length " + std::to_string(len) + " outside 2.." +
                                       std::to_string(kMaxHelperMessage));
  payload->assign(len, 0);
  return ReadExactly(fd, payload->data(), len, deadline_ms);
}

}  // namespace ra
