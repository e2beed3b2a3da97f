// The names in a directory an operator fills by hand (collateral files),
// read in one bounded, deterministic pass.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace ra {

// At most this many names; more is an error (a directory of that size is
// not collateral, and reading all of it would cost every verification).
constexpr size_t kMaxDirEntries = 256;

// The names in dir, sorted, without those starting with '.'.  Failures
// are the "collateral" check: the directory or a file in it is not safe
// (common/safe_path.h), cannot be opened, or holds more than
// kMaxDirEntries names.
Status ListDirSorted(const std::string& dir, std::vector<std::string>* names);

inline bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
inline bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace ra
