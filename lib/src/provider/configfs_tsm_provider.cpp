// "configfs-tsm[:PATH]": the Linux TSM report ABI (Linux >= 6.7,
// Documentation/ABI/testing/configfs-tsm).  Each Collect makes its own
// report entry, so concurrent sshd sessions never share one; `generation`
// still catches anyone else writing to our entry between our inblob write
// and outblob read, which would hand us a quote over someone else's data.
//
// The entry's `provider` attribute says which TSM answers: tdx_guest (a
// TD quote, item tdx-quote, and the CCEL event log that explains its
// RTMRs when the firmware has one, item tdx-eventlog) or sev_guest (an SEV-SNP report in outblob,
// item snp-report, and the host's certificate table in auxblob, item
// snp-certs).  For SEV-SNP the report is parsed and its REPORT_DATA
// compared with the binding here, in the monitor, so a confused or hostile
// kernel/host answer is refused where it happened rather than at the
// client.  The VMPL asked for (`privlevel`) is fixed at 0, the most
// privileged level: a guest run under an SVSM at a higher VMPL refuses it
// (privlevel_floor), and the refusal names the floor.
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/bytes_util.h"
#include "common/snp_evidence_types.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"
#include "provider/snp_provider_checks.h"
#include "provider/configfs_tsm_provider.h"
#include "provider/providers.h"
#include "provider/tdx_eventlog_source.h"

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
Status WriteAttr(const std::string& path, ByteView data) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::Fail(kCheck, "open " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size) {
    ssize_t n = write(fd, data.data + off, data.size - off);
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
  Status CollectTdx(const std::string& entry, const Binding& binding,
                    std::vector<EvidenceItem>* out);
  Status CollectSnp(const std::string& entry, const Binding& binding,
                    std::vector<EvidenceItem>* out);

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
  if (provider == "tdx_guest") return CollectTdx(entry, binding, out);
  if (provider == "sev_guest") return CollectSnp(entry, binding, out);
  // Anything else (a TSM we have no evidence type for) would be labelled
  // wrongly and fail verification far from here.
  return Status::Fail(kCheck,
                      "provider is '" + provider + "', want tdx_guest or sev_guest");
}

Status CheckGenerationStep(const std::string& entry, uint64_t before) {
  uint64_t after = 0;
  RA_RETURN_IF_ERROR(ReadGeneration(entry, &after));
  if (after != before + 1)
    return Status::Fail(kCheck, "generation went from " + std::to_string(before) +
                                    " to " + std::to_string(after) +
                                    ", expected +1: concurrent writer to " + entry);
  return Status();
}

Status ConfigfsTsmProvider::CollectTdx(const std::string& entry, const Binding& binding,
                                       std::vector<EvidenceItem>* out) {
  uint64_t gen_before = 0;
  RA_RETURN_IF_ERROR(ReadGeneration(entry, &gen_before));
  RA_RETURN_IF_ERROR(WriteAttr(entry + "/inblob", ByteView(binding.data(), binding.size())));
  if (hooks_.after_inblob) hooks_.after_inblob(entry);

  Bytes quote;
  Status s = ReadFileBounded(entry + "/outblob", kMaxTsmOutblobLen, &quote);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  RA_RETURN_IF_ERROR(CheckGenerationStep(entry, gen_before));
  if (quote.empty()) return Status::Fail(kCheck, "empty outblob");
  out->push_back(EvidenceItem{kEvidenceTdxQuote, std::move(quote)});
  return AppendTdxEventLog(
      hooks_.acpi_tables_dir.empty() ? kDefaultAcpiTablesDir : hooks_.acpi_tables_dir, out);
}

// privlevel is the VMPL the report is requested for; the kernel refuses
// one below privlevel_floor (the VMPL the guest runs at) with EINVAL, so
// the floor is read first to say why.
Status WriteSnpPrivlevel(const std::string& entry, uint32_t vmpl) {
  std::string floor_text;
  if (ReadAttr(entry + "/privlevel_floor", &floor_text).ok() &&
      floor_text.find_first_not_of("0123456789") == std::string::npos &&
      !floor_text.empty() && floor_text.size() < 4 &&
      std::stoul(floor_text) > vmpl)
    return Status::Fail(kCheck, "privlevel_floor is " + floor_text + ", VMPL " +
                                    std::to_string(vmpl) + " cannot be requested");
  std::string text = std::to_string(vmpl) + "\n";
  return WriteAttr(entry + "/privlevel",
                   ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// auxblob: absent (a provider without certificates), empty or a table of
// no entries (the host gave none: the page it left is zero, a lone
// terminator) or a certificate table that must parse.  *out is left empty
// unless the table has an entry, as sev-guest's provider does.
Status ReadSnpCertTable(const std::string& entry, Bytes* out) {
  std::string path = entry + "/auxblob";
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return Status();
  Status s = ReadFileBounded(path, kMaxSnpCertTableLen, out);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  if (out->empty()) return Status();
  SnpCertTable table;
  s = ParseSnpCertTable(ByteView(out->data(), out->size()), &table);
  if (!s.ok()) return Status::Fail(kCheck, "auxblob: " + s.message());
  if (table.entries.empty()) out->clear();
  return Status();
}

Status ConfigfsTsmProvider::CollectSnp(const std::string& entry, const Binding& binding,
                                       std::vector<EvidenceItem>* out) {
  // privlevel is written before generation is read: every attribute write
  // moves generation, and only the inblob write may come between the two
  // reads.
  RA_RETURN_IF_ERROR(WriteSnpPrivlevel(entry, kSnpTsmVmpl));
  uint64_t gen_before = 0;
  RA_RETURN_IF_ERROR(ReadGeneration(entry, &gen_before));
  RA_RETURN_IF_ERROR(WriteAttr(entry + "/inblob", ByteView(binding.data(), binding.size())));
  if (hooks_.after_inblob) hooks_.after_inblob(entry);

  // Both blobs come from one request; reading outblob first makes it,
  // auxblob then returns that request's table.
  Bytes report, certs;
  Status s = ReadFileBounded(entry + "/outblob", kSnpReportLen, &report);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  RA_RETURN_IF_ERROR(ReadSnpCertTable(entry, &certs));
  RA_RETURN_IF_ERROR(CheckGenerationStep(entry, gen_before));
  RA_RETURN_IF_ERROR(
      CheckSnpReportForBinding(kCheck, ByteView(report.data(), report.size()), binding));
  out->push_back(EvidenceItem{kSnpReportItemType, std::move(report)});
  if (!certs.empty()) out->push_back(EvidenceItem{kSnpCertsItemType, std::move(certs)});
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
