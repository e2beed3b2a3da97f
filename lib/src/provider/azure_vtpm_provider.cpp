// "azure-vtpm": evidence on an Azure TDX or SEV-SNP confidential VM, where
// the guest has no TDX/SNP device, only a vTPM run by the paravisor (HCL):
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
//      attestation service configured, its "maa-token" as well;
//   3'. on an SNP CVM (the HCL report's type says which) the hardware
//      report is the SNP report itself, REPORT_DATA[0:32] = SHA-256(runtime
//      JSON): GET the VCEK and its chain from IMDS's THIM endpoint
//      (/metadata/THIM/amd/certification: vcekCert, certificateChain =
//      ASK then ARK, PEM) and send "azure-snp-report", "azure-runtime-data"
//      and "snp-certs" (a certificate table made of them) instead of
//      step 4's items.  No attestation service on this path yet (MAA's
//      SevSnpVm request is another shape): with service= it fails;
//   5. (issue 11) quote the vTPM's PCRs with qualifyingData = the binding
//      by the platform AK at 0x81000003 (HCLAkPub) and send "tpm-quote",
//      "tpm-signature", "tpm-pcrs", the AK certificate from NV 0x01C101D0
//      as "tpm-ak-cert" if the vTPM has one, and the whole HCL report as
//      "azure-hcl-report" (which carries HCLAkPub and the TD report that
//      binds it), then the boot event log and IMA list as the `tpm`
//      provider sends them ("tpm-eventlog", "ima-log"; eventlog=, ima=).
//
// With hclcache=SECONDS steps 1-4 run only when the cached report (file
// in cachedir=DIR, provider/azure_hcl_cache.h) is missing, older than
// SECONDS, or not of the AK that signed this connection's vTPM quote:
// each connection then costs the vTPM quote (step 5) alone, and sends
// azure-tdx-quote (cached; on an SNP CVM snp-certs, THIM's table, cached),
// the vTPM quote's items, azure-hcl-report (cached) and the logs, without
// azure-runtime-data, azure-snp-report or a token, whose user-data would
// name an earlier session.  The binding is the quote's extraData.
//
// Spec: "azure-vtpm[;tcti=CONF][;imds=URL][;thim=URL][;lock=FILE][;service=URL]
// [;ca=FILE][;timeout=S][;pcrs=LIST|none][;banks=LIST][;eventlog=PATH|none]
// [;ima=PATH|none][;hclcache=S][;cachedir=DIR]".  pcrs/banks: the
// vTPM quote's selection (default 0-7,11-14 on sha256; none: no quote).  tcti: a tpm2-tss TCTI configuration (default
// "device:/dev/tpmrm0"; tests use "swtpm:host=127.0.0.1,port=N").  lock:
// serializes steps 1-2 between sshd's per-connection monitors, which share
// the one NV index (default /run/ra-ssh-azure-vtpm.lock; a lock that cannot
// be opened is an error, and the wait for it is bounded).  It runs in sshd's
// privileged monitor: every TPM command has a timeout, the HTTP exchange
// is bounded in time and size.
#include <fcntl.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/file_lock.h"
#include "common/https_client.h"
#include "common/private_cache.h"
#include "parse/hcl_report.h"
#include "parse/jwt_token.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"
#include "parse/td_report.h"
#include "parse/tdx_quote.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_quote.h"
#include "provider/azure_hcl_cache.h"
#include "provider/esys_session.h"
#include "provider/json_exchange.h"
#include "provider/providers.h"
#include "provider/tpm_provider.h"
#include "verify/tpm_quote_check.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

const char kCheck[] = "azure-vtpm";
const char kDefaultImds[] = "http://169.254.169.254/acc/tdquote";
const char kDefaultThim[] = "http://169.254.169.254/metadata/THIM/amd/certification";
const char kDefaultLock[] = "/run/ra-ssh-azure-vtpm.lock";
// Steps 1-2 take a few TPM commands (each bounded by kEsysTimeoutMs, two
// attempts): a holder longer than this is stuck, and waiting on would only
// pile up root monitors behind it.
constexpr int kLockWaitMs = 20000;
constexpr size_t kMaxImdsResponse = 64 * 1024;
constexpr int kAttempts = 3;  // for a report overwritten by a concurrent connection
constexpr uint32_t kAzureAkCertNvIndex = 0x01C101D0;
// The response carries 240 KiB (docs/protocol.md); the TD quote, HCL
// report (<= 16 KiB), runtime data, vTPM quote and AK certificate (<= 16
// KiB) take < 56 KiB.
constexpr size_t kMaxAzureLogsLen = 184 * 1024;

Status TpmFail(const char* what, TSS2_RC rc) { return ra::TpmFail(kCheck, what, rc); }

Status WriteUserData(ESYS_CONTEXT* ctx, const Binding& binding) {
  EsysHandle nv(ctx);
  uint16_t size = 0;
  bool defined = false;
  RA_RETURN_IF_ERROR(NvIndexDefined(ctx, kCheck, kHclNvIndexUserData, &defined));
  TSS2_RC rc;
  if (defined) {
    RA_RETURN_IF_ERROR(NvIndexOpen(ctx, kCheck, kHclNvIndexUserData, nv.out(), &size));
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
                             ESYS_TR_NONE, &auth, &pub, nv.out());
    if (rc != TSS2_RC_SUCCESS) return TpmFail("defining NV index 0x01400002", rc);
  }
  TPM2B_MAX_NV_BUFFER data = {};
  data.size = kRuntimeUserDataLen;
  std::memcpy(data.buffer, binding.data(), kRuntimeUserDataLen);
  rc = Esys_NV_Write(ctx, ESYS_TR_RH_OWNER, nv.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                     ESYS_TR_NONE, &data, 0);
  if (rc != TSS2_RC_SUCCESS) return TpmFail("writing NV index 0x01400002", rc);
  return Status();
}

Status ReadHclReport(ESYS_CONTEXT* ctx, Bytes* out) {
  EsysHandle nv(ctx);
  uint16_t size = 0;
  bool defined = false;
  RA_RETURN_IF_ERROR(NvIndexDefined(ctx, kCheck, kHclNvIndexReport, &defined));
  if (!defined)
    return Status::Fail(kCheck, "no HCL report (NV index 0x01400001 is not defined: not an "
                                "Azure confidential VM?)");
  RA_RETURN_IF_ERROR(NvIndexOpen(ctx, kCheck, kHclNvIndexReport, nv.out(), &size));
  if (size < kHclRuntimeJsonOffset || size > kMaxHclReportLen)
    return Status::Fail(kCheck, "NV index 0x01400001 holds " + std::to_string(size) +
                                    " bytes, not an HCL report");
  return NvIndexRead(ctx, kCheck, nv.get(), size, "NV index 0x01400001", out);
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
  std::string b64;
  RA_RETURN_IF_ERROR(
      PostForJsonMember(req, kCheck, "IMDS response", "quote", "IMDS response", &b64));
  // IMDS may pad its base64url; the decoder is strict, so drop padding.
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  Status s = Base64UrlDecode(b64, quote);
  if (!s.ok()) return Status::Fail(kCheck, "IMDS quote: " + s.message());
  return Status();
}

// REPORTDATA of the HCL report's hardware report (TD report or SNP report).
Status HwReportData(const HclReport& r, std::array<uint8_t, 64>* rd) {
  if (r.report_type == kHclReportTypeTdx) {
    *rd = TdReportReportData(r.hw_report);
    return Status();
  }
  SnpReport snp;
  Status s = ParseSnpReport(r.hw_report, &snp);
  if (!s.ok()) return Status::Fail(kCheck, "HCL report's SNP report: " + s.message());
  *rd = snp.report_data;
  return Status();
}

Status CertDer(X509* c, Bytes* out) {
  unsigned char* der = nullptr;
  int n = i2d_X509(c, &der);
  if (n <= 0) return Status::Fail(kCheck, "cannot encode a THIM certificate");
  out->assign(der, der + n);
  OPENSSL_free(der);
  return Status();
}

// The VCEK and its chain from IMDS's THIM endpoint, as a certificate table
// (VCEK, ASK, ARK).  Nothing here is trusted: the client verifies the chain
// to AMD's ARK; the checks only catch an answer that cannot be used.
Status ThimCertTable(const std::string& url, Bytes* table) {
  HttpsRequest req;
  req.url = url;
  req.label = "IMDS " + url;
  req.link_local_http = true;
  req.connect_timeout_s = 5;
  req.total_timeout_s = kMaxServiceTimeout;
  req.max_body = kMaxImdsResponse;
  std::string response, vcek_pem, chain_pem;
  RA_RETURN_IF_ERROR(HttpsExchange(req, kCheck, &response));
  JsonPtr doc;
  RA_RETURN_IF_ERROR(ParseJsonObject(response, "THIM response", &doc));
  RA_RETURN_IF_ERROR(JsonGetString(doc.get(), "vcekCert", "THIM response", &vcek_pem));
  RA_RETURN_IF_ERROR(JsonGetString(doc.get(), "certificateChain", "THIM response", &chain_pem));
  std::vector<X509Ptr> vcek, chain;
  Status s = LoadPemCerts(vcek_pem, "THIM vcekCert", &vcek, 1);
  if (s.ok()) s = LoadPemCerts(chain_pem, "THIM certificateChain", &chain, 2);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  if (chain.size() != 2)
    return Status::Fail(kCheck, "THIM certificateChain holds " + std::to_string(chain.size()) +
                                    " certificates, not the ASK and the ARK");
  std::vector<std::pair<SnpGuid, Bytes>> certs;
  const SnpCertKind kinds[] = {SnpCertKind::kVcek, SnpCertKind::kAsk, SnpCertKind::kArk};
  X509* all[] = {vcek[0].get(), chain[0].get(), chain[1].get()};
  for (size_t i = 0; i < 3; i++) {
    Bytes der;
    RA_RETURN_IF_ERROR(CertDer(all[i], &der));
    certs.emplace_back(SnpCertKindGuid(kinds[i]), std::move(der));
  }
  *table = BuildSnpCertTable(certs);
  return Status();
}

// The HCL report (TDX or SNP) is one whose REPORTDATA is SHA-256 of its
// runtime JSON (fresh from NV, or from the cache).
Status CheckHclReport(const Bytes& raw, HclReport* out, AzureRuntimeData* rt) {
  HclReport r;
  RA_RETURN_IF_ERROR(ParseHclReport(raw, &r));
  if (r.hash_type != kHclHashSha256)
    return Status::Fail(kCheck, "HCL runtime data hash type " + std::to_string(r.hash_type) +
                                    " (only SHA-256 is verified by clients)");
  RA_RETURN_IF_ERROR(ParseAzureRuntimeJson(r.runtime_json, rt));
  std::array<uint8_t, 64> rd{};
  RA_RETURN_IF_ERROR(HwReportData(r, &rd));
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(r.runtime_json.data(), r.runtime_json.size(), h);
  if (!ConstantTimeEqual(ByteView(rd.data(), sizeof(h)), ByteView(h, sizeof(h))))
    return Status::Fail(kCheck, "HCL report: REPORTDATA is not SHA-256 of its runtime data");
  *out = std::move(r);
  return Status();
}

// The quote must be for the report sent: same TD, same REPORTDATA.
// Anything else is an IMDS (or a man in the middle on the link) that
// would have the client refuse us for a reason no one could find.
Status CheckQuoteOfReport(const Bytes& td_report, const Bytes& quote) {
  TdReport td;
  RA_RETURN_IF_ERROR(ParseTdReport(td_report, &td));
  TdxQuote q;
  Status s = ParseTdxQuote(quote, &q);
  if (!s.ok()) return Status::Fail(kCheck, "IMDS quote: " + s.message());
  if (q.body_type != kTdxBodyTypeTdx10 && q.body_type != kTdxBodyTypeTdx15)
    return Status::Fail(kCheck, "IMDS quote: not a TD quote");
  if (TdQuoteBody10(td.body) != TdQuoteBody10(q.body))
    return Status::Fail(kCheck, "IMDS quote is not for the TD report sent");
  return Status();
}

// Steps 1-2 (the lock held): write, read, check the report is ours.
Status WriteAndReadReport(ESYS_CONTEXT* ctx, const Binding& binding, HclReport* hcl,
                          Bytes* raw_out) {
  Status last;
  for (int attempt = 0; attempt < kAttempts; attempt++) {
    RA_RETURN_IF_ERROR(WriteUserData(ctx, binding));
    Bytes raw;
    RA_RETURN_IF_ERROR(ReadHclReport(ctx, &raw));
    HclReport r;
    AzureRuntimeData rt;
    RA_RETURN_IF_ERROR(CheckHclReport(raw, &r, &rt));
    if (rt.has_user_data && ConstantTimeEqual(rt.user_data, ByteView(binding.data(), binding.size()))) {
      *hcl = std::move(r);
      *raw_out = std::move(raw);
      return Status();
    }
    last = Status::Fail(kCheck, "HCL report does not carry the user data just written (no "
                                "paravisor updating NV 0x01400001, or a concurrent writer)");
  }
  return last;
}

struct HclCacheOptions {
  int64_t seconds = 0;  // 0: no cache
  std::string dir = kDefaultHclCacheDir;
};

class AzureVtpmProvider : public EvidenceProvider {
 public:
  AzureVtpmProvider(std::string tcti, std::string imds, std::string thim, std::string lock,
                    AttestationServiceOptions service, TpmProviderOptions quote,
                    HclCacheOptions cache)
      : tcti_(std::move(tcti)),
        imds_(std::move(imds)),
        thim_(std::move(thim)),
        lock_(std::move(lock)),
        service_(std::move(service)),
        quote_(std::move(quote)),
        cache_(std::move(cache)) {}
  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override;

 private:
  Status ReportFor(const Binding& binding, HclReport* hcl, Bytes* raw);
  Status VtpmQuote(const Binding& binding, std::vector<EvidenceItem>* out);
  Status CollectCached(const Binding& binding, std::vector<EvidenceItem>* out);
  Status RefreshCache(const Binding& binding, const std::vector<EvidenceItem>& quote,
                      CachedHclReport* out);
  Status TdxItems(HclReport* hcl, std::vector<EvidenceItem>* items);
  Status SnpItems(HclReport* hcl, std::vector<EvidenceItem>* items);

  std::string tcti_, imds_, thim_, lock_;
  AttestationServiceOptions service_;
  TpmProviderOptions quote_;  // banks and PCRs of the vTPM quote
  HclCacheOptions cache_;
};

// Steps 1-2 under the lock.
Status AzureVtpmProvider::ReportFor(const Binding& binding, HclReport* hcl, Bytes* raw_out) {
  // Bounded, and never without it: see common/file_lock.h.
  FileLock lock;
  RA_RETURN_IF_ERROR(lock.Acquire(kCheck, lock_, kLockWaitMs));
  EsysSession tpm;
  RA_RETURN_IF_ERROR(tpm.Open(kCheck, tcti_));
  return WriteAndReadReport(tpm.ctx(), binding, hcl, raw_out);
}

// The vTPM quote over the binding by the platform AK (0x81000003, whose
// public key is the runtime JSON's HCLAkPub), its certificate if any.
// Outside the lock: it touches no NV index another connection writes.
Status AzureVtpmProvider::VtpmQuote(const Binding& binding, std::vector<EvidenceItem>* out) {
  EsysSession tpm;
  RA_RETURN_IF_ERROR(tpm.Open(kCheck, tcti_));
  RA_RETURN_IF_ERROR(AppendTpmQuote(tpm.ctx(), quote_, binding, out));
  return AppendTpmAkCertFromNv(tpm.ctx(), kAzureAkCertNvIndex, true, out);
}

const Bytes* ItemOf(const std::vector<EvidenceItem>& items, const char* type) {
  for (const EvidenceItem& it : items)
    if (it.type == type) return &it.data;
  return nullptr;
}

// THIM's table (cached) can be used: it parses and names a VCEK.  The
// client verifies it; this only keeps a damaged file from being sent.
Status CheckThimTable(const Bytes& table) {
  SnpCertTable t;
  Status s = ParseSnpCertTable(table, &t);
  if (!s.ok()) return Status::Fail(kCheck, "THIM certificate table: " + s.message());
  if (t.Find(SnpCertKind::kVcek) == nullptr)
    return Status::Fail(kCheck, "THIM certificate table: no VCEK");
  return Status();
}

// A cached (or just read) report is usable when it passes the checks a
// fresh one does, IMDS's quote is of its TD report (on SNP: THIM's table
// is there instead, and no TD quote), and its HCLAkPub is the key that
// signed this connection's vTPM quote (else the AK changed, and so must
// the report).
Status CheckCachedReport(const CachedHclReport& c, const std::vector<EvidenceItem>& quote) {
  HclReport hcl;
  AzureRuntimeData rt;
  RA_RETURN_IF_ERROR(CheckHclReport(c.hcl_report, &hcl, &rt));
  if (hcl.report_type == kHclReportTypeSnp) {
    if (!c.td_quote.empty()) return Status::Fail(kCheck, "a TD quote cached for an SNP report");
    RA_RETURN_IF_ERROR(CheckThimTable(c.snp_certs));
  } else {
    if (!c.snp_certs.empty()) return Status::Fail(kCheck, "SNP certificates cached for a TD");
    RA_RETURN_IF_ERROR(CheckQuoteOfReport(hcl.hw_report, c.td_quote));
  }
  Bytes n, e;
  std::shared_ptr<EVP_PKEY> ak;
  if (rt.ak_pub_n.empty() || !Base64UrlDecode(rt.ak_pub_n, &n).ok() ||
      !Base64UrlDecode(rt.ak_pub_e, &e).ok() || !RsaPublicKeyFromBytes(n, e, &ak).ok())
    return Status::Fail(kCheck, "HCL report: no usable HCLAkPub");
  const Bytes* q = ItemOf(quote, kEvidenceTpmQuote);
  const Bytes* sig = ItemOf(quote, kEvidenceTpmSignature);
  TpmQuote tq;
  TpmSignature ts;
  if (!q || !sig || !ParseTpmQuote(*q, &tq).ok() || !ParseTpmSignature(*sig, &ts).ok())
    return Status::Fail(kCheck, "no vTPM quote to check the HCL report against");
  if (!CheckTpmQuoteSignature(tq, ts, ak.get(), TpmQuoteCheckOptions()).ok())
    return Status::Fail(kCheck, "the vTPM's AK (0x81000003) is not the HCL report's HCLAkPub");
  return Status();
}

// hclcache: a new report only when the cached one is missing, stale or
// no longer matches; under the lock, where another connection may just
// have made one (so N connections waiting on a refresh cause one).
Status AzureVtpmProvider::RefreshCache(const Binding& binding,
                                       const std::vector<EvidenceItem>& quote,
                                       CachedHclReport* out) {
  const std::string name = HclCacheFileName(tcti_);
  FileLock lock;
  RA_RETURN_IF_ERROR(lock.Acquire(kCheck, lock_, kLockWaitMs));
  CachedHclReport c;
  if (LoadHclCache(cache_.dir, name, cache_.seconds, std::time(nullptr), &c).ok() &&
      CheckCachedReport(c, quote).ok()) {
    *out = std::move(c);
    return Status();
  }
  c = CachedHclReport();  // nothing of the refused entry is kept
  HclReport hcl;
  {
    EsysSession tpm;
    RA_RETURN_IF_ERROR(tpm.Open(kCheck, tcti_));
    RA_RETURN_IF_ERROR(WriteAndReadReport(tpm.ctx(), binding, &hcl, &c.hcl_report));
  }
  if (hcl.report_type == kHclReportTypeSnp)
    RA_RETURN_IF_ERROR(ThimCertTable(thim_, &c.snp_certs));
  else
    RA_RETURN_IF_ERROR(ImdsQuote(imds_, hcl.hw_report, &c.td_quote));
  c.made_at = static_cast<int64_t>(std::time(nullptr));
  RA_RETURN_IF_ERROR(CheckCachedReport(c, quote));
  RA_RETURN_IF_ERROR(StoreHclCache(cache_.dir, name, c));
  *out = std::move(c);
  return Status();
}

// The vTPM quote is this connection's (extraData = the binding); the HCL
// report and its TD quote (SNP: THIM's table) vouch for the AK and may be
// older.  No azure-runtime-data (nor azure-snp-report): its user-data
// names an earlier session, so the TD quote / SNP certificates are only
// tpm-quote's companions here (docs/design.md).
Status AzureVtpmProvider::CollectCached(const Binding& binding, std::vector<EvidenceItem>* out) {
  std::vector<EvidenceItem> quote;
  RA_RETURN_IF_ERROR(VtpmQuote(binding, &quote));
  CachedHclReport c;
  if (!LoadHclCache(cache_.dir, HclCacheFileName(tcti_), cache_.seconds, std::time(nullptr), &c)
           .ok() ||
      !CheckCachedReport(c, quote).ok())
    RA_RETURN_IF_ERROR(RefreshCache(binding, quote, &c));
  if (!c.snp_certs.empty())
    out->push_back({kEvidenceSnpCerts, std::move(c.snp_certs)});
  else
    out->push_back({kEvidenceAzureTdxQuote, std::move(c.td_quote)});
  for (auto& item : quote) out->push_back(std::move(item));
  out->push_back({kEvidenceAzureHclReport, std::move(c.hcl_report)});
  return AppendTpmFiles(quote_, kMaxAzureLogsLen, out);
}

// Step 3-4 on a TDX CVM: the quote from IMDS, checked to be of the report.
Status AzureVtpmProvider::TdxItems(HclReport* hcl, std::vector<EvidenceItem>* items) {
  Bytes quote;
  RA_RETURN_IF_ERROR(ImdsQuote(imds_, hcl->hw_report, &quote));
  RA_RETURN_IF_ERROR(CheckQuoteOfReport(hcl->hw_report, quote));
  return AppendAzureEvidence(service_, std::move(quote), hcl->runtime_json, items);
}

// Step 3' on an SNP CVM: the report is the evidence, THIM the certificates.
Status AzureVtpmProvider::SnpItems(HclReport* hcl, std::vector<EvidenceItem>* items) {
  if (!service_.url.empty())
    return Status::Fail(kCheck, "an SEV-SNP CVM: service= (MAA) is not supported for SNP yet");
  Bytes table;
  RA_RETURN_IF_ERROR(ThimCertTable(thim_, &table));
  items->push_back({kEvidenceAzureSnpReport, hcl->hw_report});
  items->push_back({kEvidenceAzureRuntimeData, hcl->runtime_json});
  items->push_back({kEvidenceSnpCerts, std::move(table)});
  return Status();
}

Status AzureVtpmProvider::Collect(const Binding& binding, std::vector<EvidenceItem>* out) {
  if (cache_.seconds > 0) return CollectCached(binding, out);
  HclReport hcl;
  Bytes hcl_raw;
  RA_RETURN_IF_ERROR(ReportFor(binding, &hcl, &hcl_raw));
  std::vector<EvidenceItem> items;
  if (hcl.report_type == kHclReportTypeSnp)
    RA_RETURN_IF_ERROR(SnpItems(&hcl, &items));
  else
    RA_RETURN_IF_ERROR(TdxItems(&hcl, &items));
  if (!quote_.pcrs.empty()) {
    RA_RETURN_IF_ERROR(VtpmQuote(binding, &items));
    items.push_back({kEvidenceAzureHclReport, std::move(hcl_raw)});
    RA_RETURN_IF_ERROR(AppendTpmFiles(quote_, kMaxAzureLogsLen, &items));
  }
  for (auto& item : items) out->push_back(std::move(item));
  return Status();
}

// hclcache=SECONDS (1..86400; 0 = off), cachedir=DIR.  Not with a
// service (its token would name the cached report's, an earlier
// session's, binding) nor with pcrs=none (no vTPM quote would carry the
// binding).  The directory is made and judged now, so sshd -t shows it.
Status ParseHclCacheOptions(std::map<std::string, std::string>& extra,
                            const AttestationServiceOptions& service,
                            const TpmProviderOptions& quote, HclCacheOptions* out) {
  if (extra.count("cachedir")) out->dir = extra["cachedir"];
  if (!extra.count("hclcache")) {
    if (extra.count("cachedir")) return Status::Fail("provider spec", "cachedir= without hclcache=");
    return Status();
  }
  const std::string& v = extra["hclcache"];
  int64_t secs = 0;
  for (char ch : v) {
    if (ch < '0' || ch > '9' || secs > kMaxHclCacheSeconds)
      return Status::Fail("provider spec", "hclcache '" + v + "': seconds, 0.." +
                                               std::to_string(kMaxHclCacheSeconds));
    secs = secs * 10 + (ch - '0');
  }
  if (secs > kMaxHclCacheSeconds)
    return Status::Fail("provider spec", "hclcache '" + v + "': seconds, 0.." +
                                             std::to_string(kMaxHclCacheSeconds));
  out->seconds = secs;
  if (secs == 0) return Status();
  if (!service.url.empty())
    return Status::Fail("provider spec", "hclcache with a service: the token would be of an "
                                         "earlier session's report");
  if (quote.pcrs.empty())
    return Status::Fail("provider spec", "hclcache with pcrs=none: no vTPM quote would carry "
                                         "the binding");
  if (out->dir.empty() || out->dir[0] != '/')
    return Status::Fail("provider spec", "cachedir '" + out->dir + "' is not an absolute path");
  UniqueFd dirfd;
  Status s = OpenPrivateDir(out->dir, true, &dirfd);
  if (!s.ok()) return Status::Fail(kCheck, "cachedir: " + s.message());
  return Status();
}

}  // namespace

Status OpenAzureVtpmProvider(const std::string& options,
                             std::unique_ptr<EvidenceProvider>* out) {
  std::string rest;
  AttestationServiceOptions service;
  std::map<std::string, std::string> extra;
  RA_RETURN_IF_ERROR(ParseAttestationServiceSpec(
      options, &rest, &service,
      {"tcti", "imds", "thim", "lock", "pcrs", "banks", "eventlog", "ima", "hclcache", "cachedir"},
      &extra));
  if (!rest.empty())
    return Status::Fail("provider spec", "azure-vtpm: unexpected '" + rest + "'");
  std::string tcti = extra.count("tcti") ? extra["tcti"] : kDefaultTcti;
  std::string imds = extra.count("imds") ? extra["imds"] : kDefaultImds;
  std::string lock = extra.count("lock") ? extra["lock"] : kDefaultLock;
  RA_RETURN_IF_ERROR(CheckImdsUrl(imds));
  std::string thim = extra.count("thim") ? extra["thim"] : kDefaultThim;
  RA_RETURN_IF_ERROR(CheckImdsUrl(thim));
  TpmProviderOptions quote;
  quote.ak.handle = kDefaultTpmAkHandle;
  quote.banks = {kTpmAlgSha256};
  // pcrs=none: no vTPM quote (today's items only).
  std::string pcrs = extra.count("pcrs") ? extra["pcrs"] : "0-7,11-14";
  if (pcrs != "none") RA_RETURN_IF_ERROR(ParseTpmPcrList(pcrs, &quote.pcrs));
  if (extra.count("banks")) RA_RETURN_IF_ERROR(ParseTpmBanks(extra["banks"], &quote.banks));
  // The logs explain the quoted PCRs: the kernel's files unless told
  // otherwise (a default file that cannot be read is left out).
  quote.eventlog = kDefaultTpmEventLog;
  quote.ima = kDefaultImaLog;
  for (const char* key : {"eventlog", "ima"})
    if (extra.count(key)) RA_RETURN_IF_ERROR(ApplyTpmProviderOption(key, extra[key], &quote));
  HclCacheOptions cache;
  RA_RETURN_IF_ERROR(ParseHclCacheOptions(extra, service, quote, &cache));
  if (lock.empty() || lock[0] != '/')
    return Status::Fail("provider spec", "lock '" + lock + "' is not an absolute path");
  // A lock file that cannot be made shows at start-up (sshd -t), not as
  // failed connections; and it is never a reason to run unlocked.
  RA_RETURN_IF_ERROR(CheckLockFile(kCheck, lock));
  QuietTss2Log();
  // Reaching the TPM at start-up shows a wrong TCTI (or a VM without a
  // vTPM) when sshd starts, not at the first login.
  EsysSession tpm;
  RA_RETURN_IF_ERROR(tpm.Open(kCheck, tcti));
  *out = std::make_unique<AzureVtpmProvider>(tcti, imds, thim, lock, service, std::move(quote),
                                             std::move(cache));
  return Status();
}

}  // namespace ra
