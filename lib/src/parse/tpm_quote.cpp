#include "parse/tpm_quote.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <dlfcn.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/openssl_error.h"
#include "common/openssl_ptr.h"

namespace ra {
namespace {

std::string Rc(TSS2_RC rc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", rc);
  return buf;
}

// tpm2-tss logs malformed input to stderr (the ssh user's terminal,
// sshd's log) as well as returning an error code; the error is reported
// with the check that failed, so its logging is off unless the operator
// sets TSS2_LOG (as the azure-vtpm provider does).  Once, before the first
// unmarshalling, since tss2 reads the variable at its first log call.
void QuietTss2Log() {
  static std::once_flag once;
  std::call_once(once, [] { setenv("TSS2_LOG", "all+NONE", 0); });
}

// tpm2-tss's unmarshallers, from libtss2-mu (no dependencies of its own),
// opened when the first TPM structure is parsed rather than linked: ssh
// and sshd-session then load no libtss2 unless a TPM quote is verified
// (issue 14, least library surface), and the parser stays tpm2-tss's.
template <typename T>
using Tss2Unmarshal = TSS2_RC (*)(const uint8_t*, size_t, size_t*, T*);

struct Tss2Mu {
  Tss2Unmarshal<TPMT_PUBLIC> tpmt_public = nullptr;
  Tss2Unmarshal<TPMS_ATTEST> tpms_attest = nullptr;
  Tss2Unmarshal<TPMT_SIGNATURE> tpmt_signature = nullptr;
  std::string error;
  // The unmarshaller for *out's type.
  Tss2Unmarshal<TPMT_PUBLIC> For(const TPMT_PUBLIC*) const { return tpmt_public; }
  Tss2Unmarshal<TPMS_ATTEST> For(const TPMS_ATTEST*) const { return tpms_attest; }
  Tss2Unmarshal<TPMT_SIGNATURE> For(const TPMT_SIGNATURE*) const { return tpmt_signature; }
};

template <typename T>
void Resolve(void* lib, const char* name, Tss2Unmarshal<T>* fn, std::string* error) {
  void* sym = dlsym(lib, name);
  if (sym == nullptr && error->empty()) *error = std::string("no ") + name + " in libtss2-mu";
  *fn = reinterpret_cast<Tss2Unmarshal<T>>(sym);
}

const Tss2Mu& LoadTss2Mu() {
  static const Tss2Mu mu = [] {
    Tss2Mu m;
    void* lib = dlopen("libtss2-mu.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      m.error = std::string("cannot load libtss2-mu.so.0: ") + (why ? why : "?");
      return m;
    }
    Resolve(lib, "Tss2_MU_TPMT_PUBLIC_Unmarshal", &m.tpmt_public, &m.error);
    Resolve(lib, "Tss2_MU_TPMS_ATTEST_Unmarshal", &m.tpms_attest, &m.error);
    Resolve(lib, "Tss2_MU_TPMT_SIGNATURE_Unmarshal", &m.tpmt_signature, &m.error);
    return m;
  }();
  return mu;
}

// Runs T's tss2-mu unmarshaller over all of in; trailing bytes are refused.
// out is zeroed first, so what the unmarshaller leaves unwritten reads 0.
template <typename T>
Status UnmarshalExactly(ByteView in, const char* check, T* out) {
  std::memset(out, 0, sizeof *out);
  if (in.size == 0 || in.data == nullptr) return Status::Fail(check, "empty");
  const Tss2Mu& mu = LoadTss2Mu();
  if (!mu.error.empty()) return Status::Fail(check, mu.error);
  QuietTss2Log();
  size_t off = 0;
  TSS2_RC rc = mu.For(out)(in.data, in.size, &off, out);
  if (rc != TSS2_RC_SUCCESS)
    return Status::Fail(check, "malformed (tss2-mu " + Rc(rc) + ")");
  if (off != in.size)
    return Status::Fail(check, std::to_string(in.size - off) + " trailing bytes");
  return Status();
}

// A TPM2B's bytes (its size was bounded by the unmarshaller).
template <typename Tpm2b>
Bytes Tpm2bBytes(const Tpm2b& b) {
  return Bytes(b.buffer, b.buffer + b.size);
}

Status ParsePcrSelection(const TPML_PCR_SELECTION& sel,
                         std::vector<TpmPcrSelection>* out) {
  out->clear();
  for (uint32_t i = 0; i < sel.count && i < TPM2_NUM_PCR_BANKS; i++) {
    const TPMS_PCR_SELECTION& s = sel.pcrSelections[i];
    if (s.sizeofSelect > TPM2_PCR_SELECT_MAX)
      return Status::Fail("tpm quote pcr selection", "sizeofSelect too large");
    for (const auto& prev : *out)
      if (prev.hash_alg == s.hash)
        return Status::Fail("tpm quote pcr selection",
                            "bank " + TpmHashName(s.hash) + " selected twice");
    TpmPcrSelection bank;
    bank.hash_alg = s.hash;
    for (uint32_t b = 0; b < s.sizeofSelect; b++)
      for (uint32_t bit = 0; bit < 8; bit++)
        if (s.pcrSelect[b] & (1u << bit)) bank.pcrs.push_back(b * 8 + bit);
    out->push_back(std::move(bank));
  }
  return Status();
}

// The hash of a signing scheme; 0 for NULL and non-signing schemes.
uint16_t SchemeHash(uint16_t scheme, const TPMU_ASYM_SCHEME& details) {
  bool sig = scheme == kTpmAlgRsassa || scheme == kTpmAlgRsapss || scheme == kTpmAlgEcdsa;
  return sig ? details.anySig.hashAlg : 0;
}

// EVP_PKEY_fromdata with a finished parameter builder.
Status PkeyFromParams(const char* type, OSSL_PARAM_BLD* bld, const char* check,
                      std::shared_ptr<EVP_PKEY>* out) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return Status::Fail(check, "key import: " + OpenSslError());
  out->reset(pkey, EVP_PKEY_free);
  return Status();
}

}  // namespace

Status RsaPublicKeyFromBytes(ByteView n, ByteView e, std::shared_ptr<EVP_PKEY>* out) {
  if (n.size == 0 || n.size > 2048 || e.size == 0 || e.size > 8)
    return Status::Fail("rsa public key", "modulus or exponent size");
  BnPtr bn_n(BN_bin2bn(n.data, static_cast<int>(n.size), nullptr));
  BnPtr bn_e(BN_bin2bn(e.data, static_cast<int>(e.size), nullptr));
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return Status::Fail("rsa public key", "out of memory");
  return PkeyFromParams("RSA", bld.get(), "rsa public key", out);
}

namespace {

Status RsaPublicKey(const TPMT_PUBLIC& p, TpmPublic* out) {
  const TPMS_RSA_PARMS& parms = p.parameters.rsaDetail;
  const TPM2B_PUBLIC_KEY_RSA& n = p.unique.rsa;
  if (parms.keyBits < 1024 || parms.keyBits > 16384 || parms.keyBits % 8 != 0)
    return Status::Fail("tpm public key", "RSA keyBits " + std::to_string(parms.keyBits));
  if (n.size != parms.keyBits / 8 || (n.buffer[0] & 0x80) == 0)
    return Status::Fail("tpm public key", "RSA modulus does not have keyBits bits");
  uint32_t e = parms.exponent == 0 ? 65537u : parms.exponent;
  if (e < 3 || e % 2 == 0) return Status::Fail("tpm public key", "RSA exponent");
  out->scheme = parms.scheme.scheme;
  out->scheme_hash = SchemeHash(parms.scheme.scheme, parms.scheme.details);
  out->key_bits = parms.keyBits;
  const uint8_t e_be[4] = {static_cast<uint8_t>(e >> 24), static_cast<uint8_t>(e >> 16),
                           static_cast<uint8_t>(e >> 8), static_cast<uint8_t>(e)};
  return RsaPublicKeyFromBytes(ByteView(n.buffer, n.size), ByteView(e_be, 4), &out->key);
}

Status EccPublicKey(const TPMT_PUBLIC& p, TpmPublic* out) {
  const TPMS_ECC_PARMS& parms = p.parameters.eccDetail;
  const char* group = nullptr;
  size_t field = 0;
  switch (parms.curveID) {
    case kTpmEccNistP256: group = "P-256"; field = 32; break;
    case kTpmEccNistP384: group = "P-384"; field = 48; break;
    case kTpmEccNistP521: group = "P-521"; field = 66; break;
    default:
      return Status::Fail("tpm public key", "unsupported ECC curve " + std::to_string(parms.curveID));
  }
  const TPMS_ECC_POINT& pt = p.unique.ecc;
  if (pt.x.size == 0 || pt.y.size == 0 || pt.x.size > field || pt.y.size > field)
    return Status::Fail("tpm public key", "ECC point coordinates do not fit the curve");
  out->scheme = parms.scheme.scheme;
  out->scheme_hash = SchemeHash(parms.scheme.scheme, parms.scheme.details);
  out->curve = parms.curveID;
  out->key_bits = parms.curveID == kTpmEccNistP521 ? 521 : static_cast<uint32_t>(field * 8);
  // SEC 1 uncompressed point; a TPM may drop leading zero bytes.
  Bytes point(1 + 2 * field, 0);
  point[0] = 0x04;
  std::memcpy(point.data() + 1 + field - pt.x.size, pt.x.buffer, pt.x.size);
  std::memcpy(point.data() + 1 + 2 * field - pt.y.size, pt.y.buffer, pt.y.size);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    return Status::Fail("tpm public key", "out of memory");
  RA_RETURN_IF_ERROR(PkeyFromParams("EC", bld.get(), "tpm public key", &out->key));
  // fromdata does not check that the point is on the curve.
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, out->key.get(), nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1)
    return Status::Fail("tpm public key", "ECC point not on the curve");
  return Status();
}

}  // namespace

Status ParseTpmPublic(ByteView in, TpmPublic* out) {
  TPMT_PUBLIC p;
  RA_RETURN_IF_ERROR(UnmarshalExactly(in, "tpm public format", &p));
  TpmPublic pub;
  pub.type = p.type;
  pub.name_alg = p.nameAlg;
  pub.object_attributes = p.objectAttributes;
  if (p.type == kTpmAlgRsa) {
    RA_RETURN_IF_ERROR(RsaPublicKey(p, &pub));
  } else if (p.type == kTpmAlgEcc) {
    RA_RETURN_IF_ERROR(EccPublicKey(p, &pub));
  } else {
    return Status::Fail("tpm public key", "not an RSA or ECC key");
  }
  pub.raw.assign(in.data, in.data + in.size);
  if (const EVP_MD* md = TpmHashMd(p.nameAlg)) {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    if (EVP_Digest(in.data, in.size, h, &hlen, md, nullptr) != 1)
      return Status::Fail("tpm public name", OpenSslError());
    pub.name = {static_cast<uint8_t>(p.nameAlg >> 8), static_cast<uint8_t>(p.nameAlg)};
    pub.name.insert(pub.name.end(), h, h + hlen);
  }
  *out = std::move(pub);
  return Status();
}

Status ParseTpm2bPublic(ByteView in, TpmPublic* out) {
  if (in.size < 2) return Status::Fail("tpm public format", "truncated TPM2B_PUBLIC");
  size_t size = LoadBe16(in.data);
  if (size != in.size - 2)
    return Status::Fail("tpm public format", "TPM2B_PUBLIC size disagrees with its content");
  return ParseTpmPublic(ByteView(in.data + 2, size), out);
}

Status ParseTpmQuote(ByteView in, TpmQuote* out) {
  if (in.size > kMaxTpmQuoteLen)
    return Status::Fail("tpm quote format", "larger than " + std::to_string(kMaxTpmQuoteLen));
  TPMS_ATTEST a;
  RA_RETURN_IF_ERROR(UnmarshalExactly(in, "tpm quote format", &a));
  if (a.magic != kTpmGeneratedValue)
    return Status::Fail("tpm quote magic", "not TPM_GENERATED_VALUE");
  if (a.type != kTpmStAttestQuote)
    return Status::Fail("tpm quote type", "not TPM_ST_ATTEST_QUOTE");
  TpmQuote q;
  q.magic = a.magic;
  q.type = a.type;
  q.qualified_signer.assign(a.qualifiedSigner.name, a.qualifiedSigner.name + a.qualifiedSigner.size);
  q.extra_data = Tpm2bBytes(a.extraData);
  q.clock = a.clockInfo.clock;
  q.reset_count = a.clockInfo.resetCount;
  q.restart_count = a.clockInfo.restartCount;
  q.safe = a.clockInfo.safe != 0;
  q.firmware_version = a.firmwareVersion;
  RA_RETURN_IF_ERROR(ParsePcrSelection(a.attested.quote.pcrSelect, &q.pcr_select));
  q.pcr_digest = Tpm2bBytes(a.attested.quote.pcrDigest);
  q.raw.assign(in.data, in.data + in.size);
  *out = std::move(q);
  return Status();
}

Status ParseTpmSignature(ByteView in, TpmSignature* out) {
  TPMT_SIGNATURE s;
  RA_RETURN_IF_ERROR(UnmarshalExactly(in, "tpm signature format", &s));
  TpmSignature sig;
  sig.sig_alg = s.sigAlg;
  switch (s.sigAlg) {
    case kTpmAlgRsassa:
    case kTpmAlgRsapss: {
      const TPMS_SIGNATURE_RSA& r = s.sigAlg == kTpmAlgRsassa ? s.signature.rsassa
                                                              : s.signature.rsapss;
      sig.hash_alg = r.hash;
      sig.rsa_sig = Tpm2bBytes(r.sig);
      if (sig.rsa_sig.empty()) return Status::Fail("tpm signature format", "empty RSA signature");
      break;
    }
    case kTpmAlgEcdsa: {
      const TPMS_SIGNATURE_ECC& e = s.signature.ecdsa;
      sig.hash_alg = e.hash;
      sig.ecc_r = Tpm2bBytes(e.signatureR);
      sig.ecc_s = Tpm2bBytes(e.signatureS);
      if (sig.ecc_r.empty() || sig.ecc_s.empty())
        return Status::Fail("tpm signature format", "empty ECDSA r or s");
      break;
    }
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%04x", s.sigAlg);
      return Status::Fail("tpm signature algorithm", std::string("unsupported ") + buf);
    }
  }
  if (TpmHashMd(sig.hash_alg) == nullptr)
    return Status::Fail("tpm signature algorithm",
                        "unsupported hash " + TpmHashName(sig.hash_alg));
  *out = std::move(sig);
  return Status();
}

TpmSignature TpmRsaSignature(uint16_t sig_alg, uint16_t hash_alg, ByteView sig) {
  TpmSignature s;
  s.sig_alg = sig_alg;
  s.hash_alg = hash_alg;
  if (sig.size) s.rsa_sig.assign(sig.data, sig.data + sig.size);
  return s;
}

}  // namespace ra
