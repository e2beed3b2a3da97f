// "azure-vtpm": evidence on an Azure TDX confidential VM, where the guest
// has no TDX device, only a vTPM run by the paravisor (HCL):
//
//   1. write the 64-byte binding to vTPM NV 0x01400002 (defined here,
//      owner auth, if absent); the paravisor traps the write and rebuilds
//      the HCL report in NV 0x01400001 with the binding as the runtime
//      JSON's "user-data" and SHA-256(runtime JSON) in the TD report's
//      REPORTDATA;
//   2. read and parse the HCL report, and check it is the one for this
//      binding (a stale report, or one made for a concurrent connection,
//      would be refused by the client anyway; catching it here gives the
//      operator the right reason);
//   3. POST the TD report to IMDS /acc/tdquote (plain HTTP to the
//      link-local IMDS, never anywhere else) and check the quote returned
//      is for that TD report;
//   4. send "azure-tdx-quote" + "azure-runtime-data", and, with an
//      attestation service configured, its "maa-token" as well.
//
// Spec: "azure-vtpm[;tcti=CONF][;imds=URL][;lock=FILE][;service=URL]
// [;ca=FILE][;timeout=S]".  tcti: a tpm2-tss TCTI configuration (default
// "device:/dev/tpmrm0"; tests use "swtpm:host=127.0.0.1,port=N").  lock:
// serializes steps 1-2 between sshd's per-connection monitors, which share
// the one NV index (default /run/ra-ssh-azure-vtpm.lock; without it the
// check in step 2 and a retry keep connections apart).  It runs in sshd's
// privileged monitor: every TPM command has a timeout, the HTTP exchange
// is bounded in time and size.
#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/https_client.h"
#include "parse/hcl_report.h"
#include "parse/jwt_token.h"
#include "parse/td_report.h"
#include "parse/tdx_quote.h"
#include "provider/providers.h"

namespace ra {
namespace {

const char kCheck[] = "azure-vtpm";
const char kDefaultTcti[] = "device:/dev/tpmrm0";
const char kDefaultImds[] = "http://169.254.169.254/acc/tdquote";
const char kDefaultLock[] = "/run/ra-ssh-azure-vtpm.lock";
constexpr int32_t kTpmTimeoutMs = 10000;
constexpr size_t kMaxImdsResponse = 64 * 1024;
constexpr int kAttempts = 3;  // for a report overwritten by a concurrent connection

Status TpmFail(const char* what, TSS2_RC rc) {
  return Status::Fail(kCheck, std::string(what) + ": " + Tss2_RC_Decode(rc));
}

// One TCTI + ESAPI context, closed on every path.
class Tpm {
 public:
  ~Tpm() {
    if (ctx_) Esys_Finalize(&ctx_);
    if (tcti_) Tss2_TctiLdr_Finalize(&tcti_);
  }
  Status Open(const std::string& conf) {
    TSS2_RC rc = Tss2_TctiLdr_Initialize(conf.c_str(), &tcti_);
    if (rc != TSS2_RC_SUCCESS) return TpmFail(("TPM connection " + conf).c_str(), rc);
    rc = Esys_Initialize(&ctx_, tcti_, nullptr);
    if (rc != TSS2_RC_SUCCESS) return TpmFail("ESAPI initialization", rc);
    rc = Esys_SetTimeout(ctx_, kTpmTimeoutMs);
    if (rc != TSS2_RC_SUCCESS) return TpmFail("ESAPI timeout", rc);
    return Status();
  }
  ESYS_CONTEXT* ctx() { return ctx_; }

 private:
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* ctx_ = nullptr;
};

// An NV index's ESYS handle, closed on every path out.
struct NvHandle {
  explicit NvHandle(ESYS_CONTEXT* c) : ctx(c) {}
  ~NvHandle() {
    if (tr != ESYS_TR_NONE) Esys_TR_Close(ctx, &tr);
  }
  NvHandle(const NvHandle&) = delete;
  NvHandle& operator=(const NvHandle&) = delete;
  ESYS_CONTEXT* ctx;
  ESYS_TR tr = ESYS_TR_NONE;
};

// The NV index's public area: its size.  ESYS_TR for it in *tr.
Status NvOpen(ESYS_CONTEXT* ctx, uint32_t index, ESYS_TR* tr, uint16_t* size) {
  TSS2_RC rc = Esys_TR_FromTPMPublic(ctx, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, tr);
  if (rc != TSS2_RC_SUCCESS) return TpmFail("NV index lookup", rc);
  TPM2B_NV_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  rc = Esys_NV_ReadPublic(ctx, *tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
  if (rc != TSS2_RC_SUCCESS) return TpmFail("NV read public", rc);
  *size = pub->nvPublic.dataSize;
  Esys_Free(pub);
  Esys_Free(name);
  return Status();
}

// Asked as a capability rather than by looking the index up, because a
// failed lookup makes tpm2-tss log to stderr, which is sshd's log (and the
// one-line contract of ssh-attest).
Status NvDefined(ESYS_CONTEXT* ctx, uint32_t index, bool* defined) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* cap = nullptr;
  TSS2_RC rc = Esys_GetCapability(ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_HANDLES, index, 1, &more, &cap);
  if (rc != TSS2_RC_SUCCESS) return TpmFail("listing NV indices", rc);
  *defined = cap->data.handles.count >= 1 && cap->data.handles.handle[0] == index;
  Esys_Free(cap);
  return Status();
}

Status WriteUserData(ESYS_CONTEXT* ctx, const Binding& binding) {
  NvHandle nv(ctx);
  uint16_t size = 0;
  bool defined = false;
  RA_RETURN_IF_ERROR(NvDefined(ctx, kHclNvIndexUserData, &defined));
  TSS2_RC rc;
  if (defined) {
    RA_RETURN_IF_ERROR(NvOpen(ctx, kHclNvIndexUserData, &nv.tr, &size));
    if (size != kRuntimeUserDataLen)
      return Status::Fail(kCheck, "NV index 0x01400002 holds " + std::to_string(size) +
                                      " bytes, not " + std::to_string(kRuntimeUserDataLen));
  } else {
    // Not defined yet (first use since boot): define it as the Azure
    // guest tools do, readable and writable with owner authorization.
    TPM2B_AUTH auth = {};
    TPM2B_NV_PUBLIC pub = {};
    pub.nvPublic.nvIndex = kHclNvIndexUserData;
    pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
    pub.nvPublic.attributes =
        TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD;
    pub.nvPublic.dataSize = kRuntimeUserDataLen;
    rc = Esys_NV_DefineSpace(ctx, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                             ESYS_TR_NONE, &auth, &pub, &nv.tr);
    if (rc != TSS2_RC_SUCCESS) return TpmFail("defining NV index 0x01400002", rc);
  }
  TPM2B_MAX_NV_BUFFER data = {};
  data.size = kRuntimeUserDataLen;
  std::memcpy(data.buffer, binding.data(), kRuntimeUserDataLen);
  rc = Esys_NV_Write(ctx, ESYS_TR_RH_OWNER, nv.tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                     ESYS_TR_NONE, &data, 0);
  if (rc != TSS2_RC_SUCCESS) return TpmFail("writing NV index 0x01400002", rc);
  return Status();
}

uint16_t NvChunkSize(ESYS_CONTEXT* ctx) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* cap = nullptr;
  uint16_t chunk = 512;  // every TPM can do this much
  TSS2_RC rc = Esys_GetCapability(ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more,
                                  &cap);
  if (rc == TSS2_RC_SUCCESS && cap->data.tpmProperties.count == 1 &&
      cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX) {
    uint32_t v = cap->data.tpmProperties.tpmProperty[0].value;
    chunk = static_cast<uint16_t>(std::min<uint32_t>(
        std::max<uint32_t>(v, 64), sizeof(TPM2B_MAX_NV_BUFFER::buffer)));
  }
  Esys_Free(cap);
  return chunk;
}

Status ReadHclReport(ESYS_CONTEXT* ctx, Bytes* out) {
  NvHandle nv(ctx);
  uint16_t size = 0;
  bool defined = false;
  RA_RETURN_IF_ERROR(NvDefined(ctx, kHclNvIndexReport, &defined));
  if (!defined)
    return Status::Fail(kCheck, "no HCL report (NV index 0x01400001 is not defined: not an "
                                "Azure confidential VM?)");
  RA_RETURN_IF_ERROR(NvOpen(ctx, kHclNvIndexReport, &nv.tr, &size));
  if (size < kHclRuntimeJsonOffset || size > kMaxHclReportLen)
    return Status::Fail(kCheck, "NV index 0x01400001 holds " + std::to_string(size) +
                                    " bytes, not an HCL report");
  const uint16_t chunk = NvChunkSize(ctx);
  Bytes report;
  report.reserve(size);
  while (report.size() < size) {
    uint16_t n = static_cast<uint16_t>(std::min<size_t>(chunk, size - report.size()));
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    TSS2_RC rc = Esys_NV_Read(ctx, ESYS_TR_RH_OWNER, nv.tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                              ESYS_TR_NONE, n, static_cast<uint16_t>(report.size()), &data);
    if (rc != TSS2_RC_SUCCESS) return TpmFail("reading NV index 0x01400001", rc);
    // A TPM answering with more (or less) than asked is not trusted to
    // have answered this read at all.
    bool ok = data->size == n;
    if (ok) report.insert(report.end(), data->buffer, data->buffer + n);
    Esys_Free(data);
    if (!ok) return Status::Fail(kCheck, "NV read returned another length than asked");
  }
  *out = std::move(report);
  return Status();
}

// IMDS is plain HTTP on a link-local address.  A TD report is not secret,
// but sending it (and trusting the quote back) anywhere else is never
// intended, so only IMDS itself or a loopback stand-in is accepted.
Status CheckImdsUrl(const std::string& url) {
  static const char* const kAllowed[] = {"http://169.254.169.254/", "http://127.0.0.1:",
                                         "http://127.0.0.1/", "http://[::1]:"};
  bool prefix = std::any_of(std::begin(kAllowed), std::end(kAllowed), [&](const char* p) {
    return url.compare(0, std::strlen(p), p) == 0;
  });
  bool clean = url.size() < 256 && std::all_of(url.begin(), url.end(), [](char c) {
                 return c > 0x20 && c < 0x7f && c != '@' && c != '?' && c != '#' && c != '\\';
               });
  if (!prefix || !clean)
    return Status::Fail("provider spec", "imds '" + url +
                                             "': must be http://169.254.169.254/... (or a "
                                             "loopback stand-in for tests)");
  return Status();
}

Status ImdsQuote(const std::string& url, const Bytes& td_report, Bytes* quote) {
  const std::string body = "{\"report\":\"" + Base64UrlEncode(td_report) + "\"}";
  HttpsRequest req;
  req.url = url;
  req.label = "IMDS " + url;
  req.link_local_http = true;
  req.post_json = &body;
  req.connect_timeout_s = 5;
  req.total_timeout_s = kMaxServiceTimeout;
  req.max_body = kMaxImdsResponse;
  std::string response;
  RA_RETURN_IF_ERROR(HttpsExchange(req, kCheck, &response));
  JsonPtr doc;
  RA_RETURN_IF_ERROR(ParseJsonObject(response, "IMDS response", &doc));
  std::string b64;
  RA_RETURN_IF_ERROR(JsonGetString(doc.get(), "quote", "IMDS response", &b64));
  // IMDS may pad its base64url; the decoder is strict, so drop padding.
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  Status s = Base64UrlDecode(b64, quote);
  if (!s.ok()) return Status::Fail(kCheck, "IMDS quote: " + s.message());
  return Status();
}

class AzureVtpmProvider : public EvidenceProvider {
 public:
  AzureVtpmProvider(std::string tcti, std::string imds, std::string lock,
                    AttestationServiceOptions service)
      : tcti_(std::move(tcti)),
        imds_(std::move(imds)),
        lock_(std::move(lock)),
        service_(std::move(service)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;

 private:
  Status ReportFor(const Binding& binding, HclReport* hcl);

  std::string tcti_, imds_, lock_;
  AttestationServiceOptions service_;
};

// Steps 1-2 under the lock: write, read, check the report is ours.
Status AzureVtpmProvider::ReportFor(const Binding& binding, HclReport* hcl) {
  int lock_fd = open(lock_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  std::unique_ptr<int, void (*)(int*)> unlock(&lock_fd, [](int* fd) {
    if (*fd >= 0) close(*fd);  // also releases the flock
  });
  if (lock_fd >= 0 && flock(lock_fd, LOCK_EX) != 0) {
    close(lock_fd);
    lock_fd = -1;
  }
  Tpm tpm;
  RA_RETURN_IF_ERROR(tpm.Open(tcti_));
  Status last;
  for (int attempt = 0; attempt < kAttempts; attempt++) {
    RA_RETURN_IF_ERROR(WriteUserData(tpm.ctx(), binding));
    Bytes raw;
    RA_RETURN_IF_ERROR(ReadHclReport(tpm.ctx(), &raw));
    HclReport r;
    RA_RETURN_IF_ERROR(ParseHclReport(raw, &r));
    if (r.report_type != kHclReportTypeTdx)
      return Status::Fail(kCheck, "HCL report is not a TDX report (type " +
                                      std::to_string(r.report_type) + ")");
    if (r.hash_type != kHclHashSha256)
      return Status::Fail(kCheck, "HCL runtime data hash type " + std::to_string(r.hash_type) +
                                      " (only SHA-256 is verified by clients)");
    AzureRuntimeData rt;
    RA_RETURN_IF_ERROR(ParseAzureRuntimeJson(r.runtime_json, &rt));
    std::array<uint8_t, 64> rd = TdReportReportData(r.hw_report);
    uint8_t h[SHA256_DIGEST_LENGTH];
    SHA256(r.runtime_json.data(), r.runtime_json.size(), h);
    if (!ConstantTimeEqual(ByteView(rd.data(), sizeof(h)), ByteView(h, sizeof(h))))
      return Status::Fail(kCheck, "HCL report: REPORTDATA is not SHA-256 of its runtime data");
    if (rt.has_user_data && ConstantTimeEqual(rt.user_data, ByteView(binding.data(), binding.size()))) {
      *hcl = std::move(r);
      return Status();
    }
    last = Status::Fail(kCheck, "HCL report does not carry the user data just written (no "
                                "paravisor updating NV 0x01400001, or a concurrent writer)");
  }
  return last;
}

Status AzureVtpmProvider::Collect(const Binding& binding, std::vector<EvidenceItem>* out) {
  HclReport hcl;
  RA_RETURN_IF_ERROR(ReportFor(binding, &hcl));
  TdReport td;
  RA_RETURN_IF_ERROR(ParseTdReport(hcl.hw_report, &td));
  Bytes quote;
  RA_RETURN_IF_ERROR(ImdsQuote(imds_, hcl.hw_report, &quote));
  // The quote must be for the report sent: same TD, same REPORTDATA.
  // Anything else is an IMDS (or a man in the middle on the link) that
  // would have the client refuse us for a reason no one could find.
  TdxQuote q;
  Status s = ParseTdxQuote(quote, &q);
  if (!s.ok()) return Status::Fail(kCheck, "IMDS quote: " + s.message());
  if (q.body_type != kTdxBodyTypeTdx10 && q.body_type != kTdxBodyTypeTdx15)
    return Status::Fail(kCheck, "IMDS quote: not a TD quote");
  Bytes want = TdQuoteBody10(td.body);
  Bytes got = TdQuoteBody10(q.body);
  if (want != got)
    return Status::Fail(kCheck, "IMDS quote is not for the TD report sent");

  return AppendAzureEvidence(service_, std::move(quote), std::move(hcl.runtime_json), out);
}

}  // namespace

Status OpenAzureVtpmProvider(const std::string& options,
                             std::unique_ptr<EvidenceProvider>* out) {
  std::string rest;
  AttestationServiceOptions service;
  std::map<std::string, std::string> extra;
  RA_RETURN_IF_ERROR(ParseAttestationServiceSpec(options, &rest, &service,
                                                 {"tcti", "imds", "lock"}, &extra));
  if (!rest.empty())
    return Status::Fail("provider spec", "azure-vtpm: unexpected '" + rest + "'");
  std::string tcti = extra.count("tcti") ? extra["tcti"] : kDefaultTcti;
  std::string imds = extra.count("imds") ? extra["imds"] : kDefaultImds;
  std::string lock = extra.count("lock") ? extra["lock"] : kDefaultLock;
  RA_RETURN_IF_ERROR(CheckImdsUrl(imds));
  if (lock.empty() || lock[0] != '/')
    return Status::Fail("provider spec", "lock '" + lock + "' is not an absolute path");
  // tpm2-tss logs its errors to stderr (sshd's log, ssh-attest's one-line
  // contract); they come back to us as return codes and are reported with
  // the check that failed.  An operator's own TSS2_LOG is left alone.
  setenv("TSS2_LOG", "all+NONE", 0);
  // Reaching the TPM at start-up shows a wrong TCTI (or a VM without a
  // vTPM) when sshd starts, not at the first login.
  Tpm tpm;
  RA_RETURN_IF_ERROR(tpm.Open(tcti));
  *out = std::make_unique<AzureVtpmProvider>(tcti, imds, lock, service);
  return Status();
}

}  // namespace ra
