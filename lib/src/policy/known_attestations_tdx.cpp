// The known-attestation record of a verified TDX quote (kind "tdx"): what
// names the TD's software and owner, and the root the quote chained to.
// RTMR3 is left out (extended at run time, it differs on every boot), as
// are fields that change with routine platform updates (TCB SVNs, MRSEAM).
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/bytes_util.h"
#include "parse/tdx_quote.h"
#include "policy/known_attestations.h"
#include "policy/policy.h"
#include "verify/intel_sgx_root_ca.h"
#include "verify/x509_util.h"

namespace ra {
namespace known {
namespace {

constexpr char kCheck[] = "known attestations";

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

// The policy's TDX anchors, as the verifier takes them.
Status PolicyAnchors(const Policy& policy, std::vector<X509Ptr>* owned,
                     std::vector<X509*>* out) {
  const auto& parsed = policy.tdx_anchor_certs;
  if (!policy.tdx_trust_anchor.empty() && parsed &&
      parsed->source == policy.tdx_trust_anchor && !parsed->certs.empty()) {
    for (const auto& c : parsed->certs) out->push_back(c.get());
    return Status();
  }
  Status s = policy.tdx_trust_anchor.empty()
                 ? LoadPemCerts(kIntelSgxRootCaPem, "built-in Intel SGX Root CA", owned)
                 : LoadPemCertFile(policy.tdx_trust_anchor, owned);
  if (!s.ok()) return Status::Fail(kCheck, "trust anchor: " + s.message());
  for (const auto& c : *owned) out->push_back(c.get());
  return Status();
}

// SHA-256 of the DER of the anchor that is, or signed, a certificate of
// the quote's PCK chain.
Status AnchorFingerprint(const TdxQuote& q, const Policy& policy, std::string* out) {
  std::vector<X509Ptr> owned, chain;
  std::vector<X509*> anchors;
  RA_RETURN_IF_ERROR(PolicyAnchors(policy, &owned, &anchors));
  RA_RETURN_IF_ERROR(LoadPemCerts(q.pck_chain_pem, "pck chain", &chain, 8));
  for (X509* a : anchors) {
    for (const auto& c : chain) {
      bool same = X509_cmp(a, c.get()) == 0;
      bool issued = X509_check_issued(a, c.get()) == X509_V_OK &&
                    X509_verify(c.get(), X509_get0_pubkey(a)) == 1;
      if (!same && !issued) continue;
      int len = i2d_X509(a, nullptr);
      if (len <= 0) return Status::Fail(kCheck, "trust anchor does not encode");
      Bytes der(static_cast<size_t>(len));
      unsigned char* p = der.data();
      if (i2d_X509(a, &p) != len) return Status::Fail(kCheck, "trust anchor does not encode");
      uint8_t md[SHA256_DIGEST_LENGTH];
      SHA256(der.data(), der.size(), md);
      *out = HexEncode(ByteView(md, sizeof(md)));
      return Status();
    }
  }
  return Status::Fail(kCheck, "no trust anchor of the policy issued the quote's PCK chain");
}

}  // namespace

Status TdxKnownMeasurements(ByteView quote, const Policy& policy, Measurements* out) {
  TdxQuote q;
  RA_RETURN_IF_ERROR(ParseTdxQuote(quote, &q));
  std::string anchor;
  RA_RETURN_IF_ERROR(AnchorFingerprint(q, policy, &anchor));
  Measurements m;
  m.kind = "tdx";
  m.fields = {{"anchor", anchor},
              {"mrtd", Hex(q.body.mr_td)},
              {"rtmr0", Hex(q.body.rtmr[0])},
              {"rtmr1", Hex(q.body.rtmr[1])},
              {"rtmr2", Hex(q.body.rtmr[2])},
              {"mrconfigid", Hex(q.body.mr_config_id)},
              {"mrowner", Hex(q.body.mr_owner)},
              {"td_attributes", Hex(q.body.td_attributes)}};
  *out = std::move(m);
  return Status();
}

}  // namespace known
}  // namespace ra
