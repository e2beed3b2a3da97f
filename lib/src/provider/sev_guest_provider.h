// "sev-guest[:DEVICE]": an SEV-SNP report through Linux's /dev/sev-guest
// ioctls, for kernels without configfs-tsm's sev_guest provider (< 6.7).
// SNP_GET_EXT_REPORT asks for the report and the host's certificate table
// together (items snp-report and, when the host supplies certificates,
// snp-certs: common/snp_evidence_types.h); a kernel that does not know it
// (ENOTTY) gets SNP_GET_REPORT and only snp-report is emitted.
//
// The request layouts mirror linux/sev-guest.h (uapi, stable):
//   snp_report_req { user_data[64], vmpl u32, rsvd[28] }           96 bytes
//   snp_report_resp { data[4000] }  (MSG_REPORT_RSP: parse/snp_report_response)
//   snp_ext_report_req { snp_report_req, certs_address u64, certs_len u32 }
//   snp_guest_request_ioctl { msg_version u8, req_data u64, resp_data u64,
//                             exitinfo2 u64 = fw_error u32 | vmm_error u32 }
// A certificate buffer too small is answered with EIO (ENOSPC on some
// kernels) and vmm_error 1 (SNP_GUEST_VMM_ERR_INVALID_LEN), certs_len then
// holding the size needed; it is retried once with that size, bounded by
// kMaxSnpCertTableLen.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/evidence.h"

namespace ra {

constexpr const char* kDefaultSevGuestDevice = "/dev/sev-guest";

struct SnpReportReq {
  uint8_t user_data[64];
  uint32_t vmpl;
  uint8_t rsvd[28];
};
struct SnpReportResp {
  uint8_t data[4000];
};
struct SnpGuestRequestIoctl {
  uint8_t msg_version;
  uint64_t req_data;
  uint64_t resp_data;
  uint64_t exitinfo2;  // bits 31:0 fw_error, 63:32 vmm_error
};
struct SnpExtReportReq {
  SnpReportReq data;
  uint64_t certs_address;
  uint32_t certs_len;
};
static_assert(sizeof(SnpReportReq) == 96, "snp_report_req");
static_assert(sizeof(SnpGuestRequestIoctl) == 32, "snp_guest_request_ioctl");
static_assert(sizeof(SnpExtReportReq) == 112, "snp_ext_report_req");

enum class SevGuestRequest { kGetReport, kGetExtReport };
constexpr uint32_t kSnpVmmErrInvalidLen = 1;

// The ioctl seam: the real device, or a test's fake that reads the request
// and writes the response through the addresses in arg, as the kernel
// does.  Returns 0, or -1 with errno set.
class SevGuestDevice {
 public:
  virtual ~SevGuestDevice() = default;
  virtual int Ioctl(SevGuestRequest request, SnpGuestRequestIoctl* arg) = 0;
};

// Opens DEVICE (default /dev/sev-guest) read-write; fails with check
// "sev-guest" if it cannot.
Status OpenSevGuestProvider(const std::string& device, std::unique_ptr<EvidenceProvider>* out);
// The same provider over any device (tests).
Status OpenSevGuestProviderWithDevice(std::unique_ptr<SevGuestDevice> device,
                                      std::unique_ptr<EvidenceProvider>* out);

// The VMPL reports are requested for: fixed, the most privileged.
constexpr uint32_t kSevGuestVmpl = 0;
// The first certificate buffer: 4 pages, the kernel's SEV_FW_BLOB_MAX_SIZE.
constexpr uint32_t kSevGuestCertsLen = 4 * 4096;

}  // namespace ra
