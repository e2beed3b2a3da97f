// snp-report: an AMD SEV-SNP attestation report whose REPORT_DATA is the
// binding.  The VCEK/VLEK comes from the companion snp-certs (the extended
// report's certificate table) or snp-vcek (the certificate alone), else
// from AMD's KDS when the policy names one (SnpKds).  The chain ends in
// AMD's built-in ARK of the report's product unless "TrustAnchor snp"
// replaces it.  Verification: verify/snp_evidence, snp_report_verifier,
// snp_kds_fetcher; appraisal: policy/snp_policy.
#include "verify/snp_kind.h"

#include <string>
#include <utility>
#include <vector>

#include "common/bytes_util.h"
#include "common/user_data_binding.h"
#include "parse/snp_cert_table.h"
#include "parse/snp_report.h"
#include "parse/snp_vcek_extensions.h"
#include "policy/snp_policy.h"
#include "verify/fetch_deadline.h"
#include "verify/snp_evidence.h"
#include "verify/snp_kds_fetcher.h"
#include "verify/x509_util.h"

namespace ra {

struct SnpLoadedAnchors {
  std::vector<X509Ptr> certs;
};
struct SnpLoadedCrl {
  X509CrlPtr crl;
};

namespace {

constexpr size_t kMaxAnchorFileLen = 256 * 1024;
constexpr size_t kMaxCrlFileLen = 1024 * 1024;

const EvidenceItem* FindItem(const std::vector<EvidenceItem>& all, const char* type) {
  for (const EvidenceItem& i : all)
    if (i.type == type) return &i;
  return nullptr;
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }
std::string Hex64(uint64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; i--, v >>= 4) s[static_cast<size_t>(i)] = kDigits[v & 0xF];
  return s;
}

void AddTcb(const char* name, const SnpTcbParts& t, bool turin,
            std::vector<std::pair<std::string, std::string>>* f) {
  std::string n(name);
  if (turin) f->emplace_back(n + "_fmc", std::to_string(t.fmc));
  f->emplace_back(n + "_bl", std::to_string(t.bootloader));
  f->emplace_back(n + "_tee", std::to_string(t.tee));
  f->emplace_back(n + "_snp", std::to_string(t.snp));
  f->emplace_back(n + "_ucode", std::to_string(t.microcode));
}

// Each flag of a decoded POLICY or PLATFORM_INFO, under its table name.
template <typename T, size_t N>
void AddFlags(const T& v, const SnpFlagBit<T> (&flags)[N],
              std::vector<std::pair<std::string, std::string>>* f) {
  for (const auto& flag : flags) f->emplace_back(flag.name, YesNo(v.*flag.member));
}

void AddPolicyBits(const SnpGuestPolicy& g, std::vector<std::pair<std::string, std::string>>* f) {
  f->emplace_back("policy_abi", std::to_string(g.abi_major) + "." + std::to_string(g.abi_minor));
  AddFlags(g, kSnpGuestPolicyFlags, f);
}

void AddPlatformBits(const SnpPlatformInfo& p,
                     std::vector<std::pair<std::string, std::string>>* f) {
  AddFlags(p, kSnpPlatformInfoFlags, f);
}

// Every report field, in full, in the report's order, then what was
// decoded from them.
void FillFields(const SnpClaims& c, bool binding_checked, VerifiedClaims* out) {
  const SnpReport& r = c.report;
  auto& f = out->fields;
  f.emplace_back("version", std::to_string(r.version));
  f.emplace_back("product", SnpProductName(c.product));
  f.emplace_back("signer", c.signer == SnpSigningKey::kVlek ? "VLEK" : "VCEK");
  if (!c.csp_id.empty()) f.emplace_back("csp_id", c.csp_id);
  f.emplace_back("guest_svn", std::to_string(r.guest_svn));
  f.emplace_back("policy", Hex64(r.policy));
  AddPolicyBits(c.policy, &f);
  f.emplace_back("family_id", HexEncode(r.family_id));
  f.emplace_back("image_id", HexEncode(r.image_id));
  f.emplace_back("vmpl", std::to_string(r.vmpl));
  f.emplace_back("signature_algo", std::to_string(r.signature_algo));
  f.emplace_back("current_tcb", Hex64(r.current_tcb));
  f.emplace_back("platform_info", Hex64(r.platform_info));
  AddPlatformBits(c.platform, &f);
  f.emplace_back("author_key_en", YesNo(r.author_key_en));
  f.emplace_back("mask_chip_key", YesNo(r.mask_chip_key));
  f.emplace_back("report_data", HexEncode(r.report_data));
  f.emplace_back("measurement", HexEncode(r.measurement));
  f.emplace_back("host_data", HexEncode(r.host_data));
  f.emplace_back("id_key_digest", HexEncode(r.id_key_digest));
  f.emplace_back("author_key_digest", HexEncode(r.author_key_digest));
  f.emplace_back("report_id", HexEncode(r.report_id));
  f.emplace_back("report_id_ma", HexEncode(r.report_id_ma));
  f.emplace_back("reported_tcb", Hex64(r.reported_tcb));
  const bool turin = c.product == SnpProduct::kTurin;
  AddTcb("reported_tcb", c.reported_tcb, turin, &f);
  if (r.has_cpuid) {
    f.emplace_back("cpuid_fam_id", std::to_string(r.cpuid_fam_id));
    f.emplace_back("cpuid_mod_id", std::to_string(r.cpuid_mod_id));
    f.emplace_back("cpuid_step", std::to_string(r.cpuid_step));
  }
  f.emplace_back("chip_id", HexEncode(r.chip_id));
  f.emplace_back("committed_tcb", Hex64(r.committed_tcb));
  f.emplace_back("current_version", std::to_string(r.current_major) + "." +
                                        std::to_string(r.current_minor) + "." +
                                        std::to_string(r.current_build));
  f.emplace_back("committed_version", std::to_string(r.committed_major) + "." +
                                          std::to_string(r.committed_minor) + "." +
                                          std::to_string(r.committed_build));
  f.emplace_back("launch_tcb", Hex64(r.launch_tcb));
  AddTcb("current_tcb", c.current_tcb, turin, &f);
  AddTcb("committed_tcb", c.committed_tcb, turin, &f);
  AddTcb("launch_tcb", c.launch_tcb, turin, &f);
  if (r.has_mit_vectors) {
    f.emplace_back("launch_mit_vector", Hex64(r.launch_mit_vector));
    f.emplace_back("current_mit_vector", Hex64(r.current_mit_vector));
  }
  if (!c.product_name.empty()) f.emplace_back("product_name", c.product_name);
  f.emplace_back("binding_checked", YesNo(binding_checked));
}

SnpVerifyOptions VerifyOptions(const SnpPolicyValues* v, std::time_t now) {
  SnpVerifyOptions o;
  o.now = now;
  if (v && v->anchors)
    for (const X509Ptr& c : v->anchors->certs) o.trust_anchors.push_back(c.get());
  if (v && v->crl) o.crls.push_back(v->crl->crl.get());
  o.require_crl = v && v->require_crl;
  return o;
}

// KDS fetches (VCEK, CRL, VLEK chain) within the connection's deadline.
KdsOptions KdsOptionsOf(const SnpPolicyValues& v, const Policy& pol, FetchDeadline deadline) {
  KdsOptions k;
  k.base_url = v.kds_url;
  k.ca_file = v.kds_ca_file;
  k.cache_dir = v.kds_cache_given ? v.kds_cache : pol.issuer_key_cache;
  const long left_ms = FetchTimeoutMs(deadline);
  if (left_ms != 0) k.timeout_ms = left_ms;  // < 0: no time left, only the cache
  // Required and not given as a file: AMD's, fetched with the VCEK.
  k.fetch_crl = v.require_crl && !v.crl;
  return k;
}

SnpSigningKey SignerOf(const SnpReport& r) {
  return r.signing_key == static_cast<uint8_t>(SnpSigningKey::kVlek) ? SnpSigningKey::kVlek
                                                                     : SnpSigningKey::kVcek;
}

// What SnpKds adds to evidence that brings its own certificates: a
// required CRL no file gives, and for a VLEK report that brings the VLEK
// alone, the ASVK (KDS's /vlek/ chain; Turin has none built in).
struct KdsAdditions {
  X509CrlPtr crl;
  X509Ptr intermediate;
};

// The product a v2 report (no CPUID) leaves unnamed, from the productName
// of the certificate the evidence brings for its signer: KDS's paths need
// it.  Only a path: the CRL fetched is still checked against the ARK the
// chain ends in, which every naming source must agree on.
SnpProduct ProductOfEvidenceCert(const SnpReport& report, const EvidenceItem* table,
                                 const EvidenceItem* key_cert) {
  X509Ptr cert;
  if (key_cert) {
    if (!SnpKeyCertFromBytes(ByteView(key_cert->data), &cert).ok()) return SnpProduct::kUnknown;
  } else if (table) {
    SnpCertTable t;
    SnpCertificates c;
    if (!ParseSnpCertTable(ByteView(table->data), &t).ok() ||
        !SnpCertificatesFromTable(t, SignerOf(report), &c).ok())
      return SnpProduct::kUnknown;
    cert = std::move(c.key_cert);
  }
  SnpVcekExtensions e;
  if (!cert || !ParseSnpVcekExtensions(cert.get(), &e).ok() || !e.has_product_name)
    return SnpProduct::kUnknown;
  return SnpProductFromCertName(e.product_name);
}

Status KdsAdditionsFor(const SnpPolicyValues& v, const Policy& pol, FetchDeadline deadline,
                       ByteView report_bytes, const EvidenceItem* table,
                       const EvidenceItem* key_cert, bool need_crl, KdsAdditions* out) {
  SnpReport report;
  RA_RETURN_IF_ERROR(ParseSnpReport(report_bytes, &report));
  const KdsOptions k = KdsOptionsOf(v, pol, deadline);
  const SnpSigningKey signer = SignerOf(report);
  SnpProduct product = SnpReportProduct(report);
  if (product == SnpProduct::kUnknown) product = ProductOfEvidenceCert(report, table, key_cert);
  const bool lone_key_cert = !table;
  if (need_crl) RA_RETURN_IF_ERROR(FetchKdsCrl(k, product, signer, &out->crl));
  if (lone_key_cert && signer == SnpSigningKey::kVlek)  // what is left after the CRL
    RA_RETURN_IF_ERROR(FetchKdsIntermediate(KdsOptionsOf(v, pol, deadline), product, signer,
                                            &out->intermediate));
  return Status();
}

// Whether a table holds the certificate the report names by SIGNING_KEY.
// A host without certificates may hand the guest a zeroed page (a lone
// terminator): that table is no certificate, and SnpKds may supply one.
// Either not parsing: true, so the verifier names that error.
bool TableHasSigningCert(ByteView report_bytes, ByteView table_bytes) {
  SnpReport report;
  SnpCertTable table;
  if (!ParseSnpReport(report_bytes, &report).ok() || !ParseSnpCertTable(table_bytes, &table).ok())
    return true;
  const SnpCertKind kind =
      SignerOf(report) == SnpSigningKey::kVlek ? SnpCertKind::kVlek : SnpCertKind::kVcek;
  return table.Find(kind) != nullptr;
}

Status VerifyWithKds(const SnpPolicyValues& v, const Policy& pol, ByteView report_bytes,
                     const SnpVerifyOptions& o, FetchDeadline deadline, SnpClaims* out) {
  SnpReport report;
  RA_RETURN_IF_ERROR(ParseSnpReport(report_bytes, &report));
  return VerifySnpReportWithKds(KdsOptionsOf(v, pol, deadline), report, o, out);
}

class SnpKind : public SnpFamilyKind {
 public:
  const char* type() const override { return kEvidenceSnpReport; }
  std::vector<std::string> companions() const override {
    return {kEvidenceSnpCerts, kEvidenceSnpVcek};
  }
  Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                const VerifyContext& ctx, VerifiedClaims* out) const override {
    SnpClaims c;
    RA_RETURN_IF_ERROR(VerifySnpReportItem(ByteView(item.data), all, ctx, &c));
    const Binding* b = ctx.binding_or_null();
    if (b && !BindingEquals(*b, ByteView(c.report.report_data.data(), 64)))
      return Status::Fail("report data binding",
                          "REPORT_DATA does not match the expected binding");
    SnpClaimFields(std::move(c), type(), b != nullptr, out);
    return Status();
  }
};

// The section's load: TrustAnchor snp (PEM ARKs, strict) and SnpCrl (DER
// or PEM), read once at the line that names them.
Status LoadSnpMaterial(const std::string& keyword, Policy* p) {
  SnpPolicyValues* v = p->Section<SnpPolicyValues>(kSnpPolicySection);
  if (keyword == "trustanchor" && !v->anchors && !v->trust_anchor.empty()) {
    std::string pem;
    Status s = ReadTextFileBounded(v->trust_anchor, kMaxAnchorFileLen, &pem);
    if (!s.ok()) return Status::Fail("trust anchor " + v->trust_anchor + ": " + s.detail());
    auto a = std::make_shared<SnpLoadedAnchors>();
    s = LoadPemCerts(pem, "trust anchor " + v->trust_anchor, &a->certs);
    if (!s.ok()) return Status::Fail(s.message());
    v->anchors = std::move(a);
  }
  if (keyword == "snpcrl") {
    Bytes der;
    Status s = ReadFileBounded(v->crl_file, kMaxCrlFileLen, &der);
    auto c = std::make_shared<SnpLoadedCrl>();
    if (s.ok()) s = LoadCrl(ByteView(der), "SnpCrl " + v->crl_file, &c->crl);
    if (!s.ok()) return Status::Fail("SnpCrl " + v->crl_file + ": " + s.detail());
    v->crl = std::move(c);
  }
  return Status();
}

}  // namespace

Status VerifySnpReportItem(ByteView report, const std::vector<EvidenceItem>& all,
                           const VerifyContext& ctx, SnpClaims* out) {
  if (!ctx.policy) return Status::Fail("snp evidence", "no policy");
  const SnpPolicyValues* v = SnpPolicy(*ctx.policy);
  SnpVerifyOptions o = VerifyOptions(v, ctx.now);
  const EvidenceItem* table = FindItem(all, kEvidenceSnpCerts);
  const EvidenceItem* vcek = FindItem(all, kEvidenceSnpVcek);
  const bool kds = v && !v->kds_url.empty();
  if (table && !vcek && kds && !TableHasSigningCert(report, ByteView(table->data)))
    table = nullptr;
  if (table || vcek) {
    KdsAdditions added;
    if (kds)
      RA_RETURN_IF_ERROR(KdsAdditionsFor(*v, *ctx.policy, ctx.deadline, report, table, vcek,
                                         o.require_crl && o.crls.empty(), &added));
    if (added.crl) o.crls.push_back(added.crl.get());
    SnpEvidence e;
    e.report = report;
    if (table) e.cert_table = ByteView(table->data);
    if (vcek) e.key_cert = ByteView(vcek->data);
    e.intermediate = added.intermediate.get();
    return VerifySnpEvidence(e, o, out);
  }
  if (kds)
    return VerifyWithKds(*v, *ctx.policy, report, o, ctx.deadline, out);
  return Status::Fail("snp certs", "no snp-certs or snp-vcek item, and no SnpKds to fetch "
                                   "the VCEK from");
}

void SnpClaimFields(SnpClaims c, const char* kind, bool binding_checked, VerifiedClaims* out) {
  VerifiedClaims v;
  v.kind = kind;
  FillFields(c, binding_checked, &v);
  v.typed = std::move(c);
  *out = std::move(v);
}

namespace {
SnpAppraisalInput AppraisalInputOf(const SnpClaims& c) {
  SnpAppraisalInput in;
  in.report = &c.report;
  in.reported_tcb = c.reported_tcb;
  in.product = c.product;
  return in;
}
}  // namespace

Status AppraiseSnpClaims(const VerifiedClaims& claims, const Policy& policy) {
  const SnpClaims* c = std::any_cast<SnpClaims>(&claims.typed);
  if (c == nullptr) return Status::Fail("snp policy", "claims are not an SNP report's");
  return AppraiseSnpReport(AppraisalInputOf(*c), policy);
}

std::vector<std::string> SnpClaimPinLines(const VerifiedClaims& claims) {
  const SnpClaims* c = std::any_cast<SnpClaims>(&claims.typed);
  return c ? SnpPinLines(AppraisalInputOf(*c)) : std::vector<std::string>();
}

Status SnpFamilyKind::Appraise(const VerifiedClaims& claims, const Policy& policy) const {
  return AppraiseSnpClaims(claims, policy);
}

std::vector<std::string> SnpFamilyKind::PinLines(const VerifiedClaims& claims) const {
  return SnpClaimPinLines(claims);
}

std::string SnpFamilyKind::Summary(const VerifiedClaims& c) const {
  std::string m = ClaimField(c, "measurement");
  std::string s = c.kind + " verified: " + ClaimField(c, "product") + " " +
                  ClaimField(c, "signer") + " measurement=" + m.substr(0, 16) +
                  (m.size() > 16 ? "..." : "");
  if (ClaimField(c, "debug") == "yes") s += " DEBUG-GUEST";
  return s;
}

const EvidenceKind* SnpReportKind() { return KindInstance<SnpKind>(); }

const PolicySection& SnpPolicySection() {
  static const PolicySection kSection{"snp", SnpPolicyKeywords(), LoadSnpMaterial,
                                      FinishSnpPolicy};
  return kSection;
}

}  // namespace ra
