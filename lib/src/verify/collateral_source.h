// Intel collateral for one TDX platform (its FMSPC and PCK CA), wherever
// it comes from: a local directory the user filled by hand, or Intel's PCS
// (or a PCCS) fetched on demand and cached per user.  A source only
// delivers bytes; VerifyTdxCollateral judges them, the same way whatever
// their origin, so a fetched or cached file is never trusted more than one
// the user put in place.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "common/status.h"
#include "parse/pck_extensions.h"
#include "parse/tdx_quote.h"
#include "verify/tdx_tcb.h"
#include "verify/x509_util.h"

namespace ra {

using Fmspc = std::array<uint8_t, 6>;

// Which PCK CA issued the platform's PCK certificate (PCS "ca" parameter).
enum class PckCa { kPlatform, kProcessor };
const char* PckCaName(PckCa ca);  // "platform" / "processor"
// From the PCK leaf's issuer CN ("Intel SGX PCK Platform CA" / "...
// Processor CA").
Status PckCaOfLeaf(X509* pck_leaf, PckCa* out);

// The collateral as served: the PCS bodies and issuer chains, unjudged.
struct TdxCollateral {
  std::string tcb_info;                // {"tcbInfo":{...},"signature":"HEX"}
  std::string tcb_info_issuer_chain;   // PEM, TCB Signing first
  std::string qe_identity;             // {"enclaveIdentity":{...},"signature":"HEX"}
  std::string qe_identity_issuer_chain;
  Bytes pck_crl;                       // DER (or PEM)
  std::string pck_crl_issuer_chain;    // PEM, PCK CA first; may be empty
  Bytes root_ca_crl;                   // DER (or PEM)
  std::string origin;                  // for messages: a path or a URL
};

// Options of the collateral checks; the policy keywords named in
// docs/policy.md map onto these one to one.
struct CollateralOptions {
  // CheckRevocation (default yes): both CRLs must be present and current.
  // no: missing CRLs are allowed (present ones are still checked).
  bool check_revocation = true;
  // MinTcbEvaluationDataNumber: TCB info and QE identity with a lower
  // tcbEvaluationDataNumber are refused (a rollback to before a TCB
  // recovery).  0: no minimum.
  int64_t min_tcb_evaluation_data_number = 0;
  // CollateralGrace SECONDS: past a document's nextUpdate but within this,
  // it is still used, with a warning.  0: nextUpdate is a hard limit.
  int64_t collateral_grace = 0;
  // TcbGracePeriod (in seconds here; DAYS * 86400 in the policy):
  // OutOfDate is accepted for this long after the tcbDate of the TCB level
  // just newer than the platform's.  0: no grace.
  int64_t tcb_grace_period = 0;
  int64_t clock_skew = 60;  // ClockSkew
  int64_t max_age = 0;      // MaxAge on issueDate; 0: none
  // Warnings (stale collateral used within grace, a cache not used): never
  // decides anything.  Unset: silent.
  std::function<void(const std::string&)> warn;
};

// Where collateral comes from.  now: the verification time (used to
// choose among files and to judge a cached entry's freshness).
// timeout_ms: the source returns within this (the rest of the
// connection's AttestationTimeout); 0 = the source's own bound; negative:
// no time is left, so only what needs no fetch (a directory, a warm
// cache) can be delivered.
class CollateralSource {
 public:
  virtual ~CollateralSource() = default;
  virtual Status Get(const Fmspc& fmspc, PckCa ca, std::time_t now, long timeout_ms,
                     TdxCollateral* out) = 0;
};

// Collateral DIR (docs/policy.md for the file names): the TCB info for
// fmspc with the highest tcbEvaluationDataNumber issued by now, likewise
// the TD_QE identity, every *tcb_signing_chain*.pem, the CRLs told apart
// by their issuer, pckcrl_issuer_chain.pem if present.
// clock_skew: a file issued up to this after now is still a candidate.
std::unique_ptr<CollateralSource> MakeDirectoryCollateralSource(const std::string& dir,
                                                                int64_t clock_skew = 60);

// The collateral after every check, ready for the PCK chain and TCB status.
struct VerifiedTdxCollateral {
  TdxTcbInfo tcb_info;
  QeIdentity qe_identity;
  std::vector<X509CrlPtr> crls;  // root CA CRL, PCK CA CRL (those present)
  // Both CRLs present.  Otherwise (CheckRevocation no) the PCK chain is
  // checked against the one there is, for the certificates it covers.
  bool crls_complete = false;
  // Earliest nextUpdate among the documents and CRLs.
  std::time_t next_update = 0;
  bool stale = false;  // used within CollateralGrace
  // When to judge a chain against crls: now, or within grace the earliest
  // CRL nextUpdate (the last moment every CRL was current).
  std::time_t chain_time = 0;
  std::string origin;
};

// Checks c for fmspc/pce_id/ca at now: the Root CA CRL signed by an anchor,
// the issuer chains up to anchors and not revoked, the TCB Signing key's
// signatures over the exact signed text, the PCK CRL signed by the PCK CA,
// FMSPC and PCE-ID, dates (nextUpdate, CollateralGrace, MaxAge), the
// minimum evaluation data number, and CRL presence (CheckRevocation).
// Each refusal names its check ("root ca crl", "pck crl", "tcb info",
// "tcb info signature", "tcb info fmspc", "qe identity", "tcb signing
// chain", "tcb evaluation data number").
// pce_id: nullptr skips the PCE-ID check (a source verifying before it
// caches does not know the platform's PCE-ID; the verifier does).
Status VerifyTdxCollateral(const TdxCollateral& c, const Fmspc& fmspc,
                           const std::array<uint8_t, 2>* pce_id, PckCa ca,
                           const std::vector<X509*>& anchors, const CollateralOptions& opt,
                           std::time_t now, VerifiedTdxCollateral* out);

// For one quote: its PCK CA from pck_leaf's issuer, the collateral for
// pck's FMSPC from src (within timeout_ms), and VerifyTdxCollateral with
// pck's PCE-ID.  What the TDX verifier calls before its PCK chain check.
Status LoadVerifiedTdxCollateral(CollateralSource& src, X509* pck_leaf, const PckExtensions& pck,
                                 const std::vector<X509*>& anchors, const CollateralOptions& opt,
                                 std::time_t now, long timeout_ms, VerifiedTdxCollateral* out);

// The quote's PCK chain against anchors with the collateral's CRLs (at
// v.chain_time), and its certificates' validity at now.
Status VerifyPckChainWithCollateral(X509* leaf, const std::vector<X509*>& untrusted,
                                    const std::vector<X509*>& anchors,
                                    const VerifiedTdxCollateral& v, std::time_t now);

// What TcbGracePeriod adds to the TCB status.
struct TdxTcbGrace {
  // The platform has been OutOfDate since this (the next newer level's
  // tcbDate); 0 when the status is not OutOfDate by the platform's level.
  std::time_t out_of_date_since = 0;
  bool within_grace = false;  // now <= since + TcbGracePeriod
};

// The quote's QE against the verified QE identity, then the TCB status
// (ComputeTdxTcbStatus) and TcbGracePeriod.  out->status is Intel's
// status, unchanged; grace says whether an OutOfDate is forgiven.
Status EvaluateTdxTcbWithCollateral(const TdxQuote& q, const PckExtensions& pck,
                                    const VerifiedTdxCollateral& v, const CollateralOptions& opt,
                                    std::time_t now, TdxTcbResult* out, TdxTcbGrace* grace);

// AllowedTcbStatus with TcbGracePeriod: status is allowed, or it is
// OutOfDate (OutOfDateConfigurationNeeded) within grace and UpToDate
// (ConfigurationNeeded) is allowed.
bool TcbStatusAllowed(const std::string& status, const TdxTcbGrace& grace,
                      const std::vector<std::string>& allowed);

}  // namespace ra
