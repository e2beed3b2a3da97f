// The VCEK for a report fetched from AMD's Key Distribution Service (KDS
// interface specification, publication 57230), cached per user:
//
//   GET {base}/vcek/v1/{product}/{hwid}?blSPL=BL&teeSPL=TEE&snpSPL=SNP&ucodeSPL=UC
//       Milan, Genoa: hwid is CHIP_ID (64 bytes) in lowercase hex.
//       Turin: hwid is CHIP_ID's first 8 bytes; fmcSPL=FMC comes first.
//       SPLs are REPORTED_TCB's components in decimal (two digits at
//       least).  Body: the VCEK, DER.
//   GET {base}/vcek/v1/{product}/cert_chain   ASK then ARK, PEM
//   GET {base}/vcek/v1/{product}/crl          the ARK's CRL, DER
//   GET {base}/vlek/v1/{product}/cert_chain   ASVK then ARK, PEM
//   GET {base}/vlek/v1/{product}/crl          the ARK's CRL for the ASVK, DER
//
// KDS serves no VLEK (a cloud provider gets its VLEK through an
// authenticated interface): a VLEK-signed report brings its VLEK, and only
// its ASVK (FetchKdsIntermediate) and CRL may come from here.  VLEK reports
// name no chip (CHIP_ID is zero), so nothing here is asked by chip.
//
// Nothing fetched is trusted: the VCEK is used only once VerifySnpReport
// has accepted the report under it, with the ASK from cert_chain and the
// ARK built in (or the caller's anchors; the served ARK is ignored).  Only
// then are VCEK and chain written to the cache (common/private_cache.h
// rules); a cached pair goes through the same VerifySnpReport on every
// use and is fetched again when that fails.  The CRL (fetch_crl) is
// fetched per call and never cached.  TLS is always verified, no
// redirects, bodies bounded, all requests within timeout_ms.
#pragma once

#include <string>

#include "common/status.h"
#include "parse/snp_report.h"
#include "verify/snp_report_verifier.h"

namespace ra {

struct KdsOptions {
  std::string base_url;  // https://kdsintf.amd.com (policy "SnpKds URL")
  std::string ca_file;   // PEM CA(s) for TLS instead of the system store
  std::string cache_dir; // per-user cache; empty: none
  long timeout_ms = 10000;  // all requests of one call together
  size_t max_body = 64 * 1024;  // a VCEK is ~1.4 KB, the chain ~4 KB
  bool fetch_crl = false;       // also fetch .../crl into the verify options
};

// The VCEK URL for report under base (product as SnpReportProduct, else
// product).  Fails "snp kds" for an unknown product or a TCB that does
// not decode for it.
Status KdsVcekUrl(const std::string& base_url, SnpProduct product, const SnpReport& report,
                  std::string* url);
// {base}/{vcek|vlek}/v1/{product}/cert_chain and .../crl, by signer.
std::string KdsCertChainUrl(const std::string& base_url, SnpProduct product,
                            SnpSigningKey signer = SnpSigningKey::kVcek);
std::string KdsCrlUrl(const std::string& base_url, SnpProduct product,
                      SnpSigningKey signer = SnpSigningKey::kVcek);

// The ARK's CRL for signer's intermediate, within opt.timeout_ms.  Fetch
// failures "snp kds"; nothing is judged here (VerifyAmdCertChain checks
// issuer, signature and dates).
Status FetchKdsCrl(const KdsOptions& opt, SnpProduct product, SnpSigningKey signer,
                   X509CrlPtr* crl);

// The ASK (signer kVcek) or ASVK (kVlek): the first certificate of
// cert_chain.  Untrusted: it is used only as the chain's middle link,
// which VerifySnpReport checks against the ARK.
Status FetchKdsIntermediate(const KdsOptions& opt, SnpProduct product, SnpSigningKey signer,
                            X509Ptr* out);

// Verifies report (VerifySnpReport under verify_opt) with a VCEK from the
// cache or KDS; a report not signed by a VCEK (a VLEK's, SIGNING_KEY 1) is
// refused before any request, KDS serves VCEKs only.  Fetch failures are named "snp kds"; verification failures
// keep their own check ("snp chip id", "snp vcek tcb", ...).
Status VerifySnpReportWithKds(const KdsOptions& opt, const SnpReport& report,
                              const SnpVerifyOptions& verify_opt, SnpClaims* out);

// The cache file names for report's VCEK URL (tests).
std::string KdsCacheName(const KdsOptions& opt, const std::string& url);

}  // namespace ra
