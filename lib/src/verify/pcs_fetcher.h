// Intel collateral fetched from the PCS v4 API or a PCCS, cached per user.
//
//   GET {base}/tdx/certification/v4/tcb?fmspc=HEX         TCB-Info-Issuer-Chain
//   GET {base}/tdx/certification/v4/qe/identity            SGX-Enclave-Identity-Issuer-Chain
//   GET {base}/sgx/certification/v4/pckcrl?ca=C&encoding=der  SGX-PCK-CRL-Issuer-Chain
//   GET {base}/sgx/certification/v4/rootcacrl  (PCCS; DER or hex text), or for
//       Intel's own PCS the Root CA's distribution point
//       https://certificates.trustedservices.intel.com/IntelSGXRootCA.der
//
// Issuer chains arrive URL-encoded PEM in those response headers.  TLS is
// always verified, there are no redirects, every body is bounded and the
// whole fetch ends by the caller's deadline.
#pragma once

#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "verify/collateral_source.h"

namespace ra {

struct PcsOptions {
  std::string base_url;  // https://api.trustedservices.intel.com or a PCCS
  std::string ca_file;   // PEM CA(s) for TLS instead of the system store
  // CollateralCache DIR: per-user cache; empty: none.
  std::string cache_dir;
  long timeout_ms = 10000;  // whole Get() when the caller gives no deadline
  size_t max_body = 1 << 20;
};

// A header's value (URL-encoded PEM certificates) to PEM text: %XX and
// nothing else decoded, bounded, and the result must hold at least one
// PEM certificate block.
Status DecodeIssuerChainHeader(const std::string& value, const std::string& what,
                               std::string* pem);

// A rootcacrl body: DER, PEM, or (PCCS) the DER in hex text.
Status DecodeCrlBody(const std::string& body, const std::string& what, Bytes* der);

// The four URLs for fmspc/ca under base.
struct PcsUrls {
  std::string tcb, qe_identity, pck_crl, root_ca_crl;
};
PcsUrls MakePcsUrls(const std::string& base_url, const Fmspc& fmspc, PckCa ca);

// One fetch of everything, no cache, within timeout_ms (0: opt.timeout_ms;
// negative: the caller's deadline is spent, nothing is fetched) for all
// four requests together.  Failures are named "collateral fetch".
Status FetchTdxCollateral(const PcsOptions& opt, const Fmspc& fmspc, PckCa ca, long timeout_ms,
                          TdxCollateral* out);

// The source behind "Collateral https://...": fetched collateral is
// verified (VerifyTdxCollateral with anchors and verify_opt) before it is
// cached or returned; a cached entry is used while every document in it
// is before its nextUpdate, and is re-verified on every use.  When a fetch
// fails and the cached entry is past nextUpdate but within
// CollateralGrace, it is returned with a warning.  A cache that is unsafe
// or unreadable is ignored (why goes to verify_opt.warn).  anchors are
// borrowed: they must outlive the source (the policy's parsed anchors).
std::unique_ptr<CollateralSource> MakePcsCollateralSource(
    const PcsOptions& opt, const std::vector<X509*>& anchors, const CollateralOptions& verify_opt);

// The cache file for (base_url, ca_file, fmspc, ca) under cache_dir.
std::string PcsCacheFile(const PcsOptions& opt, const Fmspc& fmspc, PckCa ca);

}  // namespace ra
