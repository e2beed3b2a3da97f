#include "common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace ra {
namespace {

constexpr int kPollMs = 10;

Status OpenLockFile(const std::string& check, const std::string& path, int* fd) {
  if (path.empty() || path[0] != '/')
    return Status::Fail(check, "lock file '" + path + "' is not an absolute path");
  *fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (*fd < 0)
    return Status::Fail(check, "lock file " + path + ": " + std::strerror(errno));
  return Status();
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
