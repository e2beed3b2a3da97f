#include "common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/safe_path.h"

namespace ra {
namespace {

constexpr int kPollMs = 10;

// flock() needs only a descriptor, and any read or write permission gives
// one: a lock file that someone else owns, or may open, is a lock that
// someone else can hold for as long as they like, stalling every
// connection's attestation for the whole wait.  So the file we lock must
// be a regular file owned by us or root that no one else may open (the
// one we create is, 0600).
Status CheckLockFileOwner(const std::string& check, const std::string& path, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return Status::Fail(check, "lock file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::Fail(check, "lock file " + path + ": not a regular file");
  if (st.st_uid != 0 && st.st_uid != geteuid())
    return Status::Fail(check, "bad owner or permissions on lock file " + path + ": owned by uid " +
                                   std::to_string(st.st_uid));
  if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))
    return Status::Fail(check, "bad owner or permissions on lock file " + path +
                                   ": group or others may open it (and hold the lock)");
  return Status();
}

Status OpenLockFile(const std::string& check, const std::string& path, int* fd) {
  if (path.empty() || path[0] != '/')
    return Status::Fail(check, "lock file '" + path + "' is not an absolute path");
  // Others who may write its directory may replace it with their own.  A
  // directory that cannot be walked at all fails the open below, which
  // names the lock file.
  Status dir = CheckSafeParentDir(check, path);
  if (!dir.ok() && dir.detail().rfind("bad owner or permissions", 0) == 0) return dir;
  *fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (*fd < 0)
    return Status::Fail(check, "lock file " + path + ": " + std::strerror(errno));
  Status s = CheckLockFileOwner(check, path, *fd);
  if (!s.ok()) {
    close(*fd);
    *fd = -1;
  }
  return s;
}

}  // namespace

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // also releases the flock
}

Status FileLock::Acquire(const std::string& check, const std::string& path, int wait_ms) {
  if (fd_ >= 0) return Status::Fail(check, "lock file " + path + ": already held");
  int fd = -1;
  RA_RETURN_IF_ERROR(OpenLockFile(check, path, &fd));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fd_ = fd;
      return Status();
    }
    int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      close(fd);
      return Status::Fail(check, "lock file " + path + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      close(fd);
      return Status::Fail(check, "lock file " + path + ": still held by another process after " +
                                     std::to_string(wait_ms) + " ms");
    }
    usleep(kPollMs * 1000);
  }
}

Status CheckLockFile(const std::string& check, const std::string& path) {
  int fd = -1;
  RA_RETURN_IF_ERROR(OpenLockFile(check, path, &fd));
  close(fd);
  return Status();
}

}  // namespace ra
