#include "common/bytes_util.h"

#include <openssl/crypto.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace ra {

std::string HexEncode(ByteView b) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size * 2);
  for (size_t i = 0; i < b.size; i++) {
    s.push_back(kDigits[b.data[i] >> 4]);
    s.push_back(kDigits[b.data[i] & 0xf]);
  }
  return s;
}

static int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status HexDecode(const std::string& hex, Bytes* out) {
  if (hex.size() % 2 != 0)
    return Status::Fail("hex", "odd number of digits");
  Bytes b;
  b.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexNibble(hex[i]), lo = HexNibble(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return Status::Fail("hex", "invalid character at offset " + std::to_string(i));
    b.push_back(static_cast<uint8_t>((hi << 4) | lo));
  }
  *out = std::move(b);
  return Status();
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  if (a.size != b.size) return false;
  if (a.size == 0) return true;
  return CRYPTO_memcmp(a.data, b.data, a.size) == 0;
}

Status ReadFileBounded(const std::string& path, size_t max_len, Bytes* out) {
  // O_NONBLOCK so a FIFO named as a key or anchor cannot hang us (ssh, or
  // sshd's monitor); only regular files are read.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Status::Fail("read " + path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::Fail("read " + path, "not a regular file");
  }
  Bytes b;
  uint8_t buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return Status::Fail("read " + path, strerror(e));
    }
    if (n == 0) break;
    if (b.size() + static_cast<size_t>(n) > max_len) {
      close(fd);
      return Status::Fail("read " + path,
                          "larger than " + std::to_string(max_len) + " bytes");
    }
    b.insert(b.end(), buf, buf + n);
  }
  close(fd);
  *out = std::move(b);
  return Status();
}

Status ReadTextFileBounded(const std::string& path, size_t max_len,
                           std::string* out) {
  Bytes b;
  RA_RETURN_IF_ERROR(ReadFileBounded(path, max_len, &b));
  out->assign(b.begin(), b.end());
  return Status();
}

}  // namespace ra
