// The sim SNP's certificates: ARK and ASK (RSA, RSASSA-PSS SHA-384 as AMD
// signs) and a VCEK (EC P-384) with AMD's TCB, productName and hwID
// extensions; an ASVK and VLEK (csp_id, no hwID); and the ARK's CRL.
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstring>

#include "provider/sim_snp_authority.h"

namespace ra {
namespace {

Status Fail(const std::string& what) { return Status::Fail("sim snp", what + ": " + OpenSslError()); }

Status RsaKey(int bits, ossl::PkeyPtr* out) {
  out->reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  return *out ? Status() : Fail("RSA key");
}

Status P384Key(ossl::PkeyPtr* out) {
  out->reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp384r1"));
  return *out ? Status() : Fail("P-384 key");
}

// AMD's subject layout; the organisation says it is not AMD.
ossl::NamePtr AmdStyleName(const std::string& cn) {
  ossl::NamePtr n(X509_NAME_new());
  const std::pair<const char*, const char*> parts[] = {
      {"OU", "Engineering"}, {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"},
      {"O", "ra-ssh sim-snp (not AMD)"}, {"CN", cn.c_str()}};
  for (const auto& p : parts)
    X509_NAME_add_entry_by_txt(n.get(), p.first, MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(p.second), -1, -1, 0);
  return n;
}

Status AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return Fail("extension");
  return Status();
}

// An extension whose extnValue is der (already encoded).
Status AddRawExt(X509* cert, const char* oid, const Bytes& der) {
  ossl::ObjPtr obj(OBJ_txt2obj(oid, 1));
  ossl::OctetPtr oct(ASN1_OCTET_STRING_new());
  if (!obj || !oct || ASN1_OCTET_STRING_set(oct.get(), der.data(), static_cast<int>(der.size())) != 1)
    return Fail("AMD extension");
  ossl::ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, oct.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return Fail("AMD extension");
  return Status();
}

Bytes DerSmallInteger(uint8_t v) {
  // INTEGER, positive: a leading zero byte when the top bit is set.
  if (v & 0x80) return {0x02, 0x02, 0x00, v};
  return {0x02, 0x01, v};
}

Status SignPss(X509* cert, EVP_PKEY* key) {
  ossl::MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!md || EVP_DigestSignInit(md.get(), &pctx, EVP_sha384(), nullptr, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) != 1 ||
      X509_sign_ctx(cert, md.get()) <= 0)
    return Fail("RSA-PSS signing");
  return Status();
}

// A certificate skeleton: version 3, serial, names, validity, key.
Status NewCert(long serial, const std::string& subject_cn, X509* issuer,
               const std::string& issuer_cn, EVP_PKEY* key, const SimSnpChainOptions& o,
               ossl::X509Ptr* out) {
  ossl::X509Ptr c(X509_new());
  ossl::NamePtr subject = AmdStyleName(subject_cn);
  ossl::NamePtr issuer_name = AmdStyleName(issuer_cn);
  std::time_t nb = o.not_before ? o.not_before : std::time(nullptr) - 86400;
  if (!c || X509_set_version(c.get(), 2) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial) != 1 ||
      X509_set_subject_name(c.get(), subject.get()) != 1 ||
      X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : issuer_name.get()) != 1 ||
      !ASN1_TIME_set(X509_getm_notBefore(c.get()), nb) ||
      !ASN1_TIME_set(X509_getm_notAfter(c.get()), nb + o.valid_days * 86400L) ||
      X509_set_pubkey(c.get(), key) != 1)
    return Fail("certificate");
  *out = std::move(c);
  return Status();
}

// The extensions a VCEK and a VLEK share: version, product, TCB SPLs.
Status TcbExtensions(X509* vcek, const SimSnpGuest& g) {
  const char* product = g.product == SnpProduct::kMilan   ? "Milan-B0"
                        : g.product == SnpProduct::kGenoa ? "Genoa-B1"
                                                          : "Turin-C1";
  Bytes name = {0x16, static_cast<uint8_t>(std::strlen(product))};
  name.insert(name.end(), product, product + std::strlen(product));
  RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.1", DerSmallInteger(1)));
  RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.2", name));
  RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.3.1", DerSmallInteger(g.tcb.bootloader)));
  RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.3.2", DerSmallInteger(g.tcb.tee)));
  RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.3.3", DerSmallInteger(g.tcb.snp)));
  RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.3.8", DerSmallInteger(g.tcb.microcode)));
  if (g.product == SnpProduct::kTurin)
    RA_RETURN_IF_ERROR(AddRawExt(vcek, "1.3.6.1.4.1.3704.1.3.9", DerSmallInteger(g.tcb.fmc)));
  return Status();
}

// hwID as AMD's KDS writes it: the raw CHIP_ID, untagged; on Turin its
// first 8 bytes (KDS spec 57230, structVersion 1), all its CHIP_ID holds.
Status VcekExtensions(X509* vcek, const SimSnpGuest& g) {
  RA_RETURN_IF_ERROR(TcbExtensions(vcek, g));
  const size_t n = g.product == SnpProduct::kTurin ? 8 : g.chip_id.size();
  return AddRawExt(vcek, "1.3.6.1.4.1.3704.1.4", Bytes(g.chip_id.begin(), g.chip_id.begin() + n));
}

// An intermediate (ASK or ASVK) for key, signed by chain's ARK.
Status Intermediate(const SimSnpChain& chain, long serial, const std::string& cn, EVP_PKEY* key,
                    const SimSnpChainOptions& o, ossl::X509Ptr* out) {
  ossl::X509Ptr c;
  RA_RETURN_IF_ERROR(NewCert(serial, cn, chain.ark.get(), "", key, o, &c));
  RA_RETURN_IF_ERROR(
      AddExt(c.get(), chain.ark.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  RA_RETURN_IF_ERROR(AddExt(c.get(), chain.ark.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  RA_RETURN_IF_ERROR(AddExt(c.get(), chain.ark.get(), NID_subject_key_identifier, "hash"));
  RA_RETURN_IF_ERROR(
      AddExt(c.get(), chain.ark.get(), NID_authority_key_identifier, "keyid:always"));
  RA_RETURN_IF_ERROR(SignPss(c.get(), chain.ark_key.get()));
  *out = std::move(c);
  return Status();
}

}  // namespace

Status SimSnpMakeChain(const SimSnpGuest& g, const SimSnpChainOptions& o, SimSnpChain* out) {
  if (g.product == SnpProduct::kUnknown) return Status::Fail("sim snp", "unknown product");
  const std::string p = SnpProductName(g.product);
  SimSnpChain c;
  RA_RETURN_IF_ERROR(RsaKey(o.rsa_bits, &c.ark_key));
  RA_RETURN_IF_ERROR(RsaKey(o.rsa_bits, &c.ask_key));
  RA_RETURN_IF_ERROR(NewCert(1, "ARK-" + p, nullptr, "ARK-" + p, c.ark_key.get(), o, &c.ark));
  RA_RETURN_IF_ERROR(AddExt(c.ark.get(), c.ark.get(), NID_basic_constraints, "critical,CA:TRUE"));
  RA_RETURN_IF_ERROR(AddExt(c.ark.get(), c.ark.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  RA_RETURN_IF_ERROR(AddExt(c.ark.get(), c.ark.get(), NID_subject_key_identifier, "hash"));
  RA_RETURN_IF_ERROR(SignPss(c.ark.get(), c.ark_key.get()));
  RA_RETURN_IF_ERROR(Intermediate(c, 2, "SEV-" + p, c.ask_key.get(), o, &c.ask));
  RA_RETURN_IF_ERROR(SimSnpIssueVcek(c, g, o, &c.vcek, &c.vcek_key));
  *out = std::move(c);
  return Status();
}

Status SimSnpIssueVcek(const SimSnpChain& chain, const SimSnpGuest& g,
                       const SimSnpChainOptions& o, ossl::X509Ptr* vcek, ossl::PkeyPtr* key) {
  ossl::PkeyPtr k;
  ossl::X509Ptr c;
  RA_RETURN_IF_ERROR(P384Key(&k));
  RA_RETURN_IF_ERROR(NewCert(0, "SEV-VCEK", chain.ask.get(), "", k.get(), o, &c));
  RA_RETURN_IF_ERROR(VcekExtensions(c.get(), g));
  RA_RETURN_IF_ERROR(SignPss(c.get(), chain.ask_key.get()));
  *vcek = std::move(c);
  *key = std::move(k);
  return Status();
}

Status SimSnpIssueVlek(const SimSnpChain& chain, const SimSnpGuest& g,
                       const SimSnpChainOptions& o, const std::string& csp_id, SimSnpVlek* out) {
  SimSnpVlek v;
  RA_RETURN_IF_ERROR(RsaKey(o.rsa_bits, &v.asvk_key));
  RA_RETURN_IF_ERROR(Intermediate(chain, 3, "SEV-VLEK-" + std::string(SnpProductName(g.product)),
                                  v.asvk_key.get(), o, &v.asvk));
  RA_RETURN_IF_ERROR(P384Key(&v.vlek_key));
  RA_RETURN_IF_ERROR(NewCert(4, "SEV-VLEK", v.asvk.get(), "", v.vlek_key.get(), o, &v.vlek));
  RA_RETURN_IF_ERROR(TcbExtensions(v.vlek.get(), g));
  Bytes csp = {0x16, static_cast<uint8_t>(csp_id.size())};  // IA5String, short
  csp.insert(csp.end(), csp_id.begin(), csp_id.end());
  if (csp_id.size() > 127) return Status::Fail("sim snp", "csp_id too long");
  RA_RETURN_IF_ERROR(AddRawExt(v.vlek.get(), "1.3.6.1.4.1.3704.1.5", csp));
  RA_RETURN_IF_ERROR(SignPss(v.vlek.get(), v.asvk_key.get()));
  *out = std::move(v);
  return Status();
}

Status SimSnpMakeCrl(const SimSnpChain& chain, const std::vector<X509*>& revoked,
                     std::time_t last_update, Bytes* der) {
  std::unique_ptr<X509_CRL, void (*)(X509_CRL*)> crl(X509_CRL_new(), X509_CRL_free);
  std::unique_ptr<ASN1_TIME, void (*)(ASN1_TIME*)> t(ASN1_TIME_new(), ASN1_TIME_free);
  if (!crl || !t || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(chain.ark.get())) != 1 ||
      !ASN1_TIME_set(t.get(), last_update) || X509_CRL_set1_lastUpdate(crl.get(), t.get()) != 1 ||
      !ASN1_TIME_set(t.get(), last_update + 7 * 86400) ||
      X509_CRL_set1_nextUpdate(crl.get(), t.get()) != 1)
    return Fail("CRL");
  for (X509* c : revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    if (!r || X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(c)) != 1 ||
        !ASN1_TIME_set(t.get(), last_update) || X509_REVOKED_set_revocationDate(r, t.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), r) != 1) {
      X509_REVOKED_free(r);
      return Fail("CRL entry");
    }
  }
  X509_CRL_sort(crl.get());
  ossl::MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!md || EVP_DigestSignInit(md.get(), &pctx, EVP_sha384(), nullptr, chain.ark_key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1 || X509_CRL_sign_ctx(crl.get(), md.get()) <= 0)
    return Fail("CRL signing");
  unsigned char* p = nullptr;
  int n = i2d_X509_CRL(crl.get(), &p);
  if (n <= 0) return Fail("CRL encoding");
  der->assign(p, p + n);
  OPENSSL_free(p);
  return Status();
}

}  // namespace ra
