// What every C ABI file (ra_attest_capi.cpp, ra_known_capi.cpp) does at
// the boundary: one printable line through err, and no exception crossing
// into C.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <new>
#include <string>

#include "ra_attest.h"

namespace ra {
namespace capi {

// err ends up on ssh's stderr and in sshd's log: keep it to one line of
// printable text whatever the message carries (paths, values from
// evidence).
inline void CopyLine(const std::string& msg, char* buf, size_t len) {
  if (buf == nullptr || len == 0) return;
  size_t n = std::min(msg.size(), len - 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(msg[i]);
    buf[i] = (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  }
  buf[n] = '\0';
}

inline int Fail(int code, const std::string& msg, char* err, size_t errlen) {
  CopyLine(msg, err, errlen);
  return code;
}

inline void ClearErr(char* err, size_t errlen) { CopyLine(std::string(), err, errlen); }

// Runs f, turning any exception into RA_ERR_INTERNAL: a failed allocation
// must cost one connection, never unwind into C.
template <typename F>
int Guard(char* err, size_t errlen, F f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Fail(RA_ERR_INTERNAL, "out of memory", err, errlen);
  } catch (const std::exception& e) {
    return Fail(RA_ERR_INTERNAL, std::string("internal error: ") + e.what(), err, errlen);
  } catch (...) {
    return Fail(RA_ERR_INTERNAL, "internal error", err, errlen);
  }
}

}  // namespace capi
}  // namespace ra
