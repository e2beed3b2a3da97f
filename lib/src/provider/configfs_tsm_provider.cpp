// "configfs-tsm[:PATH]": the Linux TSM report ABI (Linux >= 6.7,
// Documentation/ABI/testing/configfs-tsm).  Each Collect makes its own
// report entry, so concurrent sshd sessions never share one; `generation`
// still catches anyone else writing to our entry between our inblob write
// and outblob read, which would hand us a quote over someone else's data.
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/bytes_util.h"
#include "provider/configfs_tsm_provider.h"
#include "provider/providers.h"

namespace ra {
namespace {

constexpr const char* kCheck = "configfs-tsm";

std::string Trim(const std::string& s) {
  size_t e = s.find_last_not_of(" \t\r\n");
  return e == std::string::npos ? std::string() : s.substr(0, e + 1);
}

Status ReadAttr(const std::string& path, std::string* out) {
  Status s = ReadTextFileBounded(path, 4096, out);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  *out = Trim(*out);
  return Status();
}

Status ReadGeneration(const std::string& entry, uint64_t* out) {
  std::string text;
  RA_RETURN_IF_ERROR(ReadAttr(entry + "/generation", &text));
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return Status::Fail(kCheck, entry + "/generation: not a number: '" + text + "'");
  *out = std::stoull(text);
  return Status();
}

// configfs applies a binary attribute's buffered writes when the file is
// released, so the close() result is the kernel's verdict on the inblob.
Status WriteInblob(const std::string& path, const Binding& binding) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::Fail(kCheck, "open " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < binding.size()) {
    ssize_t n = write(fd, binding.data() + off, binding.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(fd);
      return Status::Fail(kCheck, "write " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0)
    return Status::Fail(kCheck, "write " + path + ": " + std::strerror(errno));
  return Status();
}

// Removes the report entry whatever happens, so failed attempts do not
// accumulate entries (each holds a quote-sized buffer in the kernel).
class EntryGuard {
 public:
  EntryGuard(std::string entry, const TsmKernelHooks& hooks)
      : entry_(std::move(entry)), hooks_(hooks) {}
  ~EntryGuard() {
    if (hooks_.before_rmdir) hooks_.before_rmdir(entry_);
    (void)rmdir(entry_.c_str());
  }
  EntryGuard(const EntryGuard&) = delete;
  EntryGuard& operator=(const EntryGuard&) = delete;

 private:
  std::string entry_;
  const TsmKernelHooks& hooks_;
};

class ConfigfsTsmProvider : public EvidenceProvider {
 public:
  ConfigfsTsmProvider(std::string path, TsmKernelHooks hooks)
      : path_(std::move(path)), hooks_(std::move(hooks)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;

 private:
  Status NewEntryName(std::string* out);

  std::string path_;
  TsmKernelHooks hooks_;
};

Status ConfigfsTsmProvider::NewEntryName(std::string* out) {
  // Random, so neither another process nor a stale entry of a previous
  // sshd can collide with (or pre-create) ours.
  uint8_t rnd[8];
  if (RAND_bytes(rnd, sizeof(rnd)) != 1)
    return Status::Fail(kCheck, "no randomness for the entry name");
  *out = path_ + "/ra-ssh-" + std::to_string(getpid()) + "-" +
         HexEncode(ByteView(rnd, sizeof(rnd)));
  return Status();
}

Status ConfigfsTsmProvider::Collect(const Binding& binding,
                                    std::vector<EvidenceItem>* out) {
  std::string entry;
  RA_RETURN_IF_ERROR(NewEntryName(&entry));
  // EEXIST is an error too: an entry we did not create may hold someone
  // else's inblob.
  if (mkdir(entry.c_str(), 0700) != 0)
    return Status::Fail(kCheck, "mkdir " + entry + ": " + std::strerror(errno));
  EntryGuard guard(entry, hooks_);
  if (hooks_.after_mkdir) hooks_.after_mkdir(entry);

  std::string provider;
  RA_RETURN_IF_ERROR(ReadAttr(entry + "/provider", &provider));
  // Only TDX is wired to an evidence type so far; an SEV-SNP report
  // labelled tdx-quote would just fail verification far from here.
  if (provider != "tdx_guest")
    return Status::Fail(kCheck, "provider is '" + provider + "', want tdx_guest");

  uint64_t gen_before = 0, gen_after = 0;
  RA_RETURN_IF_ERROR(ReadGeneration(entry, &gen_before));
  RA_RETURN_IF_ERROR(WriteInblob(entry + "/inblob", binding));
  if (hooks_.after_inblob) hooks_.after_inblob(entry);

  Bytes quote;
  Status s = ReadFileBounded(entry + "/outblob", kMaxTsmOutblobLen, &quote);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  RA_RETURN_IF_ERROR(ReadGeneration(entry, &gen_after));
  if (gen_after != gen_before + 1)
    return Status::Fail(kCheck, "generation went from " + std::to_string(gen_before) +
                                    " to " + std::to_string(gen_after) +
                                    ", expected +1: concurrent writer to " + entry);
  if (quote.empty()) return Status::Fail(kCheck, "empty outblob");
  out->push_back(EvidenceItem{kEvidenceTdxQuote, std::move(quote)});
  return Status();
}

}  // namespace

Status OpenConfigfsTsmProviderWithHooks(const std::string& path, TsmKernelHooks hooks,
                                        std::unique_ptr<EvidenceProvider>* out) {
  std::string p = path.empty() ? std::string(kDefaultTsmReportPath) : path;
  struct stat st;
  if (stat(p.c_str(), &st) != 0)
    return Status::Fail(kCheck, p + ": " + std::strerror(errno) +
                                    " (needs Linux >= 6.7 with configfs mounted)");
  if (!S_ISDIR(st.st_mode)) return Status::Fail(kCheck, p + ": not a directory");
  *out = std::make_unique<ConfigfsTsmProvider>(p, std::move(hooks));
  return Status();
}

Status OpenConfigfsTsmProvider(const std::string& path,
                               std::unique_ptr<EvidenceProvider>* out) {
  return OpenConfigfsTsmProviderWithHooks(path, TsmKernelHooks(), out);
}

}  // namespace ra
