#include "verify/snp_report_verifier.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/openssl_error.h"
#include "parse/snp_vcek_extensions.h"
#include "verify/amd_cert_chain.h"
#include "verify/amd_roots.h"

namespace ra {
namespace {

constexpr size_t kP384Len = 48;

std::string CommonName(const X509_NAME* name) {
  char buf[128] = {0};
  int n = X509_NAME_get_text_by_NID(const_cast<X509_NAME*>(name), NID_commonName, buf,
                                    sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

Status X509FromDer(ByteView der, const char* what, X509Ptr* out) {
  const unsigned char* p = der.data;
  X509* c = d2i_X509(nullptr, &p, static_cast<long>(der.size));
  if (!c || p != der.data + der.size) {
    X509_free(c);
    ERR_clear_error();
    return Status::Fail("snp certs", std::string(what) + " is not one DER certificate");
  }
  out->reset(c);
  return Status();
}

// r or s: 72 little-endian bytes of which only the low 48 may be set.
Status ComponentToBn(const std::array<uint8_t, kSnpSignatureComponentLen>& le, BIGNUM** out) {
  if (std::any_of(le.begin() + kP384Len, le.end(), [](uint8_t b) { return b != 0; }))
    return Status::Fail("snp report signature", "r or s is wider than 384 bits");
  *out = BN_lebin2bn(le.data(), static_cast<int>(kP384Len), nullptr);
  if (!*out) return Status::Fail("snp report signature", "out of memory");
  return Status();
}

Status RequireP384(EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  if (!key || !EVP_PKEY_is_a(key, "EC") ||
      EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &len) != 1 ||
      std::strcmp(group, "secp384r1") != 0) {
    ERR_clear_error();
    return Status::Fail("snp report signature", "the VCEK/VLEK key is not EC P-384");
  }
  return Status();
}

// Step 1: the certificate is the kind of key the report says signed it.
Status CheckSigningKey(const SnpReport& r, X509* cert, const SnpVcekExtensions& ext,
                       SnpSigningKey* signer) {
  if (r.signature_algo != kSnpSignatureAlgoEcdsaP384Sha384)
    return Status::Fail("snp report signature",
                        "SIGNATURE_ALGO " + std::to_string(r.signature_algo) + " is not ECDSA P-384");
  if (r.mask_chip_key)
    return Status::Fail("snp signing key", "MASK_CHIP_KEY: the report is not signed");
  if (r.signing_key != static_cast<uint8_t>(SnpSigningKey::kVcek) &&
      r.signing_key != static_cast<uint8_t>(SnpSigningKey::kVlek))
    return Status::Fail("snp signing key",
                        "SIGNING_KEY " + std::to_string(r.signing_key) + " is neither VCEK nor VLEK");
  const std::string cn = CommonName(X509_get_subject_name(cert));
  const bool is_vcek = cn == "SEV-VCEK" && ext.has_hwid && !ext.has_csp_id;
  const bool is_vlek = cn == "SEV-VLEK" && !ext.has_hwid;
  if (!is_vcek && !is_vlek)
    return Status::Fail("snp signing key", "the certificate (" + cn + ") is neither a VCEK nor a VLEK");
  *signer = static_cast<SnpSigningKey>(r.signing_key);
  if ((*signer == SnpSigningKey::kVcek) != is_vcek)
    return Status::Fail("snp signing key", std::string("the report names the ") +
                                               (is_vcek ? "VLEK" : "VCEK") + ", the certificate is a " +
                                               (is_vcek ? "VCEK" : "VLEK"));
  return Status();
}

// Step 2: every source that names the product agrees.
Status DecideProduct(const SnpReport& r, const SnpVcekExtensions& ext, X509* intermediate,
                     SnpProduct hint, SnpProduct* out) {
  struct Source { const char* what; SnpProduct p; };
  std::vector<Source> named;
  if (r.has_cpuid) {
    SnpProduct p = SnpReportProduct(r);
    if (p == SnpProduct::kUnknown)
      return Status::Fail("snp product", "CPUID family/model " + std::to_string(r.cpuid_fam_id) +
                                             "/" + std::to_string(r.cpuid_mod_id) + " is no known product");
    named.push_back({"the report's CPUID", p});
  }
  if (ext.has_product_name)
    named.push_back({"the certificate's productName", SnpProductFromCertName(ext.product_name)});
  if (intermediate)
    named.push_back({"the ASK's name",
                     SnpProductFromCertName(CommonName(X509_get_subject_name(intermediate)))});
  if (hint != SnpProduct::kUnknown) named.push_back({"the options", hint});
  SnpProduct p = SnpProduct::kUnknown;
  for (const Source& s : named) {
    if (s.p == SnpProduct::kUnknown)
      return Status::Fail("snp product", std::string(s.what) + " names no known product");
    if (p != SnpProduct::kUnknown && s.p != p)
      return Status::Fail("snp product", std::string(s.what) + " says " + SnpProductName(s.p) +
                                             ", another source " + SnpProductName(p));
    p = s.p;
  }
  if (p == SnpProduct::kUnknown) return Status::Fail("snp product", "nothing names the product");
  *out = p;
  return Status();
}

// Step 3: the chain to the chosen ARK.
Status CheckChain(const SnpEndorsement& certs, SnpProduct product, SnpSigningKey signer,
                  const SnpVerifyOptions& o) {
  AmdChainInput in;
  in.key_cert = certs.key_cert;
  in.intermediate = certs.intermediate;
  in.crls = o.crls;
  in.require_crl = o.require_crl;
  in.now = o.now;
  if (!o.trust_anchors.empty()) {
    in.anchors = o.trust_anchors;
  } else {
    AmdBuiltinCerts builtin;
    RA_RETURN_IF_ERROR(AmdBuiltinChain(product, signer, &builtin));
    in.anchors.push_back(builtin.ark);
    if (!in.intermediate) in.intermediate = builtin.intermediate;
  }
  if (!in.intermediate)
    return Status::Fail("snp cert chain", std::string("no ") +
                                              (signer == SnpSigningKey::kVlek ? "ASVK" : "ASK") +
                                              " in the evidence and none built in for " +
                                              SnpProductName(product));
  return VerifyAmdCertChain(in, nullptr);
}

Status TcbMismatch(const char* what, unsigned cert, unsigned report) {
  return Status::Fail("snp vcek tcb", std::string(what) + " is " + std::to_string(cert) +
                                          " in the certificate, " + std::to_string(report) +
                                          " in REPORTED_TCB");
}

// Step 5: the certificate was issued for the TCB and chip that signed.
Status CheckCertMatchesReport(const SnpReport& r, const SnpVcekExtensions& e,
                              SnpProduct product, SnpSigningKey signer,
                              const SnpTcbParts& tcb) {
  if (!e.has_bl_spl || !e.has_tee_spl || !e.has_snp_spl || !e.has_ucode_spl ||
      (product == SnpProduct::kTurin && !e.has_fmc_spl))
    return Status::Fail("snp vcek tcb", "the certificate lacks a TCB extension");
  if (e.bl_spl != tcb.bootloader) return TcbMismatch("blSPL", e.bl_spl, tcb.bootloader);
  if (e.tee_spl != tcb.tee) return TcbMismatch("teeSPL", e.tee_spl, tcb.tee);
  if (e.snp_spl != tcb.snp) return TcbMismatch("snpSPL", e.snp_spl, tcb.snp);
  if (e.ucode_spl != tcb.microcode) return TcbMismatch("ucodeSPL", e.ucode_spl, tcb.microcode);
  if (product == SnpProduct::kTurin && e.fmc_spl != tcb.fmc)
    return TcbMismatch("fmcSPL", e.fmc_spl, tcb.fmc);
  if (signer == SnpSigningKey::kVlek) return Status();  // a VLEK names no chip
  // A host that set MASK_CHIP_ID (SNP_CONFIG, ABI spec 56860) gets an
  // all-zero CHIP_ID: nothing to compare, and nothing lost, since only the
  // chip the VCEK was derived on holds the key that signed.
  if (std::all_of(r.chip_id.begin(), r.chip_id.end(), [](uint8_t b) { return b == 0; }))
    return Status();
  // Turin VCEKs name the chip by the first 8 bytes of CHIP_ID.
  const size_t n = e.hwid.size();
  const bool size_ok = n == r.chip_id.size() || (product == SnpProduct::kTurin && n == 8);
  if (!size_ok || std::memcmp(e.hwid.data(), r.chip_id.data(), n) != 0)
    return Status::Fail("snp chip id", "the VCEK's hwID is not the report's CHIP_ID");
  return Status();
}

void FillClaims(const SnpReport& r, const SnpVcekExtensions& e, SnpProduct product,
                SnpSigningKey signer, SnpClaims* c) {
  c->report = r;
  c->product = product;
  c->signer = signer;
  // Decoding failures (reserved TCB bytes set) leave zero parts: policy
  // then sees the lowest TCB, which no minimum accepts by accident.
  if (!DecodeSnpTcb(r.current_tcb, product, &c->current_tcb).ok()) c->current_tcb = {};
  if (!DecodeSnpTcb(r.committed_tcb, product, &c->committed_tcb).ok()) c->committed_tcb = {};
  if (!DecodeSnpTcb(r.launch_tcb, product, &c->launch_tcb).ok()) c->launch_tcb = {};
  c->policy = DecodeSnpGuestPolicy(r.policy);
  c->platform = DecodeSnpPlatformInfo(r.platform_info);
  c->product_name = e.product_name;
  c->csp_id = e.csp_id;
}

}  // namespace

Status VerifySnpReportSignature(const SnpReport& report, EVP_PKEY* key) {
  RA_RETURN_IF_ERROR(RequireP384(key));
  BIGNUM* r = nullptr;
  BIGNUM* s = nullptr;
  RA_RETURN_IF_ERROR(ComponentToBn(report.signature_r, &r));
  BnPtr r_owner(r);
  RA_RETURN_IF_ERROR(ComponentToBn(report.signature_s, &s));
  BnPtr s_owner(s);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r_owner.get(), s_owner.get()) != 1)
    return Status::Fail("snp report signature", "out of memory");
  r_owner.release();  // owned by sig now
  s_owner.release();
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return Status::Fail("snp report signature", "cannot encode");
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(
      der, [](unsigned char* p) { OPENSSL_free(p); });
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha384(), nullptr, key) != 1)
    return Status::Fail("snp report signature", OpenSslError());
  int rc = EVP_DigestVerify(md.get(), der, static_cast<size_t>(der_len), report.raw.data(),
                            kSnpReportSignedLen);
  ERR_clear_error();
  if (rc != 1) return Status::Fail("snp report signature", "does not verify under the VCEK/VLEK");
  return Status();
}

Status VerifySnpReport(const SnpReport& report, const SnpEndorsement& certs,
                       const SnpVerifyOptions& options, SnpClaims* out) {
  if (!certs.key_cert) return Status::Fail("snp certs", "no VCEK or VLEK");
  SnpVcekExtensions ext;
  RA_RETURN_IF_ERROR(ParseSnpVcekExtensions(certs.key_cert, &ext));
  SnpSigningKey signer = SnpSigningKey::kVcek;
  RA_RETURN_IF_ERROR(CheckSigningKey(report, certs.key_cert, ext, &signer));
  SnpProduct product = SnpProduct::kUnknown;
  RA_RETURN_IF_ERROR(DecideProduct(report, ext, certs.intermediate, options.product, &product));
  RA_RETURN_IF_ERROR(CheckChain(certs, product, signer, options));
  RA_RETURN_IF_ERROR(VerifySnpReportSignature(report, X509_get0_pubkey(certs.key_cert)));
  SnpTcbParts reported;
  RA_RETURN_IF_ERROR(DecodeSnpTcb(report.reported_tcb, product, &reported));
  RA_RETURN_IF_ERROR(CheckCertMatchesReport(report, ext, product, signer, reported));
  if (options.expected_report_data &&
      CRYPTO_memcmp(options.expected_report_data->data(), report.report_data.data(), 64) != 0)
    return Status::Fail("snp report data", "REPORT_DATA is not the expected binding");
  SnpClaims c;
  FillClaims(report, ext, product, signer, &c);
  c.reported_tcb = reported;
  if (out) *out = std::move(c);
  return Status();
}

Status SnpCertificatesFromTable(const SnpCertTable& table, SnpCertificates* out) {
  const SnpCertEntry* vcek = table.Find(SnpCertKind::kVcek);
  const SnpCertEntry* vlek = table.Find(SnpCertKind::kVlek);
  if (!vcek == !vlek)
    return Status::Fail("snp certs", vcek ? "both a VCEK and a VLEK" : "neither a VCEK nor a VLEK");
  SnpCertificates c;
  const SnpCertEntry* key = vcek ? vcek : vlek;
  RA_RETURN_IF_ERROR(X509FromDer(table.Data(*key), SnpCertKindName(key->kind), &c.key_cert));
  if (const SnpCertEntry* ask = table.Find(SnpCertKind::kAsk))
    RA_RETURN_IF_ERROR(X509FromDer(table.Data(*ask), "ASK", &c.intermediate));
  if (const SnpCertEntry* ark = table.Find(SnpCertKind::kArk))
    RA_RETURN_IF_ERROR(X509FromDer(table.Data(*ark), "ARK", &c.ark));
  *out = std::move(c);
  return Status();
}

Status SnpCertificatesFromTable(const SnpCertTable& table, SnpSigningKey signer,
                                SnpCertificates* out) {
  if (signer != SnpSigningKey::kVcek && signer != SnpSigningKey::kVlek)
    return SnpCertificatesFromTable(table, out);  // CheckSigningKey names the error
  const SnpCertKind kind = signer == SnpSigningKey::kVlek ? SnpCertKind::kVlek : SnpCertKind::kVcek;
  const SnpCertEntry* key = table.Find(kind);
  if (!key)
    return Status::Fail("snp certs", std::string("the report is signed by the ") +
                                         SnpCertKindName(kind) + ", the table has none");
  SnpCertificates c;
  RA_RETURN_IF_ERROR(X509FromDer(table.Data(*key), SnpCertKindName(kind), &c.key_cert));
  // The ASK GUID's entry (one per intermediate) that issued the key; none
  // such: the built-in one of the product.
  for (const SnpCertEntry& e : table.entries) {
    if (e.kind != SnpCertKind::kAsk) continue;
    X509Ptr ask;
    RA_RETURN_IF_ERROR(X509FromDer(table.Data(e), "ASK", &ask));
    if (X509_NAME_cmp(X509_get_subject_name(ask.get()), X509_get_issuer_name(c.key_cert.get())) ==
        0) {
      c.intermediate = std::move(ask);
      break;
    }
  }
  if (const SnpCertEntry* ark = table.Find(SnpCertKind::kArk))
    RA_RETURN_IF_ERROR(X509FromDer(table.Data(*ark), "ARK", &c.ark));
  *out = std::move(c);
  return Status();
}

Status SnpKeyCertFromBytes(ByteView data, X509Ptr* out) {
  // PEM if the first non-blank byte starts a PEM line; DER otherwise.
  size_t lead = 0;
  while (lead < data.size && (data.data[lead] == ' ' || data.data[lead] == '\t' ||
                              data.data[lead] == '\r' || data.data[lead] == '\n'))
    lead++;
  if (lead < data.size && data.data[lead] == '-') {
    std::vector<X509Ptr> certs;
    Status s = LoadPemCerts(std::string(data.data, data.data + data.size), "VCEK", &certs, 1);
    if (!s.ok()) return Status::Fail("snp certs", s.message());
    *out = std::move(certs[0]);
    return Status();
  }
  return X509FromDer(data, "VCEK", out);
}

}  // namespace ra
