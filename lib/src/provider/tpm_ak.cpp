#include "provider/tpm_ak.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/pem_text.h"
#include "common/safe_path.h"
#include "parse/tpm_quote.h"

namespace ra {
namespace {

const char kCheck[] = "tpm ak";
constexpr size_t kMagicLen = sizeof(kTpmAkFileMagic) - 1;

TPM2B_PUBLIC StoragePrimaryTemplate() {
  TPM2B_PUBLIC t = {};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.eccDetail.symmetric.keyBits.aes = 128;
  p.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  p.unique.ecc.x.size = 32;  // zeros, as the TCG template has them
  p.unique.ecc.y.size = 32;
  return t;
}

TPM2B_PUBLIC AkTemplate(TpmAkAlg alg) {
  TPM2B_PUBLIC t = {};
  TPMT_PUBLIC& p = t.publicArea;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  if (alg == TpmAkAlg::kRsa2048) {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    p.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.rsaDetail.keyBits = 2048;
  } else {
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
    p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  }
  return t;
}

// What TPM2_CreatePrimary and TPM2_Create take and give besides the
// template and the object: no sensitive data, outside info or PCRs in;
// the public area (freed here), creation data, hash and ticket (unused) out.
struct Creation {
  TPM2B_SENSITIVE_CREATE sensitive = {};
  TPM2B_DATA outside = {};
  TPML_PCR_SELECTION pcrs = {};
  TPM2B_PUBLIC* pub = nullptr;
  TPM2B_CREATION_DATA* data = nullptr;
  TPM2B_DIGEST* hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  ~Creation() {  // a local of the two functions below, never copied
    Esys_Free(pub);
    Esys_Free(data);
    Esys_Free(hash);
    Esys_Free(ticket);
  }
};

Status CreateStoragePrimary(ESYS_CONTEXT* ctx, EsysHandle* primary) {
  TPM2B_PUBLIC tmpl = StoragePrimaryTemplate();
  Creation c;
  TSS2_RC rc = Esys_CreatePrimary(ctx, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &c.sensitive, &tmpl, &c.outside, &c.pcrs,
                                  primary->out(), &c.pub, &c.data, &c.hash, &c.ticket);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(kCheck, "creating the owner storage primary", rc);
  primary->set_transient(true);
  return Status();
}

// Asked as a capability (esys_session.h): a failed ESAPI lookup logs to
// stderr.
Status PersistentExists(ESYS_CONTEXT* ctx, uint32_t handle, bool* exists) {
  return HandleDefined(ctx, kCheck, handle, exists);
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

Status ReadAkFile(const std::string& path, TPM2B_PUBLIC* pub, TPM2B_PRIVATE* priv) {
  // Whoever can replace it chooses the key that signs our quotes.
  RA_RETURN_IF_ERROR(CheckSafeFile(kCheck, path));
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::Fail(kCheck, path + ": " + std::strerror(errno));
  uint8_t buf[kMaxTpmAkFileLen + 1];
  size_t n = 0;
  ssize_t r;
  while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
    n += static_cast<size_t>(r);
  close(fd);
  if (n > kMaxTpmAkFileLen) return Status::Fail(kCheck, path + ": larger than an AK file");
  if (n < kMagicLen || std::memcmp(buf, kTpmAkFileMagic, kMagicLen) != 0)
    return Status::Fail(kCheck, path + ": not an AK file of ssh-attest tpm-init");
  size_t off = kMagicLen;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, n, &off, pub) != TSS2_RC_SUCCESS ||
      Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, n, &off, priv) != TSS2_RC_SUCCESS || off != n)
    return Status::Fail(kCheck, path + ": malformed AK file");
  return Status();
}

Status WriteAkFile(const std::string& path, const TPM2B_PUBLIC& pub, const TPM2B_PRIVATE& priv) {
  uint8_t buf[kMaxTpmAkFileLen];
  std::memcpy(buf, kTpmAkFileMagic, kMagicLen);
  size_t off = kMagicLen;
  if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS ||
      Tss2_MU_TPM2B_PRIVATE_Marshal(&priv, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
    return Status::Fail(kCheck, "marshalling the AK");
  RA_RETURN_IF_ERROR(CheckSafeParentDir(kCheck, path));
  // Never over an existing AK: its public key may be enrolled somewhere.
  return WriteNewFile(kCheck, path, std::string(reinterpret_cast<const char*>(buf), off), 0600);
}

Status ReadPublic(ESYS_CONTEXT* ctx, ESYS_TR tr, TPM2B_PUBLIC* out) {
  TPM2B_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  TPM2B_NAME* qname = nullptr;
  TSS2_RC rc = Esys_ReadPublic(ctx, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name,
                               &qname);
  if (rc == TSS2_RC_SUCCESS) *out = *pub;
  Esys_Free(pub);
  Esys_Free(name);
  Esys_Free(qname);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(kCheck, "reading the AK's public area", rc);
  return Status();
}

// A quote key must be a restricted signing key, or the TPM would sign
// anything as a quote.
Status CheckAkAttributes(const TPM2B_PUBLIC& pub) {
  const TPMA_OBJECT want = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
                           TPMA_OBJECT_FIXEDTPM;
  if ((pub.publicArea.objectAttributes & want) != want ||
      (pub.publicArea.objectAttributes & TPMA_OBJECT_DECRYPT))
    return Status::Fail(kCheck, "not a restricted signing key of this TPM (fixedTPM, "
                                "restricted, sign)");
  return Status();
}

}  // namespace

Status ParseTpmAkRef(const std::string& text, TpmAkRef* out) {
  *out = TpmAkRef();
  if (text.size() == 10 && text.compare(0, 2, "0x") == 0) {
    char* end = nullptr;
    unsigned long v = std::strtoul(text.c_str() + 2, &end, 16);
    if (*end != '\0' || v < kTpmPersistentFirst || v > kTpmPersistentLast)
      return Status::Fail("provider spec", "ak '" + text + "': not a persistent handle "
                                           "(0x81000000..0x81ffffff)");
    out->handle = static_cast<uint32_t>(v);
    return Status();
  }
  if (text.empty() || text[0] != '/')
    return Status::Fail("provider spec", "ak '" + text + "': neither a persistent handle "
                                         "(0x81......) nor an absolute path");
  out->file = text;
  return Status();
}

Status LoadTpmAk(ESYS_CONTEXT* ctx, const TpmAkRef& ref, LoadedTpmAk* out) {
  if (ref.handle != 0) {
    bool exists = false;
    RA_RETURN_IF_ERROR(PersistentExists(ctx, ref.handle, &exists));
    if (!exists)
      return Status::Fail(kCheck, "no key at persistent handle " + Hex32(ref.handle) +
                                      " (run ssh-attest tpm-init --handle)");
    TSS2_RC rc = Esys_TR_FromTPMPublic(ctx, ref.handle, ESYS_TR_NONE, ESYS_TR_NONE,
                                       ESYS_TR_NONE, out->tr.out());
    if (rc != TSS2_RC_SUCCESS) return TpmFail(kCheck, "AK " + Hex32(ref.handle), rc);
  } else {
    TPM2B_PUBLIC pub = {};
    TPM2B_PRIVATE priv = {};
    RA_RETURN_IF_ERROR(ReadAkFile(ref.file, &pub, &priv));
    EsysHandle primary(ctx);
    RA_RETURN_IF_ERROR(CreateStoragePrimary(ctx, &primary));
    TSS2_RC rc = Esys_Load(ctx, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           &priv, &pub, out->tr.out());
    if (rc != TSS2_RC_SUCCESS)
      return TpmFail(kCheck, "loading the AK of " + ref.file + " (made on another TPM, or "
                             "the owner seed was cleared?)", rc);
    out->tr.set_transient(true);
  }
  RA_RETURN_IF_ERROR(ReadPublic(ctx, out->tr.get(), &out->pub));
  return CheckAkAttributes(out->pub);
}

Status TpmPublicToPem(const TPM2B_PUBLIC& pub, std::string* pem) {
  uint8_t buf[sizeof(TPMT_PUBLIC)];
  size_t off = 0;
  if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub.publicArea, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
    return Status::Fail(kCheck, "marshalling the AK's public area");
  TpmPublic parsed;
  RA_RETURN_IF_ERROR(ParseTpmPublic(ByteView(buf, off), &parsed));
  pem->clear();
  return AppendPublicKeyPem(parsed.key.get(), pem);
}

Status TpmInitAk(const TpmInitOptions& opt, std::string* public_pem) {
  QuietTss2Log();
  EsysSession tpm;
  RA_RETURN_IF_ERROR(tpm.Open(kCheck, opt.tcti));
  ESYS_CONTEXT* ctx = tpm.ctx();
  if (opt.dest.handle != 0) {
    bool exists = false;
    RA_RETURN_IF_ERROR(PersistentExists(ctx, opt.dest.handle, &exists));
    if (exists)
      return Status::Fail(kCheck, "persistent handle " + Hex32(opt.dest.handle) +
                                      " is in use (evict it first, e.g. tpm2_evictcontrol)");
  }
  EsysHandle primary(ctx);
  RA_RETURN_IF_ERROR(CreateStoragePrimary(ctx, &primary));
  TPM2B_PUBLIC tmpl = AkTemplate(opt.alg);
  Creation c;
  TPM2B_PRIVATE* priv = nullptr;
  TSS2_RC rc = Esys_Create(ctx, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           &c.sensitive, &tmpl, &c.outside, &c.pcrs, &priv, &c.pub, &c.data,
                           &c.hash, &c.ticket);
  std::unique_ptr<TPM2B_PRIVATE, decltype(&Esys_Free)> priv_owner(priv, Esys_Free);
  if (rc != TSS2_RC_SUCCESS) return TpmFail(kCheck, "creating the AK", rc);
  const TPM2B_PUBLIC* pub = c.pub;
  if (opt.dest.handle == 0) {
    RA_RETURN_IF_ERROR(WriteAkFile(opt.dest.file, *pub, *priv));
  } else {
    EsysHandle ak(ctx);
    rc = Esys_Load(ctx, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub,
                   ak.out());
    if (rc != TSS2_RC_SUCCESS) return TpmFail(kCheck, "loading the new AK", rc);
    ak.set_transient(true);
    EsysHandle persisted(ctx);
    rc = Esys_EvictControl(ctx, ESYS_TR_RH_OWNER, ak.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, opt.dest.handle, persisted.out());
    if (rc != TSS2_RC_SUCCESS)
      return TpmFail(kCheck, "persisting the AK at " + Hex32(opt.dest.handle), rc);
  }
  return TpmPublicToPem(*pub, public_pem);
}

}  // namespace ra
