// Status: the result of every check in the library.  A failed Status names
// the check that failed ("pck chain", "quote signature", ...) and, where it
// helps, a detail, so an operator reading one line of ssh's stderr knows
// what was refused and why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ra {

using Bytes = std::vector<uint8_t>;

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  static Status Fail(std::string check, std::string detail = {}) {
    Status s;
    s.check_ = check.empty() ? std::string("unspecified check") : std::move(check);
    s.detail_ = std::move(detail);
    return s;
  }
  bool ok() const { return check_.empty(); }
  const std::string& check() const { return check_; }
  const std::string& detail() const { return detail_; }
  // "check" or "check: detail"; empty when ok.
  std::string message() const {
    return detail_.empty() ? check_ : check_ + ": " + detail_;
  }

 private:
  std::string check_;
  std::string detail_;
};

// Propagate a failed Status to the caller.
#define RA_RETURN_IF_ERROR(expr)         \
  do {                                   \
    ::ra::Status ra_status_ = (expr);    \
    if (!ra_status_.ok()) return ra_status_; \
  } while (0)

// A read-only view of bytes (C++17 has no std::span).
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
  ByteView() = default;
  ByteView(const uint8_t* d, size_t n) : data(d), size(n) {}
  ByteView(const Bytes& b) : data(b.data()), size(b.size()) {}  // NOLINT
};

}  // namespace ra
