// Kind tpm-quote (verify/tpm_kind.h).  Verify: parse the quote, signature
// and PCR values; find a trusted AK that signed it; extraData == binding;
// pcrDigest == H(PCR values); the boot event log, when sent, must replay
// to every quoted PCR it extends; the IMA list, when sent and PCR 10 is
// quoted, must replay to it.  Appraise: policy/tpm_policy.cpp (plus the
// TDX appraisal of the hardware report on the Azure path).
#include "verify/tpm_kind.h"

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/hcl_report.h"
#include "parse/ima_log.h"
#include "parse/tcg_eventlog.h"
#include "parse/td_report.h"
#include "parse/tdx_quote.h"
#include "parse/tpm_pcrs.h"
#include "parse/tpm_quote.h"
#include "policy/tpm_policy.h"
#include "verify/eventlog_replay.h"
#include "verify/ima_replay.h"
#include "verify/lone_item.h"
#include "verify/snp_kind.h"
#include "verify/tdx_quote_verifier.h"
#include "verify/tpm_quote_check.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

const char kAkCheck[] = "tpm ak";
constexpr size_t kMaxAkCertLen = 16 * 1024;

Status FindOne(const std::vector<EvidenceItem>& all, const char* t, const EvidenceItem** out) {
  return FindLoneItem(all, t, "tpm evidence", out);
}

struct TrustedAk {
  std::shared_ptr<EVP_PKEY> key;
  std::string source;
  std::shared_ptr<VerifiedClaims> tdx;
  std::shared_ptr<VerifiedClaims> snp;
};

struct QuoteParts {
  TpmQuote quote;
  TpmSignature sig;
  TpmPcrValues pcrs;
};

// The AK certificate chains to TpmAkCA at now.
Status AkFromCert(const EvidenceItem& cert_item, const TpmPolicyValues& v, std::time_t now,
                  TrustedAk* out) {
  if (cert_item.data.size() > kMaxAkCertLen)
    return Status::Fail("tpm ak cert", "larger than " + std::to_string(kMaxAkCertLen));
  const unsigned char* p = cert_item.data.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(cert_item.data.size())));
  if (!cert || p != cert_item.data.data() + cert_item.data.size()) {
    ERR_clear_error();
    return Status::Fail("tpm ak cert", "not one DER certificate");
  }
  std::vector<X509*> anchors;
  for (const auto& c : v.ak_ca_certs) anchors.push_back(c.get());
  RA_RETURN_IF_ERROR(VerifyCertChain(cert.get(), {}, anchors, {}, now, "tpm ak cert"));
  EVP_PKEY* k = X509_get_pubkey(cert.get());
  if (!k) return Status::Fail("tpm ak cert", "no public key");
  out->key.reset(k, EVP_PKEY_free);
  out->source = "ak-cert";
  return Status();
}

const char kAzureAkCheck[] = "tpm ak azure";

// Azure TDX: the TD quote (azure-tdx-quote) is of the HCL report's TD
// report, whose REPORTDATA[0:32] is SHA-256 of the runtime JSON.
Status TdxVouchesForHcl(const HclReport& hcl, const std::vector<EvidenceItem>& all,
                        const VerifyContext& ctx, TrustedAk* out) {
  const EvidenceItem* tdq = nullptr;
  RA_RETURN_IF_ERROR(FindOne(all, kEvidenceAzureTdxQuote, &tdq));
  if (!tdq) return Status::Fail(kAzureAkCheck, "azure-hcl-report without an azure-tdx-quote item");
  TdReport td;
  RA_RETURN_IF_ERROR(ParseTdReport(hcl.hw_report, &td));
  TdxQuote q;
  RA_RETURN_IF_ERROR(ParseTdxQuote(tdq->data, &q));
  if (TdQuoteBody10(q.body) != TdQuoteBody10(td.body))
    return Status::Fail(kAzureAkCheck, "the TD quote is not of the HCL report's TD report");
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(hcl.runtime_json.data(), hcl.runtime_json.size(), h);
  if (!ConstantTimeEqual(ByteView(h, sizeof(h)), ByteView(q.body.report_data.data(), sizeof(h))))
    return Status::Fail(kAzureAkCheck, "REPORTDATA[0:32] is not SHA-256 of the runtime data");
  // The quote's own REPORTDATA (checked above): the session binding is
  // the TPM quote's extraData, not this report's.
  Binding rd{};
  std::copy(q.body.report_data.begin(), q.body.report_data.end(), rd.begin());
  TdxClaims t;
  RA_RETURN_IF_ERROR(
      VerifyTdxQuoteClaims(tdq->data, &rd, *ctx.policy, ctx.now, &t, ctx.deadline));
  out->tdx = std::make_shared<VerifiedClaims>();
  TdxClaimFields(t, kEvidenceAzureTdxQuote, out->tdx.get());
  out->source = "azure-tdx";
  return Status();
}

// Azure SNP: the HCL report's SNP report itself is signed (VCEK from
// snp-certs / snp-vcek or SnpKds), REPORT_DATA[0:32] = SHA-256(runtime JSON).
Status SnpVouchesForHcl(const HclReport& hcl, const std::vector<EvidenceItem>& all,
                        const VerifyContext& ctx, TrustedAk* out) {
  SnpClaims c;
  RA_RETURN_IF_ERROR(VerifySnpReportItem(ByteView(hcl.hw_report), all, ctx, &c));
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(hcl.runtime_json.data(), hcl.runtime_json.size(), h);
  if (!ConstantTimeEqual(ByteView(h, sizeof(h)), ByteView(c.report.report_data.data(), sizeof(h))))
    return Status::Fail(kAzureAkCheck, "REPORT_DATA[0:32] is not SHA-256 of the runtime data");
  out->snp = std::make_shared<VerifiedClaims>();
  SnpClaimFields(std::move(c), kEvidenceAzureSnpReport, false, out->snp.get());
  out->source = "azure-snp";
  return Status();
}

// Azure: HCLAkPub of a runtime JSON that a verified hardware report (TD
// quote or SNP report) vouches for.
Status AkFromHcl(const EvidenceItem& hcl_item, const std::vector<EvidenceItem>& all,
                 const VerifyContext& ctx, TrustedAk* out) {
  HclReport hcl;
  RA_RETURN_IF_ERROR(ParseHclReport(hcl_item.data, &hcl));
  if (hcl.hash_type != kHclHashSha256)
    return Status::Fail(kAzureAkCheck, "runtime data hash is not SHA-256");
  TrustedAk a;
  if (hcl.report_type == kHclReportTypeTdx)
    RA_RETURN_IF_ERROR(TdxVouchesForHcl(hcl, all, ctx, &a));
  else if (hcl.report_type == kHclReportTypeSnp)
    RA_RETURN_IF_ERROR(SnpVouchesForHcl(hcl, all, ctx, &a));
  else
    return Status::Fail(kAzureAkCheck, "report type " + std::to_string(hcl.report_type));
  AzureRuntimeData rt;
  RA_RETURN_IF_ERROR(ParseAzureRuntimeJson(hcl.runtime_json, &rt));
  Bytes n, e;
  if (rt.ak_pub_n.empty() || !Base64UrlDecode(rt.ak_pub_n, &n).ok() ||
      !Base64UrlDecode(rt.ak_pub_e, &e).ok())
    return Status::Fail(kAzureAkCheck, "no usable HCLAkPub in the runtime data");
  RA_RETURN_IF_ERROR(RsaPublicKeyFromBytes(n, e, &a.key));
  *out = std::move(a);
  return Status();
}

// The first trusted AK (pinned, certified, Azure) that signed the quote.
Status FindTrustedAk(const QuoteParts& qp, const std::vector<EvidenceItem>& all,
                     const VerifyContext& ctx, const TpmPolicyValues* v, TrustedAk* out) {
  std::vector<TrustedAk> cands;
  Status why;  // why a source that was there could not be trusted
  if (v)
    for (const auto& k : v->ak_keys) cands.push_back({k, "pinned", nullptr, nullptr});
  const EvidenceItem *cert = nullptr, *hcl = nullptr;
  RA_RETURN_IF_ERROR(FindOne(all, kEvidenceTpmAkCert, &cert));
  RA_RETURN_IF_ERROR(FindOne(all, kEvidenceAzureHclReport, &hcl));
  if (cert && v && !v->ak_ca_certs.empty()) {
    TrustedAk a;
    Status s = AkFromCert(*cert, *v, ctx.now, &a);
    if (s.ok()) cands.push_back(a); else why = s;
  }
  if (hcl) {
    TrustedAk a;
    Status s = AkFromHcl(*hcl, all, ctx, &a);
    if (s.ok()) cands.push_back(a); else why = s;
  }
  if (cands.empty())
    return why.ok() ? Status::Fail(kAkCheck, "no trusted attestation key (set TpmAk or TpmAkCA)")
                    : why;
  TpmQuoteCheckOptions opt;
  Status last;
  for (const TrustedAk& a : cands) {
    last = CheckTpmQuoteSignature(qp.quote, qp.sig, a.key.get(), opt);
    if (last.ok()) {
      *out = a;
      return Status();
    }
  }
  if (cands.size() == 1) return last;
  return Status::Fail("tpm quote signature", "no trusted attestation key signed the quote (" +
                                                 std::to_string(cands.size()) + " tried)");
}

Status ParseParts(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                  QuoteParts* out) {
  const EvidenceItem *sig = nullptr, *pcrs = nullptr;
  RA_RETURN_IF_ERROR(FindOne(all, kEvidenceTpmSignature, &sig));
  RA_RETURN_IF_ERROR(FindOne(all, kEvidenceTpmPcrs, &pcrs));
  if (!sig) return Status::Fail("tpm evidence", "no tpm-signature item beside the quote");
  if (!pcrs) return Status::Fail("tpm evidence", "no tpm-pcrs item beside the quote");
  RA_RETURN_IF_ERROR(ParseTpmQuote(item.data, &out->quote));
  RA_RETURN_IF_ERROR(ParseTpmSignature(sig->data, &out->sig));
  if (pcrs->data.size() > kMaxTpmPcrsJsonLen)
    return Status::Fail("tpm pcrs", "larger than " + std::to_string(kMaxTpmPcrsJsonLen));
  return ParseTpmPcrsJson(std::string(pcrs->data.begin(), pcrs->data.end()), &out->pcrs);
}

bool Quoted(const TpmQuote& q, uint16_t bank, uint32_t pcr, std::vector<uint32_t>* all = nullptr) {
  for (const TpmPcrSelection& s : q.pcr_select) {
    if (s.hash_alg != bank) continue;
    if (all) *all = s.pcrs;
    return std::find(s.pcrs.begin(), s.pcrs.end(), pcr) != s.pcrs.end();
  }
  return false;
}

// Replays the log in every quoted bank it has; every quoted PCR it
// extends must come out as quoted.  Events of those PCRs become claims.
Status CheckEventLog(const EvidenceItem& log_item, const QuoteParts& qp, TpmClaims* c) {
  TcgEventLog log;
  RA_RETURN_IF_ERROR(ParseTcgEventLog(log_item.data, &log));
  c->eventlog_present = true;
  size_t banks = 0;
  for (const TpmPcrSelection& sel : qp.quote.pcr_select) {
    bool in_log = std::any_of(log.algorithms.begin(), log.algorithms.end(),
                              [&](const TcgAlgorithmSize& a) { return a.alg == sel.hash_alg; });
    if (!in_log || !TpmHashMd(sel.hash_alg)) continue;
    ReplayedPcrs r;
    RA_RETURN_IF_ERROR(ReplayTcgEventLog(log, sel.hash_alg, &r));
    std::vector<uint32_t> check;
    for (uint32_t pcr : ExtendedPcrs(r))
      if (std::find(sel.pcrs.begin(), sel.pcrs.end(), pcr) != sel.pcrs.end()) check.push_back(pcr);
    RA_RETURN_IF_ERROR(CheckReplayedPcrs(r, qp.pcrs, check));
    banks++;
    for (const TcgEvent& e : log.events) {
      const Bytes* d = e.DigestFor(sel.hash_alg);
      if (e.event_type == kEvNoAction || !d ||
          std::find(check.begin(), check.end(), e.pcr_index) == check.end())
        continue;
      c->events.push_back({e.pcr_index, sel.hash_alg, *d});
    }
    if (c->secure_boot < 0 && std::find(check.begin(), check.end(), 7u) != check.end()) {
      bool on = false;
      if (EfiSecureBootEnabled(log, sel.hash_alg, &on).ok()) c->secure_boot = on ? 1 : 0;
    }
  }
  if (banks == 0)
    return Status::Fail("event log replay", "the log has no bank the quote covers");
  return Status();
}

// The IMA list (binary_runtime_measurements or a per-bank _ALG list)
// replayed into a quoted PCR 10 (SHA-256 bank preferred, SHA-1 last, for
// quotes that select only it).  The list is read after the quote and may
// have grown since: the prefix that reproduces PCR 10 is what the quote
// covers, and only its entries become claims (and are appraised).
Status CheckImaLog(const EvidenceItem& ima_item, const QuoteParts& qp, TpmClaims* c) {
  ImaLog log;
  RA_RETURN_IF_ERROR(ParseImaBinaryLogAnyHash(ima_item.data, &log));
  c->ima_present = true;
  c->ima_entries = log.entries.size();
  for (uint16_t bank : {kTpmAlgSha256, kTpmAlgSha384, kTpmAlgSha512, kTpmAlgSha1}) {
    if (!Quoted(qp.quote, bank, kImaPcr)) continue;
    size_t covered = 0;
    RA_RETURN_IF_ERROR(
        ReplayImaPrefix(log, bank, kImaPcr, qp.pcrs.at(bank).at(kImaPcr), &covered));
    for (size_t i = 0; i < covered; i++) {
      const ImaEntry& e = log.entries[i];
      c->ima_files.push_back({e.file_name(), e.digest_alg(), e.file_digest(), e.decoded, e.template_name});
    }
    c->ima_verified = true;
    return Status();
  }
  return Status();  // not covered by the quote: ima_verified stays false
}

std::string AkFingerprint(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  if (n <= 0) return "";
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(n), h);
  OPENSSL_free(der);
  return HexEncode(Bytes(h, h + sizeof(h)));
}

// "N entries, replayed", or when the list grew after the quote "N of M
// entries replayed (M-N measured after the quote, not appraised)".
std::string ImaField(const TpmClaims& c) {
  const std::string total = std::to_string(c.ima_entries);
  if (!c.ima_verified) return total + " entries, not quoted";
  const size_t covered = c.ima_files.size();
  if (covered == c.ima_entries) return total + " entries, replayed";
  return std::to_string(covered) + " of " + total + " entries replayed (" +
         std::to_string(c.ima_entries - covered) + " measured after the quote, not appraised)";
}

void Fields(const QuoteParts& qp, const TrustedAk& ak, const TpmClaims& c, bool bound,
            VerifiedClaims* out) {
  out->kind = kEvidenceTpmQuote;
  auto& f = out->fields;
  f.emplace_back("ak_trust", ak.source);
  f.emplace_back("ak_sha256", AkFingerprint(ak.key.get()));
  f.emplace_back("extra_data", HexEncode(qp.quote.extra_data));
  f.emplace_back("binding_checked", bound ? "yes" : "no");
  f.emplace_back("reset_count", std::to_string(qp.quote.reset_count));
  for (const auto& bank : c.pcrs)
    for (const auto& v : bank.second)
      f.emplace_back("pcr" + std::to_string(v.first) + "." + TpmHashName(bank.first),
                     HexEncode(v.second));
  f.emplace_back("eventlog", c.eventlog_present ? "replayed" : "absent");
  if (c.secure_boot >= 0) f.emplace_back("secure_boot", c.secure_boot ? "yes" : "no");
  if (c.ima_present) f.emplace_back("ima", ImaField(c));
  if (ak.tdx)
    for (const auto& t : ak.tdx->fields) f.emplace_back("tdx." + t.first, t.second);
  if (ak.snp)
    for (const auto& t : ak.snp->fields) f.emplace_back("snp." + t.first, t.second);
}

class TpmKind : public EvidenceKind {
 public:
  const char* type() const override { return kEvidenceTpmQuote; }
  std::vector<std::string> companions() const override {
    return {kEvidenceTpmSignature, kEvidenceTpmPcrs,        kEvidenceTpmEventLog,
            kEvidenceImaLog,       kEvidenceTpmAkCert,      kEvidenceAzureHclReport,
            kEvidenceAzureTdxQuote, kEvidenceSnpCerts,       kEvidenceSnpVcek};
  }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    if (!ctx.policy) return Status::Fail(type(), "no policy");
    QuoteParts qp;
    RA_RETURN_IF_ERROR(ParseParts(item, all, &qp));
    TrustedAk ak;
    RA_RETURN_IF_ERROR(FindTrustedAk(qp, all, ctx, TpmPolicyOf(*ctx.policy), &ak));
    const Binding* b = ctx.binding_or_null();
    if (b && !BindingEquals(*b, qp.quote.extra_data))
      return Status::Fail("tpm quote binding", "extraData is not this session's binding");
    RA_RETURN_IF_ERROR(CheckTpmPcrDigest(qp.quote, qp.pcrs, qp.sig.hash_alg, {}));
    TpmClaims c;
    c.pcrs = qp.pcrs;
    c.ak_trust = ak.source;
    c.tdx = ak.tdx;
    c.snp = ak.snp;
    const EvidenceItem *log = nullptr, *ima = nullptr;
    RA_RETURN_IF_ERROR(FindOne(all, kEvidenceTpmEventLog, &log));
    RA_RETURN_IF_ERROR(FindOne(all, kEvidenceImaLog, &ima));
    if (log) RA_RETURN_IF_ERROR(CheckEventLog(*log, qp, &c));
    if (ima) RA_RETURN_IF_ERROR(CheckImaLog(*ima, qp, &c));
    VerifiedClaims v;
    Fields(qp, ak, c, b != nullptr, &v);
    v.typed = std::move(c);
    if (out) *out = std::move(v);
    return Status();
  }
  Status Appraise(const VerifiedClaims& claims, const Policy& policy) const override {
    const TpmClaims* c = std::any_cast<TpmClaims>(&claims.typed);
    if (!c) return Status::Fail("tpm policy", "claims are not a TPM quote's");
    // The hardware report that vouched for the AK: the TDX (debug, TCB
    // status, MRTD pins) or SNP appraisal applies to it as to any other.
    if (c->tdx) RA_RETURN_IF_ERROR(AppraiseTdxTypedClaims(*c->tdx, policy));
    if (c->snp) RA_RETURN_IF_ERROR(AppraiseSnpClaims(*c->snp, policy));
    const TpmPolicyValues* v = TpmPolicyOf(policy);
    return v ? AppraiseTpmClaims(*c, *v) : Status();
  }
  // The PCRs, and the TDX or SNP report that vouched for the AK (Azure)
  // as a TD quote's or an SNP report's are pinned.
  std::vector<std::string> PinLines(const VerifiedClaims& claims) const override {
    const TpmClaims* c = std::any_cast<TpmClaims>(&claims.typed);
    if (!c) return {};
    std::vector<std::string> out = TpmPinLines(*c);
    const TdxClaims* t = c->tdx ? std::any_cast<TdxClaims>(&c->tdx->typed) : nullptr;
    std::vector<std::string> hw = t ? TdxPinLines(*t) : std::vector<std::string>();
    if (c->snp) hw = SnpClaimPinLines(*c->snp);
    out.insert(out.end(), hw.begin(), hw.end());
    return out;
  }
  std::string Summary(const VerifiedClaims& c) const override {
    std::string s = std::string(type()) + " verified: ak=" + ClaimField(c, "ak_trust");
    std::string sb = ClaimField(c, "secure_boot");
    if (!sb.empty()) s += " secure_boot=" + sb;
    s += " eventlog=" + ClaimField(c, "eventlog");
    std::string ima = ClaimField(c, "ima");
    if (!ima.empty()) s += " ima=" + ima;
    return s;
  }
};

}  // namespace

const EvidenceKind* TpmQuoteKind() { return KindInstance<TpmKind>(); }

}  // namespace ra
