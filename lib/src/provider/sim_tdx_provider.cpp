// "sim:DIR": a software TDX.  It emits quotes in the exact v4 wire format
// (DESIGN.md "Formats"), and DIR's CCEL (sim-init's, provider/
// sim_tdx_eventlog.cpp) as a tdx-eventlog item when DIR has one, so the
// real verifier checks them end to end; what
// makes them worthless outside tests is only that they chain to DIR's test
// root instead of Intel's.
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/bytes_util.h"
#include "common/safe_path.h"
#include "parse/td_report.h"
#include "provider/ossl_util.h"
#include "provider/providers.h"
#include "provider/sim_tdx_authority.h"
#include "provider/tdx_eventlog_source.h"

namespace ra {
namespace {

constexpr size_t kMaxPemLen = 64 * 1024;
constexpr uint8_t kIntelQeVendorId[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                          0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
// Intel's quoting-enclave signer, so the QE report looks like a real TD
// QE's; the sim's QE report is signed by the sim PCK key all the same.
constexpr uint8_t kIntelQeMrSigner[32] = {
    0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34,
    0xa7, 0xfc, 0x43, 0xed, 0x03, 0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba,
    0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5};
constexpr uint16_t kTdQeProdId = 2;
constexpr uint16_t kTdQeSvn = 4;

void PutLe16(Bytes* b, uint16_t v) {
  b->push_back(static_cast<uint8_t>(v));
  b->push_back(static_cast<uint8_t>(v >> 8));
}
void PutLe32(Bytes* b, uint32_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
template <size_t N>
void Put(Bytes* b, const std::array<uint8_t, N>& a) {
  b->insert(b->end(), a.begin(), a.end());
}
void Put(Bytes* b, const uint8_t* p, size_t n) { b->insert(b->end(), p, p + n); }
void PutZeros(Bytes* b, size_t n) { b->insert(b->end(), n, 0); }

class SimTdxProvider : public EvidenceProvider {
 public:
  ~SimTdxProvider() override { OPENSSL_cleanse(mac_key_.data(), mac_key_.size()); }
  Status Init(const std::string& dir);
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;
  // header || body || signature data, signed by the attestation key.
  Status QuoteBody(const Bytes& body, Bytes* quote) const;
  Status MakeTdReport(const std::array<uint8_t, 64>& report_data, Bytes* out) const;
  Status QuoteTdReport(ByteView td_report, Bytes* quote) const;
  // Test aid for sshd's server-wide bounds: each Collect takes delay_ms
  // longer and appends "begin"/"end" lines (CLOCK_MONOTONIC ns, pid) to
  // DIR/collect.log, so a test can count productions that overlapped.
  void SetDelay(const std::string& dir, unsigned delay_ms) {
    delay_ms_ = delay_ms;
    activity_log_ = dir + "/collect.log";
  }

 private:
  void LogActivity(const char* what) const;
  std::string acpi_dir_;  // DIR/acpi, read as configfs-tsm reads the kernel's
  unsigned delay_ms_ = 0;
  std::string activity_log_;
  SimTdConfig td_;  // REPORTDATA stays zero: each report or quote sets its own
  // The sim CPU's report MAC key, derived from the attestation key file so
  // whoever can read the sim directory (and no one else) can MAC reports.
  std::array<uint8_t, 32> mac_key_{};
  ossl::PkeyPtr att_key_;
  Bytes header_;         // 48 bytes
  Bytes sig_data_tail_;  // attestation key || certification data
};

// A PCK key that does not match the chain's leaf would produce quotes
// that fail far away, in the verifier; caught at start-up instead.
Status CheckChainLeaf(const std::string& chain, EVP_PKEY* pck_key) {
  ossl::BioPtr bio(BIO_new_mem_buf(chain.data(), static_cast<int>(chain.size())));
  ossl::X509Ptr leaf(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!leaf) return Status::Fail(kSimChainPem, "no PEM certificate");
  if (EVP_PKEY_eq(X509_get0_pubkey(leaf.get()), pck_key) != 1)
    return Status::Fail(kSimChainPem, "leaf certificate does not match pck.key");
  return Status();
}

// The sim CPU's report MAC key: SHA-256 of a label and the attestation
// key file.
Status DeriveMacKey(const std::string& key_path, std::array<uint8_t, 32>* out) {
  Bytes key_file;
  RA_RETURN_IF_ERROR(ReadFileBounded(key_path, kMaxPemLen, &key_file));
  static const char kLabel[] = "ra-ssh sim TD report MAC key";
  key_file.insert(key_file.begin(), kLabel, kLabel + sizeof(kLabel));
  SHA256(key_file.data(), key_file.size(), out->data());
  OPENSSL_cleanse(key_file.data(), key_file.size());
  return Status();
}

// The QE report binds the attestation key: report_data =
// SHA-256(attestation key || QE auth data) || 32 zero bytes.
Bytes SimQeReport(const SimTdConfig& td, const std::array<uint8_t, 64>& att_pub,
                  const Bytes& qe_auth) {
  Bytes qe_report;
  Put(&qe_report, td.tee_tcb_svn);  // CPUSVN
  PutZeros(&qe_report, 4 + 28);     // MISCSELECT, reserved
  const uint8_t attributes[16] = {0x11, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0};
  Put(&qe_report, attributes, sizeof(attributes));
  uint8_t mr_enclave[32];
  SHA256(reinterpret_cast<const uint8_t*>("ra-ssh sim TD QE"), 16, mr_enclave);
  Put(&qe_report, mr_enclave, sizeof(mr_enclave));
  PutZeros(&qe_report, 32);
  Put(&qe_report, kIntelQeMrSigner, sizeof(kIntelQeMrSigner));
  PutZeros(&qe_report, 96);
  PutLe16(&qe_report, kTdQeProdId);
  PutLe16(&qe_report, kTdQeSvn);
  PutZeros(&qe_report, 60);
  Bytes hashed;
  Put(&hashed, att_pub);
  Put(&hashed, qe_auth.data(), qe_auth.size());
  uint8_t digest[32];
  SHA256(hashed.data(), hashed.size(), digest);
  Put(&qe_report, digest, sizeof(digest));
  PutZeros(&qe_report, 32);
  return qe_report;
}

Status SimTdxProvider::Init(const std::string& dir) {
  auto fail = [&](const Status& s) { return Status::Fail("sim provider " + dir, s.message()); };
  // Its keys sign what the client trusts: judged like ssh's own files.
  Status s;
  for (const char* f : {kSimTdConf, kSimPckKey, kSimAttestationKey, kSimChainPem})
    if (s.ok()) s = CheckSafeFile("sim provider", dir + "/" + f);
  if (s.ok()) s = CheckSafeDir("sim provider", dir);  // not even a root sticky one
  if (!s.ok()) return s;
  SimTdConfig td;
  s = LoadSimTdConfig(dir + "/" + kSimTdConf, &td);
  if (!s.ok()) return fail(s);
  ossl::PkeyPtr pck_key;
  ossl::EcKeyPemReader keys;
  s = keys.Read(dir + "/" + kSimPckKey, &pck_key);
  if (s.ok()) s = keys.Read(dir + "/" + kSimAttestationKey, &att_key_);
  if (!s.ok()) return fail(s);
  td_ = td;
  acpi_dir_ = dir + "/" + kSimAcpiDir;
  s = DeriveMacKey(dir + "/" + kSimAttestationKey, &mac_key_);
  if (!s.ok()) return fail(s);
  std::array<uint8_t, 64> att_pub{};
  s = ossl::P256PublicRaw(att_key_.get(), &att_pub);
  if (!s.ok()) return fail(Status::Fail(kSimAttestationKey, s.message()));
  std::string chain;
  s = ReadTextFileBounded(dir + "/" + kSimChainPem, kMaxPemLen, &chain);
  if (!s.ok()) return fail(s);
  s = CheckChainLeaf(chain, pck_key.get());
  if (!s.ok()) return fail(s);

  // Header: v4, ECDSA-P256 attestation key, TDX, Intel's QE vendor id.
  PutLe16(&header_, 4);
  PutLe16(&header_, 2);
  PutLe32(&header_, 0x81);
  PutZeros(&header_, 4);
  Put(&header_, kIntelQeVendorId, sizeof(kIntelQeVendorId));
  PutZeros(&header_, 20);

  // QE auth data as Intel's QE emits it: 32 bytes 0x00..0x1f.
  Bytes qe_auth(32);
  for (size_t i = 0; i < qe_auth.size(); i++) qe_auth[i] = static_cast<uint8_t>(i);

  Bytes qe_report = SimQeReport(td, att_pub, qe_auth);
  if (qe_report.size() != 384) return fail(Status::Fail("qe report", "layout"));
  std::array<uint8_t, 64> qe_sig{};
  s = ossl::SignP256Raw(pck_key.get(), qe_report, &qe_sig);
  if (!s.ok()) return fail(s);

  Bytes cert_data;
  Put(&cert_data, qe_report.data(), qe_report.size());
  Put(&cert_data, qe_sig);
  PutLe16(&cert_data, static_cast<uint16_t>(qe_auth.size()));
  Put(&cert_data, qe_auth.data(), qe_auth.size());
  PutLe16(&cert_data, 5);
  PutLe32(&cert_data, static_cast<uint32_t>(chain.size()));
  Put(&cert_data, reinterpret_cast<const uint8_t*>(chain.data()), chain.size());

  Put(&sig_data_tail_, att_pub);
  PutLe16(&sig_data_tail_, 6);
  PutLe32(&sig_data_tail_, static_cast<uint32_t>(cert_data.size()));
  Put(&sig_data_tail_, cert_data.data(), cert_data.size());
  return Status();
}

void SimTdxProvider::LogActivity(const char* what) const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::string line = std::string(what) + " " +
                     std::to_string(static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec) +
                     " " + std::to_string(getpid()) + "\n";
  int fd = open(activity_log_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd == -1) return;
  // One write with O_APPEND: lines of concurrent processes do not interleave.
  if (write(fd, line.data(), line.size()) < 0) { /* a test aid only */ }
  close(fd);
}

Status SimTdxProvider::Collect(const Binding& binding, std::vector<EvidenceItem>* out) {
  if (delay_ms_ > 0) {
    LogActivity("begin");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  }
  TdReportBody body = td_;
  body.report_data = binding;
  Bytes quote;
  RA_RETURN_IF_ERROR(QuoteBody(TdQuoteBody10(body), &quote));
  out->push_back(EvidenceItem{kEvidenceTdxQuote, std::move(quote)});
  RA_RETURN_IF_ERROR(AppendTdxEventLog(acpi_dir_, out));
  if (delay_ms_ > 0) LogActivity("end");
  return Status();
}

Status SimTdxProvider::QuoteBody(const Bytes& body, Bytes* out) const {
  if (body.size() != kTdxBody10Len) return Status::Fail("sim provider", "body length");
  Bytes quote;
  quote.reserve(48 + 584 + 4 + 64 + sig_data_tail_.size());
  Put(&quote, header_.data(), header_.size());
  Put(&quote, body.data(), body.size());
  std::array<uint8_t, 64> sig{};
  Status s = ossl::SignP256Raw(att_key_.get(), quote, &sig);
  if (!s.ok()) return Status::Fail("sim provider", "quote signature: " + s.message());
  PutLe32(&quote, static_cast<uint32_t>(sig.size() + sig_data_tail_.size()));
  Put(&quote, sig);
  Put(&quote, sig_data_tail_.data(), sig_data_tail_.size());
  *out = std::move(quote);
  return Status();
}

// Laid out by parse/td_report's TdReportStruct.  Fields the sim has no value
// for stay zero.
Status SimTdxProvider::MakeTdReport(const std::array<uint8_t, 64>& report_data,
                                    Bytes* out) const {
  TdReport rep;
  rep.report_type[0] = kTdReportTypeTdx;
  rep.cpu_svn = td_.tee_tcb_svn;  // the sim CPU's CPUSVN
  rep.tee_tcb_info_valid = {0xff, 0x01, 0x03, 0, 0, 0, 0, 0};  // as a real module sets it
  rep.body = td_;
  rep.body.report_data = report_data;
  Bytes r = TdReportStruct(rep);
  SHA384(r.data() + kTeeTcbInfoOffset, kTeeTcbInfoLen, r.data() + 32);
  SHA384(r.data() + kTdInfoOffset, kTdInfoLen, r.data() + 80);
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), mac_key_.data(), static_cast<int>(mac_key_.size()), r.data(),
           kTdReportMacedLen, r.data() + kTdReportMacedLen, &mac_len) == nullptr ||
      mac_len != 32)
    return Status::Fail("sim provider", "report MAC: " + OpenSslError());
  *out = std::move(r);
  return Status();
}

// What the quoting enclave does before it signs: the report must be one
// this (sim) CPU made, i.e. its MAC and the hashes under it must hold.
Status SimTdxProvider::QuoteTdReport(ByteView td_report, Bytes* quote) const {
  TdReport rep;
  RA_RETURN_IF_ERROR(ParseTdReport(td_report, &rep));
  uint8_t h[SHA384_DIGEST_LENGTH];
  SHA384(td_report.data + kTeeTcbInfoOffset, kTeeTcbInfoLen, h);
  bool hashes_ok = CRYPTO_memcmp(h, td_report.data + 32, sizeof(h)) == 0;
  SHA384(td_report.data + kTdInfoOffset, kTdInfoLen, h);
  hashes_ok = hashes_ok && CRYPTO_memcmp(h, td_report.data + 80, sizeof(h)) == 0;
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), mac_key_.data(), static_cast<int>(mac_key_.size()), td_report.data,
           kTdReportMacedLen, mac, &mac_len) == nullptr || mac_len != 32)
    return Status::Fail("sim quoting", "report MAC: " + OpenSslError());
  if (!hashes_ok || CRYPTO_memcmp(mac, td_report.data + kTdReportMacedLen, 32) != 0)
    return Status::Fail("sim quoting", "TD report MAC does not verify (not made by this sim)");
  return QuoteBody(TdQuoteBody10(rep.body), quote);
}

}  // namespace

Status SimMakeTdReport(const std::string& dir, const std::array<uint8_t, 64>& report_data,
                       Bytes* out) {
  SimTdxProvider p;
  RA_RETURN_IF_ERROR(p.Init(dir));
  return p.MakeTdReport(report_data, out);
}

Status SimQuoteTdReport(const std::string& dir, ByteView td_report, Bytes* quote) {
  SimTdxProvider p;
  RA_RETURN_IF_ERROR(p.Init(dir));
  return p.QuoteTdReport(td_report, quote);
}

namespace {

// "40", "40ms" or "2s" (issue 15 writes sim:DIR;delay=40ms): milliseconds,
// at most 10 minutes.  False for anything else.
bool ParseDelayMs(std::string v, unsigned* ms) {
  unsigned scale = 1;
  if (v.size() > 2 && v.compare(v.size() - 2, 2, "ms") == 0) {
    v.resize(v.size() - 2);
  } else if (v.size() > 1 && v.back() == 's') {
    v.pop_back();
    scale = 1000;
  }
  if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const unsigned long n = std::stoul(v) * scale;
  if (n > 600000) return false;
  *ms = static_cast<unsigned>(n);
  return true;
}

}  // namespace

// arg: DIR[;delay=MS|MSms|Ss] (at most 10 minutes).
Status OpenSimTdxProvider(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  size_t semi = arg.find(';');
  std::string dir = arg.substr(0, semi);
  unsigned delay_ms = 0;
  if (semi != std::string::npos) {
    static const std::string kDelay = "delay=";
    std::string opt = arg.substr(semi + 1);
    if (opt.compare(0, kDelay.size(), kDelay) != 0 ||
        !ParseDelayMs(opt.substr(kDelay.size()), &delay_ms))
      return Status::Fail("provider spec", "sim: '" + opt +
                                               "': only delay=MS, delay=MSms or delay=Ss "
                                               "(at most 600000 ms) is known");
  }
  if (dir.empty()) return Status::Fail("provider spec", "sim: needs a directory (sim:DIR)");
  auto p = std::make_unique<SimTdxProvider>();
  RA_RETURN_IF_ERROR(p->Init(dir));
  if (delay_ms > 0) p->SetDelay(dir, delay_ms);
  *out = std::move(p);
  return Status();
}

}  // namespace ra
