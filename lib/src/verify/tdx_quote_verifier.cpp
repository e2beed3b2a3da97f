#include "verify/tdx_quote_verifier.h"

#include <openssl/sha.h>

#include <cstring>

#include <algorithm>

#include "common/bytes_util.h"
#include "parse/pck_extensions.h"
#include "parse/tdx_quote.h"
#include "policy/tdx_policy.h"
#include "verify/intel_sgx_root_ca.h"
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

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
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

Status VerifyTdxQuote(ByteView quote, const Binding* binding,
                      const Policy& policy, std::time_t now,
                      VerifiedClaims* out) {
  if (now == 0) now = std::time(nullptr);
  TdxQuote q;
  RA_RETURN_IF_ERROR(ParseTdxQuote(quote, &q));

  // 1. PCK chain.  Only the policy's anchors are trusted; every
  // certificate the quote carries (its own root included) merely helps to
  // build the path.
  std::vector<X509Ptr> anchors_owned;
  std::vector<X509*> anchors;
  const std::vector<Bytes>* anchor_der = nullptr;
  RA_RETURN_IF_ERROR(LoadAnchors(policy, &anchors_owned, &anchors, &anchor_der));

  // Quotes carry Intel's root after the leaf and the platform CA; the
  // store has it already, so it is not parsed again (callgrind: a third
  // of the chain's PEM cost, the largest part of a client's verification).
  std::vector<X509Ptr> chain;
  RA_RETURN_IF_ERROR(LoadPemCerts(DropAnchorCopies(q.pck_chain_pem, *anchor_der), "pck chain",
                                  &chain, 8));
  std::vector<X509*> untrusted;
  for (size_t i = 1; i < chain.size(); i++) untrusted.push_back(chain[i].get());

  std::vector<X509CrlPtr> crls_owned;
  if (!policy.collateral_dir.empty())
    RA_RETURN_IF_ERROR(LoadCollateralCrls(policy.collateral_dir, &crls_owned));
  std::vector<X509_CRL*> crls;
  for (auto& c : crls_owned) crls.push_back(c.get());

  RA_RETURN_IF_ERROR(VerifyCertChain(chain[0].get(), untrusted, anchors, crls,
                                     now, "pck chain"));

  // 2. The QE report is signed by the PCK key.
  EvpPkeyPtr pck_key;
  RA_RETURN_IF_ERROR(P256KeyOfCert(chain[0].get(), "pck key", &pck_key));
  RA_RETURN_IF_ERROR(VerifyEcdsaP256Raw(
      pck_key.get(), q.qe_report_raw,
      ByteView(q.qe_report_signature.data(), q.qe_report_signature.size()),
      "qe report signature"));

  // 2b. The signer must be Intel's TD quoting enclave.  The PCK key signs
  // reports of any enclave allowed the provisioning key, so without this a
  // platform's owner could run its own (or a debug) "QE" and sign any TD
  // report.  Checked always, with the values of Intel's published TD_QE
  // identity; collateral, when given, adds its signed identity and TCB.
  RA_RETURN_IF_ERROR(CheckIntelTdQeIdentity(q.qe_report));

  // 3. The QE vouches for the attestation key through its report data.
  {
    Bytes hashed(q.attestation_key.begin(), q.attestation_key.end());
    hashed.insert(hashed.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(hashed.data(), hashed.size(), digest);
    static const uint8_t kZero[32] = {0};
    if (!ConstantTimeEqual(ByteView(digest, 32),
                           ByteView(q.qe_report.report_data.data(), 32)) ||
        !ConstantTimeEqual(ByteView(kZero, 32),
                           ByteView(q.qe_report.report_data.data() + 32, 32)))
      return Status::Fail("qe report data",
                          "not SHA-256(attestation key || QE auth data)");
  }

  // 4. The quote: header and body signed by the attestation key.
  EvpPkeyPtr att_key;
  RA_RETURN_IF_ERROR(P256KeyFromRaw(
      ByteView(q.attestation_key.data(), q.attestation_key.size()),
      "attestation key", &att_key));
  RA_RETURN_IF_ERROR(VerifyEcdsaP256Raw(
      att_key.get(), q.signed_region,
      ByteView(q.signature.data(), q.signature.size()), "quote signature"));

  // 5. The binding: this connection, this nonce, this host key.
  if (binding &&
      !ConstantTimeEqual(ByteView(binding->data(), binding->size()),
                         ByteView(q.body.report_data.data(),
                                  q.body.report_data.size())))
    return Status::Fail("report data binding",
                        "REPORTDATA does not match the expected binding");

  // 6. TCB status from Intel's collateral, when the policy supplies it.
  PckExtensions pck;
  // The leaf the chain check already parsed: decoding PEM again was a
  // tenth of a client's attestation cost (bench/, callgrind).
  Status pck_status = PckExtensionsFromX509(chain.empty() ? nullptr : chain[0].get(), &pck);
  std::string tcb_status = "not evaluated";
  if (!policy.collateral_dir.empty()) {
    RA_RETURN_IF_ERROR(pck_status);  // TCB needs the PCK's TCB and FMSPC
    TdxTcbResult tcb;
    RA_RETURN_IF_ERROR(EvaluateTdxTcb(q, pck, anchors, crls, policy, now, &tcb));
    if (std::find(policy.allowed_tcb_status.begin(),
                  policy.allowed_tcb_status.end(),
                  tcb.status) == policy.allowed_tcb_status.end())
      return Status::Fail("tcb status",
                          tcb.status + " not in AllowedTcbStatus");
    tcb_status = tcb.status;
  }

  // 7. Reference values.
  RA_RETURN_IF_ERROR(CheckTdxPolicy(q, policy));

  if (out) {
    VerifiedClaims c;
    c.kind = "tdx-quote";
    c.fields.emplace_back("version", std::to_string(q.version));
    c.fields.emplace_back("fmspc", pck_status.ok() ? Hex(pck.fmspc) : "");
    c.fields.emplace_back("tcb_status", tcb_status);
    c.fields.emplace_back("mrtd", Hex(q.body.mr_td));
    static const char* const kRtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    for (size_t i = 0; i < 4; i++)
      c.fields.emplace_back(kRtmr[i], Hex(q.body.rtmr[i]));
    c.fields.emplace_back("mrseam", Hex(q.body.mr_seam));
    c.fields.emplace_back("td_attributes", Hex(q.body.td_attributes));
    c.fields.emplace_back("debug", TdxIsDebug(q) ? "yes" : "no");
    c.fields.emplace_back("report_data", Hex(q.body.report_data));
    c.fields.emplace_back("binding_checked", binding ? "yes" : "no");
    *out = std::move(c);
  }
  return Status();
}

namespace {

class TdxVerifier : public EvidenceVerifier {
 public:
  const char* type() const override { return "tdx-quote"; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>&,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    if (!ctx.policy) return Status::Fail("tdx-quote", "no policy");
    return VerifyTdxQuote(item.data, &ctx.binding, *ctx.policy, ctx.now, out);
  }
};

// Intel Trust Authority's client puts SHA-512(nonce || user data) into
// REPORTDATA; the trustauthority-cli provider passes the binding as user
// data and no nonce, so these quotes carry SHA-512(binding).  Everything
// else is checked exactly as for "tdx-quote".
class TdxSha512Verifier : public EvidenceVerifier {
 public:
  const char* type() const override { return "tdx-quote-sha512"; }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>&,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    if (!ctx.policy) return Status::Fail("tdx-quote-sha512", "no policy");
    Binding expected;
    SHA512(ctx.binding.data(), ctx.binding.size(), expected.data());
    RA_RETURN_IF_ERROR(VerifyTdxQuote(item.data, &expected, *ctx.policy, ctx.now, out));
    if (out) out->kind = type();
    return Status();
  }
};

}  // namespace

const EvidenceVerifier* TdxQuoteVerifier() {
  static const TdxVerifier kVerifier;
  return &kVerifier;
}

const EvidenceVerifier* TdxQuoteSha512Verifier() {
  static const TdxSha512Verifier kVerifier;
  return &kVerifier;
}

}  // namespace ra
