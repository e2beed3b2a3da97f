// Lookup and one-time parsing of the built-in AMD chains.
#include "verify/amd_roots.h"

#include <mutex>
#include <vector>

#include "verify/x509_util.h"

namespace ra {
namespace {

struct ParsedChain {
  Status status;
  std::vector<X509Ptr> certs;  // [intermediate, ark]
};

// Indexed by product (Milan, Genoa, Turin) x signer (VCEK, VLEK).
ParsedChain& Slot(int product, int signer) {
  static ParsedChain chains[3][2];
  return chains[product][signer];
}

int ProductIndex(SnpProduct p) {
  switch (p) {
    case SnpProduct::kMilan: return 0;
    case SnpProduct::kGenoa: return 1;
    case SnpProduct::kTurin: return 2;
    default: return -1;
  }
}

void ParseAll() {
  for (int p = 0; p < 3; p++)
    for (int s = 0; s < 2; s++) {
      const SnpProduct product = p == 0 ? SnpProduct::kMilan
                                 : p == 1 ? SnpProduct::kGenoa
                                          : SnpProduct::kTurin;
      const char* pem = AmdBuiltinChainPem(product, s ? SnpSigningKey::kVlek
                                                      : SnpSigningKey::kVcek);
      ParsedChain& c = Slot(p, s);
      if (!pem) continue;
      c.status = LoadPemCerts(pem, "built-in AMD chain", &c.certs, 2);
      if (c.status.ok() && c.certs.size() != 2)
        c.status = Status::Fail("snp trust anchor", "built-in chain is not ASK + ARK");
    }
}

}  // namespace

const char* AmdBuiltinChainPem(SnpProduct product, SnpSigningKey signer) {
  const bool vlek = signer == SnpSigningKey::kVlek;
  switch (product) {
    case SnpProduct::kMilan: return vlek ? kAmdMilanVlekChainPem : kAmdMilanVcekChainPem;
    case SnpProduct::kGenoa: return vlek ? kAmdGenoaVlekChainPem : kAmdGenoaVcekChainPem;
    case SnpProduct::kTurin: return vlek ? nullptr : kAmdTurinVcekChainPem;
    default: return nullptr;
  }
}

Status AmdBuiltinChain(SnpProduct product, SnpSigningKey signer, AmdBuiltinCerts* out) {
  static std::once_flag once;
  std::call_once(once, ParseAll);
  const int p = ProductIndex(product);
  if (p < 0) return Status::Fail("snp trust anchor", "no built-in ARK for an unknown product");
  if (signer != SnpSigningKey::kVcek && signer != SnpSigningKey::kVlek)
    return Status::Fail("snp trust anchor", "signer is neither VCEK nor VLEK");
  const int s = signer == SnpSigningKey::kVlek ? 1 : 0;
  // The ARK is the same in both of a product's chains; take it from the
  // VCEK chain so a product without a built-in VLEK chain still has one.
  const ParsedChain& ark_chain = Slot(p, 0);
  RA_RETURN_IF_ERROR(ark_chain.status);
  AmdBuiltinCerts c;
  c.ark = ark_chain.certs[1].get();
  const ParsedChain& own = Slot(p, s);
  if (own.status.ok() && own.certs.size() == 2) c.intermediate = own.certs[0].get();
  *out = c;
  return Status();
}

}  // namespace ra
