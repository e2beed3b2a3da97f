// Files that hold trust material between processes (fetched issuer keys,
// fetched Intel collateral) in a per-user cache directory.  Whoever can
// write such a file decides what we accept, so a file is read only if
// nobody but this user could have written it: the directory owned by the
// user and not writable by group or others (and every directory above it
// judged as common/safe_path.h says), opened without following a
// link and judged on the descriptor; the file opened O_NOFOLLOW, a regular
// file owned by the user, mode 600, exactly one link, bounded in size.
// Writes go to a fresh temp file renamed into place, so a reader sees the
// old file or the whole new one.  Callers still check the content as if it
// came from the network: these rules only keep others from planting it.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace ra {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd);

 private:
  int fd_;
};

// Opens dir (creating its last component, mode 700, when create is set
// and it is missing; a missing parent is an error).  Failures are named
// by the directory.
Status OpenPrivateDir(const std::string& dir, bool create, UniqueFd* out);

// Reads name under dirfd if the rules above hold; a missing file fails
// with the detail "no cached entry".
Status ReadPrivateFile(int dirfd, const std::string& name, size_t max_size, std::string* out);

// Writes text to name under dirfd (mode 600, temp + rename).
Status WritePrivateFile(int dirfd, const std::string& name, const std::string& text);

}  // namespace ra
