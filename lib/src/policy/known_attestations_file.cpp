// Known attestations on disk (policy/known_attestations.h): the file is a
// trust decision, so it is read only when nobody but the user (or root)
// could have written it, and written so that a crash or a full disk leaves
// either the old or the new file, never half of one.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/safe_path.h"
#include "policy/known_attestations.h"

namespace ra {
namespace known {
namespace {

constexpr char kCheck[] = "known attestations file";
constexpr char kRefused[] = "known attestations";

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string Dirname(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Every directory from dir up to "/" as common/safe_path.h judges them
// (the user's or root's, writable by nobody else but a root sticky /tmp
// passed through).
Status CheckParents(const std::string& dir) { return CheckSafeDir(kCheck, dir); }

// fd's file: regular, owned by the user, not group/other-writable.
Status CheckFile(int fd, const std::string& path, struct stat* st) {
  if (fstat(fd, st) != 0) return Status::Fail(kCheck, Errno("fstat", path));
  if (!S_ISREG(st->st_mode)) return Status::Fail(kCheck, path + " is not a regular file");
  if (st->st_uid != getuid())
    return Status::Fail(kCheck, "unsafe file " + path + ": owned by uid " +
                                    std::to_string(st->st_uid));
  RA_RETURN_IF_ERROR(CheckSafeOwnerMode(kCheck, path, *st));
  if (static_cast<unsigned long long>(st->st_size) > kMaxFileSize)
    return Status::Fail(kCheck, path + " is larger than " + std::to_string(kMaxFileSize) +
                                    " bytes");
  return Status();
}

Status ReadAll(int fd, const std::string& path, std::string* text) {
  text->clear();
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Fail(kCheck, Errno("read", path));
    if (n == 0) return Status();
    text->append(buf, static_cast<size_t>(n));
    if (text->size() > kMaxFileSize)
      return Status::Fail(kCheck, path + " grew beyond " + std::to_string(kMaxFileSize) +
                                      " bytes while read");
  }
}

Status WriteAll(int fd, const std::string& path, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Fail(kCheck, Errno("write", path));
    off += static_cast<size_t>(n);
  }
  return Status();
}

// The mode to give the replacement: the current file's, else 0600.
mode_t ModeFor(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return st.st_mode & 0644;
  return 0600;
}

}  // namespace

Status ReadKnownFile(const std::string& path, std::string* text, bool* exists) {
  text->clear();
  *exists = false;
  // No directory (no ~/.ssh yet): no file, and WriteKnownFile makes it.
  struct stat dir_st;
  if (stat(Dirname(path).c_str(), &dir_st) != 0 && errno == ENOENT) return Status();
  RA_RETURN_IF_ERROR(CheckParents(Dirname(path)));
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status();
    if (errno == ELOOP) return Status::Fail(kCheck, path + " is a symbolic link");
    return Status::Fail(kCheck, Errno("open", path));
  }
  struct stat st;
  Status s = CheckFile(fd, path, &st);
  if (s.ok()) s = ReadAll(fd, path, text);
  close(fd);
  if (s.ok()) *exists = true;
  return s;
}

Status WriteKnownFile(const std::string& path, const std::string& text) {
  if (text.size() > kMaxFileSize)
    return Status::Fail(kCheck, "refusing to write more than " + std::to_string(kMaxFileSize) +
                                    " bytes to " + path);
  std::string dir = Dirname(path);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Fail(kCheck, Errno("mkdir", dir));
  RA_RETURN_IF_ERROR(CheckParents(dir));
  std::string tmp = path + ".XXXXXX";
  int fd = mkstemp(&tmp[0]);
  if (fd < 0) return Status::Fail(kCheck, Errno("mkstemp", tmp));
  Status s = WriteAll(fd, tmp, text);
  if (s.ok() && fchmod(fd, ModeFor(path)) != 0) s = Status::Fail(kCheck, Errno("fchmod", tmp));
  if (s.ok() && fsync(fd) != 0) s = Status::Fail(kCheck, Errno("fsync", tmp));
  if (close(fd) != 0 && s.ok()) s = Status::Fail(kCheck, Errno("close", tmp));
  if (s.ok() && rename(tmp.c_str(), path.c_str()) != 0)
    s = Status::Fail(kCheck, Errno("rename to", path));
  if (!s.ok()) unlink(tmp.c_str());
  return s;
}

Status AddRecord(const std::string& path, const std::string& name, bool hash,
                 const Measurements& m) {
  Measurements norm = m;
  RA_RETURN_IF_ERROR(NormalizeMeasurements(&norm));
  std::string host_field = name;
  if (hash) {
    RA_RETURN_IF_ERROR(HashHostName(name, &host_field));
  } else {
    bool ignored = false;
    if (name.find_first_of(" \t\r\n#") != std::string::npos || name.empty() || name[0] == '|' ||
        !HostFieldMatches(name, name, &ignored).ok())
      return Status::Fail(kCheck, "host name \"" + name + "\" cannot be written as a record");
  }
  std::string line = FormatLine(host_field, norm);
  if (line.size() > kMaxLineLen)
    return Status::Fail(kCheck, "record longer than " + std::to_string(kMaxLineLen) + " bytes");
  std::string text;
  bool exists = false;
  RA_RETURN_IF_ERROR(ReadKnownFile(path, &text, &exists));
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += line + "\n";
  return WriteKnownFile(path, text);
}

Status RemoveRecords(const std::string& path, const std::string& name, size_t* removed) {
  *removed = 0;
  std::string text, kept;
  bool exists = false;
  RA_RETURN_IF_ERROR(ReadKnownFile(path, &text, &exists));
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    size_t next = end == std::string::npos ? text.size() : end + 1;
    std::string line = text.substr(pos, (end == std::string::npos ? text.size() : end) - pos);
    size_t start = line.find_first_not_of(" \t");
    bool matches = false;
    if (start != std::string::npos && line[start] != '#') {
      size_t stop = line.find_first_of(" \t", start);
      std::string host = line.substr(start, stop == std::string::npos ? stop : stop - start);
      if (!HostFieldMatches(host, name, &matches).ok()) matches = false;
    }
    if (matches)
      ++*removed;
    else
      kept.append(text, pos, next - pos);
    pos = next;
  }
  if (*removed == 0) return Status();
  return WriteKnownFile(path, kept);
}

Status CheckAndRecord(const std::string& path, const std::string& host, int port,
                      const CheckOptions& opts, const Measurements& seen, bool* recorded,
                      std::vector<std::string>* warnings) {
  *recorded = false;
  if (opts.mode == Mode::kNo) return Status();
  Measurements norm = seen;
  Status valid = NormalizeMeasurements(&norm);
  if (!valid.ok()) return Status::Fail("measurements", valid.detail());
  std::string name = HostKeyName(host, port);
  std::string text;
  bool exists = false;
  RA_RETURN_IF_ERROR(ReadKnownFile(path, &text, &exists));
  CheckResult r;
  RA_RETURN_IF_ERROR(CheckText(text, path, name, norm, &r));
  if (warnings) warnings->insert(warnings->end(), r.warnings.begin(), r.warnings.end());
  switch (r.verdict) {
    case Verdict::kMatch:
      return Status();
    case Verdict::kMismatch:
      return Status::Fail(kRefused, DescribeMismatch(r, path, host, port));
    case Verdict::kUnknown:
      break;
  }
  if (opts.mode == Mode::kYes)
    return Status::Fail(kRefused, "no measurements recorded for " + name + " in " + path +
                                    " and StrictAttestationChecking is yes");
  RA_RETURN_IF_ERROR(AddRecord(path, name, opts.hash, norm));
  *recorded = true;
  return Status();
}

}  // namespace known
}  // namespace ra
