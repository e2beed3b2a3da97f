// "sev-guest[:DEVICE]" (see the header for the ABI).  Every length the
// kernel or the host hands back is bounded before use: REPORT_SIZE by the
// response buffer (parse/snp_report_response), the certificate size the
// host asks for by kMaxSnpCertTableLen, the certificate table by its
// parser; and the report must carry our binding before it leaves.
#include "provider/sev_guest_provider.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/snp_evidence_types.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report_response.h"
#include "provider/snp_provider_checks.h"

namespace ra {
namespace {

constexpr const char* kCheck = "sev-guest";

class RealSevGuestDevice : public SevGuestDevice {
 public:
  explicit RealSevGuestDevice(int fd) : fd_(fd) {}
  ~RealSevGuestDevice() override { close(fd_); }
  RealSevGuestDevice(const RealSevGuestDevice&) = delete;
  RealSevGuestDevice& operator=(const RealSevGuestDevice&) = delete;

  int Ioctl(SevGuestRequest request, SnpGuestRequestIoctl* arg) override {
    // linux/sev-guest.h: _IOWR('S', 0x0 / 0x2, struct snp_guest_request_ioctl)
    unsigned long nr = request == SevGuestRequest::kGetReport
                           ? _IOWR('S', 0x0, SnpGuestRequestIoctl)
                           : _IOWR('S', 0x2, SnpGuestRequestIoctl);
    int rc;
    do {
      rc = ioctl(fd_, nr, arg);
    } while (rc < 0 && errno == EINTR);
    return rc;
  }

 private:
  int fd_;
};

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%x", v);
  return buf;
}

std::string IoctlError(const char* name, int err, uint64_t exitinfo2) {
  return std::string(name) + ": " + std::strerror(err) + " (fw_error " +
         Hex32(static_cast<uint32_t>(exitinfo2)) + ", vmm_error " +
         Hex32(static_cast<uint32_t>(exitinfo2 >> 32)) + ")";
}

// The table as the host filled the buffer: parsed, and cut after its last
// certificate (the buffer is pages of mostly padding).  Empty when the
// host supplied none (an all-zero buffer: the terminator first).
Status TakeCertTable(const Bytes& buffer, Bytes* out) {
  SnpCertTable table;
  Status s = ParseSnpCertTable(ByteView(buffer.data(), buffer.size()), &table);
  if (!s.ok()) return Status::Fail(kCheck, "certificates: " + s.message());
  if (table.entries.empty()) return Status();
  size_t end = (table.entries.size() + 1) * kSnpCertEntryLen;
  for (const SnpCertEntry& e : table.entries)
    end = std::max(end, static_cast<size_t>(e.offset) + e.length);
  out->assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(end));
  return Status();
}

class SevGuestProvider : public EvidenceProvider {
 public:
  explicit SevGuestProvider(std::unique_ptr<SevGuestDevice> device)
      : device_(std::move(device)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;

 private:
  // One ioctl; returns 0 or the errno, *exitinfo2 what the kernel left.
  int Call(SevGuestRequest r, void* req, SnpReportResp* resp, uint64_t* exitinfo2);
  Status GetExtReport(const Binding& binding, SnpReportResp* resp, Bytes* certs,
                      bool* unsupported);
  Status GetReport(const Binding& binding, SnpReportResp* resp);

  std::unique_ptr<SevGuestDevice> device_;
};

int SevGuestProvider::Call(SevGuestRequest r, void* req, SnpReportResp* resp,
                           uint64_t* exitinfo2) {
  SnpGuestRequestIoctl arg{};
  arg.msg_version = 1;  // must be nonzero; 1 is the only version
  arg.req_data = reinterpret_cast<uintptr_t>(req);
  arg.resp_data = reinterpret_cast<uintptr_t>(resp);
  errno = 0;
  int rc = device_->Ioctl(r, &arg);
  int err = errno;
  *exitinfo2 = arg.exitinfo2;
  if (rc == 0) return 0;
  return err != 0 ? err : EIO;
}

Status SevGuestProvider::GetExtReport(const Binding& binding, SnpReportResp* resp,
                                      Bytes* certs, bool* unsupported) {
  SnpExtReportReq req{};
  std::memcpy(req.data.user_data, binding.data(), binding.size());
  req.data.vmpl = kSevGuestVmpl;
  Bytes buffer(kSevGuestCertsLen, 0);
  for (int attempt = 0;; attempt++) {
    req.certs_address = reinterpret_cast<uintptr_t>(buffer.data());
    req.certs_len = static_cast<uint32_t>(buffer.size());
    *resp = SnpReportResp{};
    uint64_t exitinfo2 = 0;
    int err = Call(SevGuestRequest::kGetExtReport, &req, resp, &exitinfo2);
    if (err == 0) break;
    if (err == ENOTTY && attempt == 0) {
      *unsupported = true;
      return Status();
    }
    bool too_small = (err == EIO || err == ENOSPC) &&
                     static_cast<uint32_t>(exitinfo2 >> 32) == kSnpVmmErrInvalidLen;
    if (!too_small || attempt > 0)
      return Status::Fail(kCheck, IoctlError("SNP_GET_EXT_REPORT", err, exitinfo2));
    // The host's certificates need req.certs_len bytes.
    if (req.certs_len <= buffer.size() || req.certs_len > kMaxSnpCertTableLen)
      return Status::Fail(kCheck, "SNP_GET_EXT_REPORT: host asks for a certificate buffer of " +
                                      std::to_string(req.certs_len) + " bytes (had " +
                                      std::to_string(buffer.size()) + ", at most " +
                                      std::to_string(kMaxSnpCertTableLen) + ")");
    buffer.assign(req.certs_len, 0);
  }
  return TakeCertTable(buffer, certs);
}

Status SevGuestProvider::GetReport(const Binding& binding, SnpReportResp* resp) {
  SnpReportReq req{};
  std::memcpy(req.user_data, binding.data(), binding.size());
  req.vmpl = kSevGuestVmpl;
  *resp = SnpReportResp{};
  uint64_t exitinfo2 = 0;
  int err = Call(SevGuestRequest::kGetReport, &req, resp, &exitinfo2);
  if (err != 0) return Status::Fail(kCheck, IoctlError("SNP_GET_REPORT", err, exitinfo2));
  return Status();
}

Status SevGuestProvider::Collect(const Binding& binding, std::vector<EvidenceItem>* out) {
  SnpReportResp resp{};
  Bytes certs;
  bool unsupported = false;
  RA_RETURN_IF_ERROR(GetExtReport(binding, &resp, &certs, &unsupported));
  if (unsupported) RA_RETURN_IF_ERROR(GetReport(binding, &resp));

  SnpReportResponse parsed;
  Status s = ParseSnpReportResponse(ByteView(resp.data, sizeof(resp.data)), &parsed);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  if (parsed.status != 0)
    return Status::Fail(kCheck, "firmware status " + Hex32(parsed.status) +
                                    " in MSG_REPORT_RSP (0x16: invalid parameters)");
  RA_RETURN_IF_ERROR(CheckSnpReportForBinding(kCheck, parsed.report, binding));
  out->push_back(EvidenceItem{kSnpReportItemType,
                              Bytes(parsed.report.data,
                                    parsed.report.data + parsed.report.size)});
  if (!certs.empty()) out->push_back(EvidenceItem{kSnpCertsItemType, std::move(certs)});
  return Status();
}

}  // namespace

Status OpenSevGuestProviderWithDevice(std::unique_ptr<SevGuestDevice> device,
                                      std::unique_ptr<EvidenceProvider>* out) {
  if (!device) return Status::Fail(kCheck, "no device");
  *out = std::make_unique<SevGuestProvider>(std::move(device));
  return Status();
}

Status OpenSevGuestProvider(const std::string& device, std::unique_ptr<EvidenceProvider>* out) {
  std::string path = device.empty() ? std::string(kDefaultSevGuestDevice) : device;
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return Status::Fail(kCheck, path + ": " + std::strerror(errno) +
                                    " (needs an SEV-SNP guest with the sev-guest driver)");
  return OpenSevGuestProviderWithDevice(std::make_unique<RealSevGuestDevice>(fd), out);
}

}  // namespace ra
