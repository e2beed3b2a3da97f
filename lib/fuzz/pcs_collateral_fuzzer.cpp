// libFuzzer target: what a PCS/PCCS answer is decoded with before any
// signature is checked.  Byte 0 picks the parser, the rest is its input:
//   0  an issuer-chain response header (URL-encoded PEM)
//   1  a CRL body (DER, PEM or PCCS's hex text)
//   2  a TCB info body ({"tcbInfo":...,"signature":...}): signed-member
//      extraction and the TCB info parser, as VerifyTdxCollateral runs them
//   3  the same for a QE identity body
// Seeds: fuzz/gen_seeds.py (the real headers of tests/vectors/pcs, the
// CRLs and collateral JSON of tests/vectors/tdx/collateral).
#include <cstddef>
#include <cstdint>
#include <string>

#include "verify/pcs_fetcher.h"
#include "verify/tdx_tcb.h"

namespace {

// The signed member `name` of a collateral body, as VerifyTdxCollateral
// extracts it; false if it cannot be.
bool SignedBody(const std::string& in, const char* name, std::string* text) {
  ra::Bytes sig;
  return ra::ExtractSignedCollateral(in, name, text, &sig).ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] & 3) {
    case 0: {
      std::string pem;
      (void)ra::DecodeIssuerChainHeader(in, "fuzz", &pem);
      break;
    }
    case 1: {
      ra::Bytes der;
      (void)ra::DecodeCrlBody(in, "fuzz", &der);
      break;
    }
    case 2: {
      ra::TdxTcbInfo info;
      std::string text;
      if (SignedBody(in, "tcbInfo", &text)) (void)ra::ParseTdxTcbInfo(text, &info);
      break;
    }
    default: {
      ra::QeIdentity qe;
      std::string text;
      if (SignedBody(in, "enclaveIdentity", &text)) (void)ra::ParseQeIdentity(text, &qe);
      break;
    }
  }
  return 0;
}
