// The built-in AMD chains are byte-identical to the reference copies in
// tests/vectors/roots, and each ASK/ASVK really chains to its ARK.
#include <gtest/gtest.h>

#include "snp_test_vectors.h"
#include "verify/amd_cert_chain.h"
#include "verify/amd_roots.h"

namespace {

using namespace ra_snp_test;

TEST(AmdRoots, ByteIdenticalToTheReferenceFiles) {
  const std::pair<const char*, const char*> pairs[] = {
      {ra::kAmdMilanVcekChainPem, "roots/AMD_ask_ark_milan.pem"},
      {ra::kAmdMilanVlekChainPem, "roots/AMD_ask_ark_milan_vlek.pem"},
      {ra::kAmdGenoaVcekChainPem, "roots/AMD_ask_ark_genoa.pem"},
      {ra::kAmdGenoaVlekChainPem, "roots/AMD_ask_ark_genoa_vlek.pem"},
      {ra::kAmdTurinVcekChainPem, "roots/AMD_ask_ark_turin_vcek.pem"},
  };
  for (const auto& p : pairs) {
    ra::Bytes file = ReadVector(p.second);
    EXPECT_EQ(std::string(p.first), std::string(file.begin(), file.end())) << p.second;
  }
}

TEST(AmdRoots, EachIntermediateChainsToItsArk) {
  using P = ra::SnpProduct;
  using K = ra::SnpSigningKey;
  const std::pair<P, K> chains[] = {{P::kMilan, K::kVcek}, {P::kMilan, K::kVlek},
                                    {P::kGenoa, K::kVcek}, {P::kGenoa, K::kVlek},
                                    {P::kTurin, K::kVcek}};
  for (const auto& c : chains) {
    ra::AmdBuiltinCerts certs;
    ASSERT_TRUE(ra::AmdBuiltinChain(c.first, c.second, &certs).ok());
    ASSERT_TRUE(certs.intermediate && certs.ark);
    EXPECT_EQ(X509_verify(certs.intermediate, X509_get0_pubkey(certs.ark)), 1)
        << ra::SnpProductName(c.first);
    EXPECT_EQ(X509_verify(certs.ark, X509_get0_pubkey(certs.ark)), 1);
  }
  ra::AmdBuiltinCerts turin_vlek;
  ASSERT_TRUE(ra::AmdBuiltinChain(P::kTurin, K::kVlek, &turin_vlek).ok());
  EXPECT_TRUE(turin_vlek.ark != nullptr);
  EXPECT_TRUE(turin_vlek.intermediate == nullptr);
  EXPECT_FALSE(ra::AmdBuiltinChain(P::kUnknown, K::kVcek, &turin_vlek).ok());
  // Milan's and Genoa's ARKs differ.
  ra::AmdBuiltinCerts m, g;
  ASSERT_TRUE(ra::AmdBuiltinChain(P::kMilan, K::kVcek, &m).ok());
  ASSERT_TRUE(ra::AmdBuiltinChain(P::kGenoa, K::kVcek, &g).ok());
  EXPECT_NE(X509_cmp(m.ark, g.ark), 0);
}

}  // namespace
