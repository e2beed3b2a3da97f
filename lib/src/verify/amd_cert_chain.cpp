#include "verify/amd_cert_chain.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>

#include "common/openssl_error.h"
#include "common/openssl_ptr.h"

namespace ra {
namespace {

Status RequirePssSha384(X509* cert, const std::string& check, const char* what) {
  int md = 0, pk = 0;
  if (X509_get_signature_info(cert, &md, &pk, nullptr, nullptr) != 1 ||
      pk != EVP_PKEY_RSA_PSS || md != NID_sha384) {
    ERR_clear_error();
    return Status::Fail(check, std::string(what) + " is not signed with RSASSA-PSS SHA-384");
  }
  return Status();
}

Status CheckArk(X509* ark, std::time_t now) {
  RA_RETURN_IF_ERROR(RequirePssSha384(ark, "snp ark", "the ARK"));
  if (X509_NAME_cmp(X509_get_subject_name(ark), X509_get_issuer_name(ark)) != 0)
    return Status::Fail("snp ark", "the ARK is not self-issued");
  EVP_PKEY* key = X509_get0_pubkey(ark);
  // A trust anchor's own signature is not checked by path validation; AMD's
  // ARK is self-signed, so a broken one is a corrupted or forged anchor.
  if (!key || X509_verify(ark, key) != 1) {
    ERR_clear_error();
    return Status::Fail("snp ark", "the ARK's self-signature does not verify");
  }
  if (X509_cmp_time(X509_get0_notBefore(ark), &now) >= 0 ||
      X509_cmp_time(X509_get0_notAfter(ark), &now) <= 0)
    return Status::Fail("snp ark", "the ARK is not valid at the verification time");
  return Status();
}

// X509_verify_cert with the anchors trusted and the intermediate the only
// untrusted help; the built path must be key_cert, intermediate, anchor.
Status BuildPath(const AmdChainInput& in, X509** ark_out) {
  X509StorePtr store(X509_STORE_new());
  X509StackPtr untrusted(sk_X509_new_null());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return Status::Fail("snp cert chain", "out of memory");
  for (X509* a : in.anchors)
    if (X509_STORE_add_cert(store.get(), a) != 1)
      return Status::Fail("snp cert chain", "trust anchor: " + OpenSslError());
  if (!sk_X509_push(untrusted.get(), in.intermediate))
    return Status::Fail("snp cert chain", "out of memory");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), in.key_cert, untrusted.get()) != 1)
    return Status::Fail("snp cert chain", OpenSslError());
  // Judged at the caller's time.  Not X509_STRICT: AMD's VCEKs carry no
  // authority key identifier, which strict mode demands.
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), in.now);
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return Status::Fail("snp cert chain", std::string(X509_verify_cert_error_string(err)) +
                                              " (depth " + std::to_string(depth) + ")");
  }
  X509ChainPtr path(X509_STORE_CTX_get1_chain(ctx.get()));
  if (!path || sk_X509_num(path.get()) != 3 ||
      X509_cmp(sk_X509_value(path.get(), 1), in.intermediate) != 0)
    return Status::Fail("snp cert chain", "the path is not VCEK/VLEK -> ASK/ASVK -> ARK");
  X509* ark = sk_X509_value(path.get(), 2);
  for (X509* a : in.anchors)
    if (X509_cmp(a, ark) == 0) *ark_out = a;
  return Status();
}

Status CheckCrls(const AmdChainInput& in, X509* ark) {
  if (in.crls.empty()) {
    if (in.require_crl) return Status::Fail("snp crl", "required and none given");
    return Status();
  }
  EVP_PKEY* ark_key = X509_get0_pubkey(ark);
  for (X509_CRL* crl : in.crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark)) != 0)
      return Status::Fail("snp crl", "not issued by the ARK");
    if (!ark_key || X509_CRL_verify(crl, ark_key) != 1) {
      ERR_clear_error();
      return Status::Fail("snp crl", "signature does not verify under the ARK");
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), const_cast<std::time_t*>(&in.now)) > 0)
      return Status::Fail("snp crl", "not yet valid at the verification time");
    if (next && X509_cmp_time(next, const_cast<std::time_t*>(&in.now)) < 0)
      return Status::Fail("snp crl", "expired at the verification time");
    X509_REVOKED* rev = nullptr;
    if (X509_CRL_get0_by_cert(crl, &rev, in.intermediate) == 1)
      return Status::Fail("snp crl", "the ASK/ASVK is revoked");
  }
  return Status();
}

}  // namespace

Status VerifyAmdCertChain(const AmdChainInput& in, X509** ark_out) {
  if (!in.key_cert) return Status::Fail("snp cert chain", "no VCEK or VLEK");
  if (!in.intermediate) return Status::Fail("snp cert chain", "no ASK or ASVK");
  if (in.anchors.empty()) return Status::Fail("snp cert chain", "no ARK to trust");
  RA_RETURN_IF_ERROR(RequirePssSha384(in.key_cert, "snp cert chain", "the VCEK/VLEK"));
  RA_RETURN_IF_ERROR(RequirePssSha384(in.intermediate, "snp cert chain", "the ASK/ASVK"));
  X509* ark = nullptr;
  RA_RETURN_IF_ERROR(BuildPath(in, &ark));
  if (!ark) return Status::Fail("snp cert chain", "the path ends in no given ARK");
  RA_RETURN_IF_ERROR(CheckArk(ark, in.now));
  RA_RETURN_IF_ERROR(CheckCrls(in, ark));
  if (ark_out) *ark_out = ark;
  return Status();
}

}  // namespace ra
