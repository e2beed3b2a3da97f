#include "common/safe_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/private_cache.h"  // UniqueFd

namespace ra {
namespace {

constexpr int kMaxLinks = 40;  // as the kernel's ELOOP limit

Status BadPath(const std::string& check, const std::string& path, const std::string& why) {
  return Status::Fail(check, "bad owner or permissions on " + path + ": " + why);
}

Status CheckOwner(const std::string& check, const std::string& path, const struct stat& st) {
  if (st.st_uid != 0 && st.st_uid != geteuid())
    return BadPath(check, path, "owned by uid " + std::to_string(st.st_uid));
  return Status();
}

// A directory passed through (not the object judged).
Status CheckParentDir(const std::string& check, const std::string& path, const struct stat& st,
                      bool allow_sticky) {
  RA_RETURN_IF_ERROR(CheckOwner(check, path, st));
  bool sticky_root = allow_sticky && st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_root)
    return BadPath(check, path, "writable by group or others");
  return Status();
}

Status OpenRoot(const std::string& check, bool allow_sticky, UniqueFd* dir) {
  struct stat st;
  dir->reset(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir->get() < 0 || fstat(dir->get(), &st) != 0)
    return Status::Fail(check, std::string("/: ") + std::strerror(errno));
  return CheckParentDir(check, "/", st, allow_sticky);
}

// The object at the end of the walk.
Status CheckFinal(const std::string& check, const std::string& at, const struct stat& st,
                  SafePathType type, bool trailing_slash) {
  RA_RETURN_IF_ERROR(CheckSafeOwnerMode(check, at, st));
  if (type == SafePathType::kDirectory) {
    if (!S_ISDIR(st.st_mode)) return Status::Fail(check, at + ": not a directory");
    return Status();
  }
  // "file/" names a directory, as the kernel reads it (ENOTDIR).
  if (trailing_slash) return Status::Fail(check, at + ": not a directory");
  if (!S_ISREG(st.st_mode)) return Status::Fail(check, at + ": not a regular file");
  if (type == SafePathType::kExecutable && (st.st_mode & 0111) == 0)
    return Status::Fail(check, at + ": not an executable file");
  return Status();
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return std::string();
  return std::string(cwd) + "/" + path;
}

}  // namespace

Status CheckSafeOwnerMode(const std::string& check, const std::string& path,
                          const struct stat& st) {
  RA_RETURN_IF_ERROR(CheckOwner(check, path, st));
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return BadPath(check, path, "writable by group or others");
  return Status();
}

// A link's target is spliced in front of what is left of the path and
// walked from the directory holding the link (or from "/"); ".." is taken
// lexically, back to the parent of a directory already judged.
Status OpenSafePath(const std::string& check, const std::string& typed, SafePathType type,
                    int* out) {
  if (typed.empty()) return Status::Fail(check, "empty path");
  const bool allow_sticky = type != SafePathType::kExecutable;
  const std::string path = Absolute(typed);
  if (path.empty()) return Status::Fail(check, typed + ": " + std::strerror(errno));
  UniqueFd dir;
  RA_RETURN_IF_ERROR(OpenRoot(check, allow_sticky, &dir));
  std::string walked, rest = path.substr(1);
  int links = 0;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string name = rest.substr(0, slash);
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
    bool last = rest.find_first_not_of('/') == std::string::npos;
    if (name.empty() || name == ".") {
      if (!last) continue;
      name = ".";  // "dir/." or "dir/": the directory itself is the object
    }
    if (name == "..") {
      walked.erase(walked.empty() ? 0 : walked.find_last_of('/'));
      RA_RETURN_IF_ERROR(OpenRoot(check, allow_sticky, &dir));
      rest = (walked.empty() ? "" : walked.substr(1) + "/") + (last ? "." : rest);
      walked.clear();
      continue;
    }
    std::string at = name == "." ? (walked.empty() ? "/" : walked) : walked + "/" + name;
    UniqueFd next(openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    // Named by the path asked for ("P: No such file or directory").
    if (next.get() < 0 || fstat(next.get(), &st) != 0)
      return Status::Fail(check, typed + ": " + std::strerror(errno));
    if (S_ISLNK(st.st_mode)) {
      RA_RETURN_IF_ERROR(CheckOwner(check, at, st));
      if (++links > kMaxLinks) return Status::Fail(check, typed + ": too many symbolic links");
      char target[4096];
      ssize_t n = readlinkat(next.get(), "", target, sizeof(target));
      if (n <= 0 || static_cast<size_t>(n) >= sizeof(target))
        return Status::Fail(check, at + ": unreadable symbolic link");
      std::string t(target, static_cast<size_t>(n));
      rest = rest.empty() ? t : t + "/" + rest;
      if (t[0] == '/') {
        RA_RETURN_IF_ERROR(OpenRoot(check, allow_sticky, &dir));
        walked.clear();
        rest = rest.substr(1);
        if (rest.empty()) rest = ".";  // a link to "/"
      }
      continue;
    }
    if (last) {
      RA_RETURN_IF_ERROR(CheckFinal(check, at, st, type, slash != std::string::npos));
      if (out != nullptr) *out = next.release();
      return Status();
    }
    if (!S_ISDIR(st.st_mode)) return Status::Fail(check, at + ": not a directory");
    RA_RETURN_IF_ERROR(CheckParentDir(check, at, st, allow_sticky));
    walked = at;
    dir.reset(next.release());
  }
  // Only "/" itself gets here.
  struct stat st;
  if (fstat(dir.get(), &st) != 0) return Status::Fail(check, std::string("/: ") + std::strerror(errno));
  RA_RETURN_IF_ERROR(CheckFinal(check, "/", st, type, false));
  if (out != nullptr) *out = dir.release();
  return Status();
}

Status CheckSafeFile(const std::string& check, const std::string& path) {
  return OpenSafePath(check, path, SafePathType::kFile, nullptr);
}

Status CheckSafeDir(const std::string& check, const std::string& path) {
  return OpenSafePath(check, path, SafePathType::kDirectory, nullptr);
}

Status CheckSafeParentDir(const std::string& check, const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return CheckSafeDir(check, ".");
  return CheckSafeDir(check, slash == 0 ? "/" : path.substr(0, slash));
}

Status WriteNewFile(const std::string& check, const std::string& path, const std::string& data,
                    mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return Status::Fail(check, "create " + path + ": " + std::strerror(errno));
  size_t off = 0;
  int err = 0;
  while (off < data.size() && err == 0) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      err = n < 0 ? errno : EIO;
    else
      off += static_cast<size_t>(n);
  }
  if (close(fd) != 0 && err == 0) err = errno;
  if (err == 0) return Status();
  unlink(path.c_str());
  return Status::Fail(check, "write " + path + ": " + std::strerror(err));
}

}  // namespace ra
