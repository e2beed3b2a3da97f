#include "common/private_cache.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "common/bytes_util.h"
#include "common/safe_path.h"

namespace ra {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

namespace {

// What fd is: a directory (want_dir) or a regular file, and ours; *st for
// the caller's own checks on its mode.
Status StatOwn(int fd, const std::string& name, bool want_dir, struct stat* st) {
  if (fstat(fd, st) != 0) return Status::Fail(name, std::strerror(errno));
  if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
    return Status::Fail(name, want_dir ? "not a directory" : "not a regular file");
  if (st->st_uid != geteuid())
    return Status::Fail(name, "owned by uid " + std::to_string(st->st_uid) + ", not by uid " +
                                  std::to_string(geteuid()));
  return Status();
}

}  // namespace

Status OpenPrivateDir(const std::string& dir, bool create, UniqueFd* out) {
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(open(dir.c_str(), flags));
  bool created = false;
  if (fd.get() < 0 && errno == ENOENT && create) {
    // Only the last component: a missing parent (no ~/.ssh) means no cache.
    if (mkdir(dir.c_str(), 0700) == 0)
      created = true;
    else if (errno != EEXIST)  // EEXIST: another process won the race; judged below
      return Status::Fail(dir, std::string("cannot create: ") + std::strerror(errno));
    fd.reset(open(dir.c_str(), flags));
  }
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::Fail(dir, "does not exist");
    if (errno == ELOOP || errno == ENOTDIR)
      return Status::Fail(dir, "not a directory (or a symbolic link)");
    return Status::Fail(dir, std::strerror(errno));
  }
  // umask may have narrowed 0700 further, to where we cannot use it.  Only
  // a directory made here: an existing one is judged as it is, never fixed.
  if (created) (void)fchmod(fd.get(), 0700);
  struct stat st;
  RA_RETURN_IF_ERROR(StatOwn(fd.get(), dir, true, &st));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return Status::Fail(dir, "writable by group or others");
  // And every directory above it: whoever may write one may swap the
  // cache for theirs.
  RA_RETURN_IF_ERROR(CheckSafeDir(dir, dir));
  out->reset(fd.release());
  return Status();
}

Status ReadPrivateFile(int dirfd, const std::string& name, size_t max_size, std::string* out) {
  UniqueFd fd(
      openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::Fail(name, "no cached entry");
    if (errno == ELOOP) return Status::Fail(name, "is a symbolic link");
    return Status::Fail(name, std::strerror(errno));
  }
  struct stat st;
  RA_RETURN_IF_ERROR(StatOwn(fd.get(), name, false, &st));
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    return Status::Fail(name, "mode " + std::to_string((st.st_mode >> 6) & 7) +
                                  std::to_string((st.st_mode >> 3) & 7) +
                                  std::to_string(st.st_mode & 7) + ", must be 600");
  // Another name for the file is another way in; ours are renamed into
  // place and have exactly one.
  if (st.st_nlink != 1) return Status::Fail(name, "has more than one link");
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_size)
    return Status::Fail(name, "larger than " + std::to_string(max_size) + " bytes");
  std::string text;
  char buf[16384];
  while (true) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Fail(name, std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_size)  // grew while we read
      return Status::Fail(name, "larger than " + std::to_string(max_size) + " bytes");
  }
  *out = std::move(text);
  return Status();
}

// No fsync: after a crash a torn file fails the caller's length check and
// is simply fetched again.
Status WritePrivateFile(int dirfd, const std::string& name, const std::string& text) {
  uint8_t rnd[8];
  if (RAND_bytes(rnd, sizeof(rnd)) != 1) return Status::Fail(name, "no randomness for temp name");
  const std::string tmp = "." + name + "." + std::to_string(getpid()) + "." +
                          HexEncode(ByteView(rnd, sizeof(rnd))) + ".tmp";
  UniqueFd fd(
      openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Status::Fail(tmp, std::string("cannot create: ") + std::strerror(errno));
  auto fail = [&](const std::string& what) {
    Status s = Status::Fail(tmp, what + ": " + std::strerror(errno));
    unlinkat(dirfd, tmp.c_str(), 0);
    return s;
  };
  // 0600 whatever the umask, or the next reader would refuse it.
  if (fchmod(fd.get(), 0600) != 0) return fail("chmod");
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    off += static_cast<size_t>(n);
  }
  if (close(fd.release()) != 0) return fail("close");
  if (renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) return fail("rename");
  return Status();
}

}  // namespace ra
