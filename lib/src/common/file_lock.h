// An exclusive flock(2) on a lock file, waited for a bounded time.
//
// Providers that share one device between sshd's per-connection monitors
// (the azure-vtpm NV index) serialize on a lock file.  Both ways of getting
// that wrong hurt: an unbounded wait lets one stuck connection hold every
// other connection's root monitor, and a lock file that cannot be opened
// must not mean running unlocked (the exchange would then be racy exactly
// when the system is misconfigured).  So: open (create) or fail, then try
// the lock until a deadline, then fail naming the file.  And the file must
// be one no one else can open (a regular file, ours or root's, no group or
// other read or write): flock() needs only an open descriptor, so anyone
// who can open the file can hold the lock and stall every connection.
#pragma once

#include <string>

#include "common/status.h"

namespace ra {

class FileLock {
 public:
  FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // releases the lock

  // Opens (creating, mode 0600, not through a symbolic link) `path`,
  // refuses it unless only we (or root) can open it, and takes an
  // exclusive flock on it within `wait_ms` milliseconds.
  Status Acquire(const std::string& check, const std::string& path, int wait_ms);

 private:
  int fd_ = -1;
};

// Opens (creating) and checks `path` as Acquire would, without locking: a
// configuration check at start-up.
Status CheckLockFile(const std::string& check, const std::string& path);

}  // namespace ra
