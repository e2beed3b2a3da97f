// The sev-guest provider against a fake /dev/sev-guest that answers as
// the kernel does (through the request's addresses) with reports of the
// software SNP, so the items go through the real verifier; and every way
// a kernel or host answer can be wrong.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/snp_evidence_types.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"
#include "parse/snp_report_response.h"
#include "provider/sev_guest_provider.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "sim_snp_fixture.h"
#include "verify/snp_evidence.h"
#include "verify/x509_util.h"

namespace {

void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

const std::string& SimSnpDir() { return ra_test::SharedSimSnpDir(ra::SnpProduct::kMilan); }

// What the fake kernel and host do; each field one misbehaviour.
struct FakeBehaviour {
  bool ext_unsupported = false;   // SNP_GET_EXT_REPORT: ENOTTY
  uint32_t host_certs_pages = 1;  // 0: the host supplies no certificates
  uint32_t need_len = 0;          // >0: certs_len the host says it needs
  bool always_too_small = false;  // keep saying "too small"
  int fail_errno = 0;             // the ioctl fails with this ...
  uint64_t fail_exitinfo2 = 0;    // ... and exitinfo2
  uint32_t fw_status = 0;         // MSG_REPORT_RSP STATUS
  uint32_t report_size = 0;       // >0: REPORT_SIZE claimed
  bool wrong_report_data = false;
  int calls = 0;
  std::vector<uint32_t> certs_lens;  // certs_len of each EXT call
  std::vector<uint32_t> vmpls;
};

class FakeSevGuest : public ra::SevGuestDevice {
 public:
  explicit FakeSevGuest(FakeBehaviour* b) : b_(b) {}
  int Ioctl(ra::SevGuestRequest request, ra::SnpGuestRequestIoctl* arg) override {
    b_->calls++;
    EXPECT_EQ(arg->msg_version, 1);
    bool ext = request == ra::SevGuestRequest::kGetExtReport;
    if (ext && b_->ext_unsupported) return Fail(ENOTTY, arg);
    const ra::SnpReportReq* req = reinterpret_cast<const ra::SnpReportReq*>(arg->req_data);
    b_->vmpls.push_back(req->vmpl);
    ra::Bytes report, table;
    std::array<uint8_t, 64> rd;
    std::memcpy(rd.data(), req->user_data, rd.size());
    if (b_->wrong_report_data) rd[63] ^= 0x80;
    ra::Status s = ra::SimSnpGetReport(SimSnpDir(), rd, &report, &table);
    if (!s.ok()) ADD_FAILURE() << s.message();
    if (ext) {
      auto* x = reinterpret_cast<ra::SnpExtReportReq*>(arg->req_data);
      b_->certs_lens.push_back(x->certs_len);
      uint32_t need = b_->need_len;
      if (need && (x->certs_len < need || b_->always_too_small)) {
        x->certs_len = need;
        arg->exitinfo2 = uint64_t{ra::kSnpVmmErrInvalidLen} << 32;
        errno = EIO;
        return -1;
      }
      if (b_->host_certs_pages) {
        EXPECT_LE(table.size(), x->certs_len);
        std::memcpy(reinterpret_cast<void*>(x->certs_address), table.data(), table.size());
      }
    }
    if (b_->fail_errno) {
      arg->exitinfo2 = b_->fail_exitinfo2;
      errno = b_->fail_errno;
      return -1;
    }
    auto* resp = reinterpret_cast<ra::SnpReportResp*>(arg->resp_data);
    uint32_t size = b_->report_size ? b_->report_size : static_cast<uint32_t>(report.size());
    PutLe32(resp->data, b_->fw_status);
    PutLe32(resp->data + 4, size);
    std::memcpy(resp->data + 0x20, report.data(), report.size());
    return 0;
  }

 private:
  int Fail(int e, ra::SnpGuestRequestIoctl* arg) {
    arg->exitinfo2 = 0;
    errno = e;
    return -1;
  }
  FakeBehaviour* b_;
};

ra::Binding TestBinding() { return ra_test::CountingBinding(0x30); }

class SevGuestTest : public ::testing::Test {
 protected:
  ra::Status Collect(std::vector<ra::EvidenceItem>* items) {
    std::unique_ptr<ra::EvidenceProvider> p;
    ra::Status s =
        ra::OpenSevGuestProviderWithDevice(std::make_unique<FakeSevGuest>(&b_), &p);
    if (!s.ok()) return s;
    return p->Collect(TestBinding(), items);
  }
  ra::Status Verify(const std::vector<ra::EvidenceItem>& items) {
    return ra_test::VerifySimSnpItems(SimSnpDir(), items, TestBinding());
  }
  FakeBehaviour b_;
};

TEST_F(SevGuestTest, ExtendedReportVerifies) {
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, "snp-report");
  EXPECT_EQ(items[0].data.size(), ra::kSnpReportLen);
  EXPECT_EQ(items[1].type, "snp-certs");
  EXPECT_LT(items[1].data.size(), ra::kSevGuestCertsLen) << "padding not cut";
  EXPECT_EQ(b_.vmpls, std::vector<uint32_t>{0});
  s = Verify(items);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(SevGuestTest, CertificateBufferTooSmallIsRetriedOnce) {
  b_.need_len = 8 * 4096;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(b_.certs_lens, (std::vector<uint32_t>{ra::kSevGuestCertsLen, 8 * 4096}));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(Verify(items).ok());
}

TEST_F(SevGuestTest, TooSmallTwiceRefused) {
  b_.need_len = 8 * 4096;
  b_.always_too_small = true;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "sev-guest");
  EXPECT_NE(s.detail().find("vmm_error 0x1"), std::string::npos) << s.message();
  EXPECT_EQ(b_.calls, 2);
}

TEST_F(SevGuestTest, HostAsksForTooLargeABuffer) {
  b_.need_len = 1u << 20;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("certificate buffer of 1048576 bytes"), std::string::npos)
      << s.message();
  EXPECT_EQ(b_.calls, 1);
}

TEST_F(SevGuestTest, NoHostCertificates) {
  b_.host_certs_pages = 0;
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(Collect(&items).ok());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "snp-report");
}

TEST_F(SevGuestTest, KernelWithoutExtendedReport) {
  b_.ext_unsupported = true;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(b_.calls, 2);
}

TEST_F(SevGuestTest, FirmwareErrorFromTheIoctl) {
  b_.fail_errno = EIO;
  b_.fail_exitinfo2 = 0x16;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("SNP_GET_EXT_REPORT"), std::string::npos) << s.message();
  EXPECT_NE(s.detail().find("fw_error 0x16"), std::string::npos) << s.message();
  EXPECT_TRUE(items.empty());
}

TEST_F(SevGuestTest, FirmwareStatusInTheResponse) {
  b_.fw_status = 0x16;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("firmware status 0x16"), std::string::npos) << s.message();
}

TEST_F(SevGuestTest, ReportSizeBounded) {
  b_.report_size = 4000;  // past the 4000-byte buffer after the header
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("snp report response"), std::string::npos) << s.message();

  b_.report_size = 0x4A0 - 1;  // in bounds, but not a report
  s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("snp report"), std::string::npos) << s.message();
  EXPECT_TRUE(items.empty());
}

TEST_F(SevGuestTest, ReportOverOtherDataRefused) {
  b_.wrong_report_data = true;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("REPORT_DATA is not the binding"), std::string::npos)
      << s.message();
  EXPECT_TRUE(items.empty());
}

TEST(SevGuestOpen, MissingDevice) {
  ra_test::TempDir dir;
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenSevGuestProvider(dir / "sev-guest", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "sev-guest");
  EXPECT_NE(s.detail().find("No such file"), std::string::npos) << s.message();
}

TEST(SnpReportResponse, Bounds) {
  ra::Bytes buf(ra::kSnpReportRespBufferLen, 0);
  ra::SnpReportResponse r;
  EXPECT_FALSE(ra::ParseSnpReportResponse(ra::ByteView(buf.data(), 31), &r).ok());
  PutLe32(buf.data() + 4, static_cast<uint32_t>(buf.size() - 32));
  ASSERT_TRUE(ra::ParseSnpReportResponse(buf, &r).ok());
  EXPECT_EQ(r.report.size, buf.size() - 32);
  EXPECT_EQ(r.report.data, buf.data() + 32);
  PutLe32(buf.data() + 4, static_cast<uint32_t>(buf.size() - 31));
  ra::Status s = ra::ParseSnpReportResponse(buf, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "snp report response");
  PutLe32(buf.data() + 4, 0xffffffffu);
  EXPECT_FALSE(ra::ParseSnpReportResponse(buf, &r).ok());
}

}  // namespace
