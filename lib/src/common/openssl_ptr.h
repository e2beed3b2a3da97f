// The one set of owning pointers for OpenSSL objects, used by every layer
// (verify, provider, tools).  Add a type here rather than a local deleter.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace ra {

template <typename T, void (*F)(T*)>
struct OsslDeleter {
  void operator()(T* p) const { F(p); }
};
template <typename T, void (*F)(T*)>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T, F>>;

using X509Ptr = OsslPtr<X509, X509_free>;
using X509CrlPtr = OsslPtr<X509_CRL, X509_CRL_free>;
using X509StorePtr = OsslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OsslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509NamePtr = OsslPtr<X509_NAME, X509_NAME_free>;
using X509ExtPtr = OsslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using EvpPkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = OsslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using BioPtr = OsslPtr<BIO, BIO_free_all>;
using BnPtr = OsslPtr<BIGNUM, BN_free>;
using EcdsaSigPtr = OsslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using Asn1ObjectPtr = OsslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1OctetPtr = OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using OsslParamBldPtr = OsslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using OsslParamPtr = OsslPtr<OSSL_PARAM, OSSL_PARAM_free>;

// Stacks: X509StackPtr frees the stack only (it borrows its certificates),
// X509ChainPtr the certificates too (a chain OpenSSL handed over).
inline void X509StackFree(STACK_OF(X509) * s) { sk_X509_free(s); }
inline void X509ChainFree(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
inline void X509CrlStackFree(STACK_OF(X509_CRL) * s) { sk_X509_CRL_free(s); }
using X509StackPtr = OsslPtr<STACK_OF(X509), X509StackFree>;
using X509ChainPtr = OsslPtr<STACK_OF(X509), X509ChainFree>;
using X509CrlStackPtr = OsslPtr<STACK_OF(X509_CRL), X509CrlStackFree>;

}  // namespace ra
