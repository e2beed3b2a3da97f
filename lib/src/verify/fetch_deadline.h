// What a fetch made during a verification may take: the rest of the
// caller's deadline (VerifyContext::deadline, the connection's remaining
// AttestationTimeout), in the milliseconds the fetchers take.
#pragma once

#include <chrono>

#include "common/evidence.h"

namespace ra {

// 0: no deadline (the fetcher's own bound); -1: none left (start no
// fetch); else the milliseconds left.
inline long FetchTimeoutMs(FetchDeadline deadline) {
  if (deadline == FetchDeadline{}) return 0;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
  return left > 0 ? static_cast<long>(left) : -1;
}

}  // namespace ra
