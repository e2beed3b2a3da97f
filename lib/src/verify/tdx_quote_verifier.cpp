#include "verify/tdx_quote_verifier.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509.h>

#include <cstring>

#include <algorithm>
#include <any>
#include <chrono>

#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/pck_extensions.h"
#include "parse/tdx_quote.h"
#include "policy/tdx_policy.h"
#include "verify/collateral_source.h"
#include "verify/fetch_deadline.h"
#include "verify/intel_sgx_root_ca.h"
#include "verify/pcs_fetcher.h"
#include "verify/tdx_eventlog_check.h"
#include "verify/tdx_tcb.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

// The anchors a verification trusts.  Parsing PEM is most of what a
// verification costs besides the signatures, so the policy's file is
// parsed when the policy is loaded (policy_file.cpp) and the built-in root
// once per process; *owned only holds what had to be read here.
Status LoadAnchors(const Policy& policy, std::vector<X509Ptr>* owned,
                   std::vector<X509*>* out, const std::vector<Bytes>** der) {
  static const std::vector<Bytes> kNone;
  out->clear();
  *der = &kNone;
  if (policy.tdx_trust_anchor.empty()) {
    static const TrustAnchorCerts* const kBuiltIn = [] {
      auto* a = new TrustAnchorCerts();  // never destroyed: used until exit
      a->source = "built-in Intel SGX Root CA";
      if (!LoadPemCerts(kIntelSgxRootCaPem, a->source, &a->certs).ok() ||
          !FillAnchorDer(a).ok())
        a->certs.clear();
      return a;
    }();
    if (kBuiltIn->certs.empty())
      return Status::Fail("trust anchor", "built-in Intel SGX Root CA does not parse");
    for (const auto& c : kBuiltIn->certs) out->push_back(c.get());
    *der = &kBuiltIn->der;
    return Status();
  }
  // Parsed at load, and for this very path: a policy edited by hand after
  // loading (a new path, no certificates) reads the file instead.
  const auto& parsed = policy.tdx_anchor_certs;
  if (parsed && parsed->source == policy.tdx_trust_anchor && !parsed->certs.empty()) {
    for (const auto& c : parsed->certs) out->push_back(c.get());
    *der = &parsed->der;
    return Status();
  }
  Status s = LoadPemCertFile(policy.tdx_trust_anchor, owned);
  if (!s.ok()) return Status::Fail("trust anchor", s.message());
  for (const auto& c : *owned) out->push_back(c.get());
  return Status();
}


}  // namespace

// Intel's TD_QE identity (qeidentity "id": "TD_QE"): MRSIGNER, ISVPRODID,
// MISCSELECT (mask FFFFFFFF) and ATTRIBUTES 0x11 (INIT, PROVISIONKEY) under
// mask FBFF..FF: every flag but MODE64BIT must match, so DEBUG must be off.
Status CheckIntelTdQeIdentity(const SgxReportBody& r) {
  static const uint8_t kMrSigner[32] = {
      0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34,
      0xa7, 0xfc, 0x43, 0xed, 0x03, 0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba,
      0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5};
  static const uint8_t kAttributes[16] = {0x11};
  static const uint8_t kAttributesMask[16] = {0xfb, 0xff, 0xff, 0xff,
                                              0xff, 0xff, 0xff, 0xff};
  constexpr uint16_t kIsvProdId = 2;
  if (std::memcmp(r.mr_signer.data(), kMrSigner, sizeof(kMrSigner)) != 0)
    return Status::Fail("qe identity", "QE MRSIGNER is not Intel's TD QE");
  if (r.isv_prod_id != kIsvProdId)
    return Status::Fail("qe identity", "QE ISVPRODID " + std::to_string(r.isv_prod_id) +
                                           " is not the TD QE's (2)");
  if (r.misc_select != 0)
    return Status::Fail("qe identity", "QE MISCSELECT is not the TD QE's");
  for (size_t i = 0; i < 16; i++) {
    if ((r.attributes[i] & kAttributesMask[i]) != kAttributes[i])
      return Status::Fail("qe identity",
                          "QE ATTRIBUTES are not the TD QE's (debug enclave?)");
  }
  return Status();
}

namespace {

// 1. PCK chain.  Only the policy's anchors are trusted; every certificate
// the quote carries (its own root included) merely helps to build the path.
// chain[0] is then the verified PCK certificate; anchors are kept for the
// TCB step, and with collateral (a directory or a URL) the collateral,
// verified against them, whose CRLs the path is checked with.
struct PckPath {
  std::vector<X509Ptr> chain, anchors_owned;
  std::vector<X509*> anchors;
  bool have_collateral = false;
  VerifiedTdxCollateral collateral;
  PckExtensions pck;
  Status pck_status;
  X509* anchor_used = nullptr;
};

CollateralOptions CollateralOptionsOf(const Policy& policy) {
  CollateralOptions o;
  o.check_revocation = policy.check_revocation;
  o.min_tcb_evaluation_data_number = policy.min_tcb_evaluation_data_number;
  o.collateral_grace = policy.collateral_grace;
  o.tcb_grace_period = policy.tcb_grace_period;
  o.clock_skew = policy.clock_skew;
  o.max_age = policy.collateral_max_age;
  o.warn = policy.debug;
  return o;
}

// A fetch that ran into the caller's deadline says whose deadline it was.
Status WithDeadlineHint(const Status& s, FetchDeadline deadline, long timeout_ms) {
  if (s.ok() || s.check() != "collateral fetch" || deadline == FetchDeadline{} ||
      std::chrono::steady_clock::now() + std::chrono::milliseconds(50) < deadline)
    return s;
  return Status::Fail(s.check(), s.detail() + " (not within the " +
                                     std::to_string(timeout_ms < 0 ? 0 : timeout_ms) +
                                     " ms left of the connection's AttestationTimeout)");
}

// The policy's collateral for this PCK leaf, verified (CRLs, signatures,
// dates) before the chain uses its CRLs.
Status LoadCollateral(const Policy& policy, std::time_t now, FetchDeadline deadline, PckPath* p) {
  RA_RETURN_IF_ERROR(p->pck_status);  // which FMSPC, which PCE-ID
  const CollateralOptions opt = CollateralOptionsOf(policy);
  std::unique_ptr<CollateralSource> src;
  if (!policy.collateral_url.empty()) {
    PcsOptions pcs;
    pcs.base_url = policy.collateral_url;
    pcs.ca_file = policy.collateral_ca_file;
    pcs.cache_dir = policy.collateral_cache;
    src = MakePcsCollateralSource(pcs, p->anchors, opt);
  } else {
    src = MakeDirectoryCollateralSource(policy.collateral_dir, policy.clock_skew);
  }
  const long timeout_ms = FetchTimeoutMs(deadline);
  RA_RETURN_IF_ERROR(WithDeadlineHint(
      LoadVerifiedTdxCollateral(*src, p->chain[0].get(), p->pck, p->anchors, opt, now,
                                timeout_ms, &p->collateral),
      deadline, timeout_ms));
  p->have_collateral = true;
  return Status();
}

// A path that ends in no anchor: a sim or test quote under the built-in
// Intel root, or a real one under a policy's test anchor.
Status WithAnchorHint(const Status& s, int x509_error, const Policy& policy) {
  const bool misses_anchor = x509_error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                             x509_error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
                             x509_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                             x509_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
  if (s.ok() || !misses_anchor) return s;
  return Status::Fail("pck chain",
                      s.detail() + (policy.tdx_trust_anchor.empty()
                                        ? " (the quote does not chain to Intel's root: a test or "
                                          "sim server needs `TrustAnchor tdx FILE` in the policy)"
                                        : " (the quote does not chain to the policy's "
                                          "TrustAnchor: a real TDX server chains to Intel's "
                                          "root, used when the policy names no TrustAnchor)"));
}

Status VerifyPckChain(const TdxQuote& q, const Policy& policy, std::time_t now,
                      FetchDeadline deadline, PckPath* p) {
  const std::vector<Bytes>* anchor_der = nullptr;
  RA_RETURN_IF_ERROR(LoadAnchors(policy, &p->anchors_owned, &p->anchors, &anchor_der));
  // Quotes carry Intel's root after the leaf and the platform CA; the
  // store has it already, so it is not parsed again (callgrind: a third
  // of the chain's PEM cost, the largest part of a client's verification).
  RA_RETURN_IF_ERROR(LoadPemCerts(DropAnchorCopies(q.pck_chain_pem, *anchor_der), "pck chain",
                                  &p->chain, 8));
  std::vector<X509*> untrusted;
  for (size_t i = 1; i < p->chain.size(); i++) untrusted.push_back(p->chain[i].get());
  // The leaf's extensions say which collateral; nothing is trusted before
  // the path below verifies.  Parsed from the leaf the chain check uses:
  // decoding PEM again was a tenth of a client's cost (bench/, callgrind).
  p->pck_status = PckExtensionsFromX509(p->chain[0].get(), &p->pck);
  // Anchor problems first, with their hint, before any collateral is read
  // (x509_error is read only after the chain check has set it).
  int x509_error = X509_V_OK;
  Status chain = VerifyCertChain(p->chain[0].get(), untrusted, p->anchors, {}, now, "pck chain",
                                 &x509_error, &p->anchor_used);
  RA_RETURN_IF_ERROR(WithAnchorHint(chain, x509_error, policy));
  if (!policy.HasCollateral()) return Status();
  RA_RETURN_IF_ERROR(LoadCollateral(policy, now, deadline, p));
  return VerifyPckChainWithCollateral(p->chain[0].get(), untrusted, p->anchors, p->collateral,
                                      now);
}

// SHA-256 of the anchor's DER, hex; "" when unknown.
std::string AnchorFingerprint(X509* anchor) {
  if (!anchor) return "";
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  if (X509_digest(anchor, EVP_sha256(), md, &len) != 1 || len != sizeof(md)) return "";
  return HexEncode(ByteView(md, len));
}

// 2-4. The QE report is signed by the PCK key and comes from Intel's TD
// QE; it vouches for the attestation key, which signed header and body.
Status VerifyQuoteSignatures(const TdxQuote& q, X509* pck_cert) {
  EvpPkeyPtr pck_key;
  RA_RETURN_IF_ERROR(P256KeyOfCert(pck_cert, "pck key", &pck_key));
  RA_RETURN_IF_ERROR(VerifyEcdsaP256Raw(
      pck_key.get(), q.qe_report_raw,
      ByteView(q.qe_report_signature.data(), q.qe_report_signature.size()),
      "qe report signature"));
  // The signer must be Intel's TD quoting enclave.  The PCK key signs
  // reports of any enclave allowed the provisioning key, so without this a
  // platform's owner could run its own (or a debug) "QE" and sign any TD
  // report.  Checked always, with the values of Intel's published TD_QE
  // identity; collateral, when given, adds its signed identity and TCB.
  RA_RETURN_IF_ERROR(CheckIntelTdQeIdentity(q.qe_report));
  Bytes hashed(q.attestation_key.begin(), q.attestation_key.end());
  hashed.insert(hashed.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(hashed.data(), hashed.size(), digest);
  static const uint8_t kZero[32] = {0};
  if (!ConstantTimeEqual(ByteView(digest, 32), ByteView(q.qe_report.report_data.data(), 32)) ||
      !ConstantTimeEqual(ByteView(kZero, 32), ByteView(q.qe_report.report_data.data() + 32, 32)))
    return Status::Fail("qe report data", "not SHA-256(attestation key || QE auth data)");
  EvpPkeyPtr att_key;
  RA_RETURN_IF_ERROR(P256KeyFromRaw(
      ByteView(q.attestation_key.data(), q.attestation_key.size()), "attestation key", &att_key));
  return VerifyEcdsaP256Raw(att_key.get(), q.signed_region,
                            ByteView(q.signature.data(), q.signature.size()), "quote signature");
}

// The header's QE vendor ID must be Intel's (DCAP quote format: "Intel
// SGX QE Vendor ID", as Intel's QVL requires).  Read after the signature
// check, since the attestation key signs the header: a genuine TD QE
// writes this value, anything else is not a quote of Intel's format.
Status CheckQeVendorId(const TdxQuote& q) {
  static const uint8_t kIntelQeVendorId[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                               0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
  if (std::memcmp(q.qe_vendor_id.data(), kIntelQeVendorId, sizeof(kIntelQeVendorId)) == 0)
    return Status();
  return Status::Fail("qe vendor id", HexEncode(q.qe_vendor_id) +
                                          " is not Intel's (939a7233f79c4ca9940a0db3957f0607)");
}

}  // namespace

Status VerifyTdxQuoteClaims(ByteView quote, const Binding* binding, const Policy& policy,
                            std::time_t now, TdxClaims* out, FetchDeadline deadline) {
  if (now == 0) now = std::time(nullptr);
  TdxQuote q;
  RA_RETURN_IF_ERROR(ParseTdxQuote(quote, &q));
  PckPath path;
  RA_RETURN_IF_ERROR(VerifyPckChain(q, policy, now, deadline, &path));
  RA_RETURN_IF_ERROR(VerifyQuoteSignatures(q, path.chain[0].get()));
  RA_RETURN_IF_ERROR(CheckQeVendorId(q));

  // 5. The binding: this connection, this nonce, this host key.
  if (binding && !BindingEquals(*binding, ByteView(q.body.report_data.data(),
                                                   q.body.report_data.size())))
    return Status::Fail("report data binding",
                        "REPORTDATA does not match the expected binding");

  // 6. TCB status from Intel's collateral, when the policy supplies it
  // (whether that status is acceptable is the appraisal's question).
  TdxClaims c;
  if (path.have_collateral) {
    TdxTcbResult tcb;
    TdxTcbGrace grace;
    RA_RETURN_IF_ERROR(EvaluateTdxTcbWithCollateral(q, path.pck, path.collateral,
                                                    CollateralOptionsOf(policy), now, &tcb,
                                                    &grace));
    c.tcb_evaluated = true;
    c.tcb_status = tcb.status;
    c.tcb_within_grace = grace.within_grace;
  }
  c.version = q.version;
  c.body_type = q.body_type;
  c.body = q.body;
  c.anchor_sha256 = AnchorFingerprint(path.anchor_used);
  if (c.anchor_sha256.empty())
    return Status::Fail("pck chain", "the verified path ends in no trust anchor of the policy");
  c.fmspc = path.pck_status.ok() ? HexEncode(path.pck.fmspc) : "";
  c.binding_checked = binding != nullptr;
  if (out) *out = std::move(c);
  return Status();
}

namespace {

// "absent", or "replayed: N events, RTMR0-2" (the RTMRs it explains).
std::string EventLogField(const TdxEventLogClaims* log) {
  if (log == nullptr) return "absent";
  std::string rtmrs;
  for (unsigned i = 0; i < 4; i++)
    if (log->explained & (1u << i)) rtmrs += (rtmrs.empty() ? "RTMR" : ",") + std::to_string(i);
  return "replayed: " + std::to_string(log->events.size()) + " events" +
         (rtmrs.empty() ? "" : ", " + rtmrs);
}

}  // namespace

void TdxClaimFields(const TdxClaims& t, const char* kind, VerifiedClaims* out) {
  VerifiedClaims c;
  c.kind = kind;
  const TdReportBody& b = t.body;
  c.fields.emplace_back("version", std::to_string(t.version));
  c.fields.emplace_back("body_type", std::to_string(t.body_type));
  c.fields.emplace_back("anchor", t.anchor_sha256);
  c.fields.emplace_back("fmspc", t.fmspc);
  c.fields.emplace_back("tcb_status", t.tcb_status);
  c.fields.emplace_back("mrtd", HexEncode(b.mr_td));
  static const char* const kRtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
  for (size_t i = 0; i < 4; i++) c.fields.emplace_back(kRtmr[i], HexEncode(b.rtmr[i]));
  c.fields.emplace_back("mrconfigid", HexEncode(b.mr_config_id));
  c.fields.emplace_back("mrowner", HexEncode(b.mr_owner));
  c.fields.emplace_back("mrownerconfig", HexEncode(b.mr_owner_config));
  c.fields.emplace_back("td_attributes", HexEncode(b.td_attributes));
  c.fields.emplace_back("xfam", HexEncode(b.xfam));
  c.fields.emplace_back("debug", TdxIsDebug(b) ? "yes" : "no");
  c.fields.emplace_back("tee_tcb_svn", HexEncode(b.tee_tcb_svn));
  c.fields.emplace_back("mrseam", HexEncode(b.mr_seam));
  c.fields.emplace_back("mrsignerseam", HexEncode(b.mr_signer_seam));
  c.fields.emplace_back("seam_attributes", HexEncode(b.seam_attributes));
  if (t.body_type == kTdxBodyTypeTdx15) {
    c.fields.emplace_back("tee_tcb_svn2", HexEncode(b.tee_tcb_svn2));
    c.fields.emplace_back("mrservicetd", HexEncode(b.mr_service_td));
  }
  c.fields.emplace_back("report_data", HexEncode(b.report_data));
  c.fields.emplace_back("binding_checked", t.binding_checked ? "yes" : "no");
  c.fields.emplace_back("eventlog", EventLogField(t.eventlog.get()));
  c.typed = t;
  *out = std::move(c);
}

Status VerifyTdxQuote(ByteView quote, const Binding* binding, const Policy& policy,
                      std::time_t now, VerifiedClaims* out) {
  TdxClaims t;
  RA_RETURN_IF_ERROR(VerifyTdxQuoteClaims(quote, binding, policy, now, &t));
  RA_RETURN_IF_ERROR(AppraiseTdxClaims(t, policy));
  if (out) TdxClaimFields(t, kEvidenceTdxQuote, out);
  return Status();
}

Status AppraiseTdxTypedClaims(const VerifiedClaims& claims, const Policy& policy) {
  const TdxClaims* t = std::any_cast<TdxClaims>(&claims.typed);
  if (t == nullptr) return Status::Fail("tdx policy", "claims are not a TDX quote's");
  return AppraiseTdxClaims(*t, policy);
}

namespace {

// Plain quotes carry the binding in REPORTDATA.
class TdxKind : public TdxFamilyKind {
 public:
  const char* type() const override { return kEvidenceTdxQuote; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    return VerifyAs(item, all, ctx.binding_or_null(), ctx, out);
  }
};

// Intel Trust Authority's client puts SHA-512(nonce || user data) into
// REPORTDATA; the trustauthority-cli provider passes the binding as user
// data and no nonce, so these quotes carry SHA-512(binding).  Everything
// else is checked exactly as for a plain TDX quote.
class TdxSha512Kind : public TdxFamilyKind {
 public:
  const char* type() const override { return kEvidenceTdxQuoteSha512; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    Binding expected;
    SHA512(ctx.binding.data(), ctx.binding.size(), expected.data());
    return VerifyAs(item, all, ctx.check_binding ? &expected : nullptr, ctx, out);
  }
};

}  // namespace

Status TdxFamilyKind::VerifyAs(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                               const Binding* report_data, const VerifyContext& ctx,
                               VerifiedClaims* out) const {
  if (!ctx.policy) return Status::Fail(type(), "no policy");
  TdxClaims t;
  RA_RETURN_IF_ERROR(
      VerifyTdxQuoteClaims(item.data, report_data, *ctx.policy, ctx.now, &t, ctx.deadline));
  RA_RETURN_IF_ERROR(VerifyTdxEventLog(all, t.body, &t.eventlog));
  if (out) TdxClaimFields(t, type(), out);
  return Status();
}

// What names the TD's software and owner, and the root that vouched.
// RTMR3 is extended at run time (differs on every boot), and TCB SVNs and
// MRSEAM change with routine platform updates: not recorded.
KnownRecordSpec TdxFamilyKind::KnownFields() const {
  return {"tdx",
          {"anchor", "mrtd", "rtmr0", "rtmr1", "rtmr2", "mrconfigid", "mrowner",
           "td_attributes"}};
}

std::vector<std::string> TdxFamilyKind::PinLines(const VerifiedClaims& claims) const {
  const TdxClaims* t = std::any_cast<TdxClaims>(&claims.typed);
  return t ? TdxPinLines(*t) : std::vector<std::string>();
}

Status TdxFamilyKind::Appraise(const VerifiedClaims& claims, const Policy& policy) const {
  return AppraiseTdxTypedClaims(claims, policy);
}

const EvidenceKind* TdxQuoteKind() { return KindInstance<TdxKind>(); }
const EvidenceKind* TdxQuoteSha512Kind() { return KindInstance<TdxSha512Kind>(); }

}  // namespace ra
