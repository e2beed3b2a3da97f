// The relying party's policy: what evidence it accepts, rooted where, with
// which reference values.  Parsed from a small OpenSSH-style file
// (docs/policy.md); the same file serves ssh's AttestationPolicy and
// `ssh-attest verify --policy`.  This layer only says what is acceptable;
// verify/ decides whether evidence is genuine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

// The parsed certificates of a TrustAnchor file (verify/x509_util.h).
struct TrustAnchorCerts;

// What every policy says, whatever the kinds: which evidence, and times.
// Keywords: policy/policy_file.cpp.
struct CommonPolicy {
  std::string source = "built-in default";  // file name, for messages

  // Evidence types accepted (AcceptEvidence).  Default: the hardware-rooted
  // kinds whose roots are built in: plain TDX quotes and SEV-SNP reports
  // (docs/design.md).
  std::vector<std::string> accepted_types{kEvidenceTdxQuote, kEvidenceTdxQuoteSha512,
                                          kEvidenceSnpReport};

  // RequireEvidence: types that must each be present (and, being accepted,
  // verify), e.g. a token and the raw quote behind it, so that neither the
  // service nor the hardware path alone is trusted.  Empty: any one
  // accepted item suffices.  Always a subset of accepted_types.
  std::vector<std::string> required_types;

  // MaxAge SECONDS: oldest acceptable evidence timestamp (tokens, TCB
  // collateral issue date); 0 = no limit.
  int64_t max_age = 0;

  // ClockSkew SECONDS tolerated on timestamps.
  int64_t clock_skew = 60;

  // AcceptCachedEvidence yes: evidence the server made earlier for its host
  // key (ra-ssh AttestationCache), no older than MaxEvidenceAge seconds by
  // its stated time, is accepted as well as evidence bound to this
  // session (verify/cached_evidence.h).  Default no: only the latter.
  bool accept_cached_evidence = false;
  int64_t max_evidence_age = 0;

  // Debug messages while verifying (why a cached key set was not used,
  // say); unset: silent.  Never decides anything.
  std::function<void(const std::string&)> debug;
};

// The TDX section (kinds tdx-quote, tdx-quote-sha512, azure-tdx-quote,
// and maa-token's TDX claims).  Keywords: policy/tdx_policy_keywords.cpp.
struct TdxPolicyValues {
  // TrustAnchor tdx PATH: PEM root certificate(s).  Empty: the built-in
  // production Intel SGX Root CA.
  std::string tdx_trust_anchor;
  // Those certificates, loaded once with the policy (verify/
  // policy_materials.cpp), so that a verification does not parse the file
  // again (and judges the same certificates the load checked).  Null when
  // the policy was built by hand with only the path: the verifier then
  // reads the file itself.
  std::shared_ptr<const TrustAnchorCerts> tdx_anchor_certs;

  // Collateral DIR: Intel TCB info, QE identity, TCB signing chain and CRLs
  // (docs/policy.md lists the file names).  Collateral https://URL: fetched
  // from Intel's PCS or a PCCS (collateral_url, normalized).  At most one
  // of the two; both empty: TCB status not evaluated.
  std::string collateral_dir;
  std::string collateral_url;
  // CollateralCA FILE: PEM CA(s) for TLS to collateral_url.
  std::string collateral_ca_file;
  // CollateralCache DIR|none: fetched collateral kept between processes.
  // Empty: no cache on disk.  collateral_cache_given: the file said either,
  // so a caller's default (ra_policy_set_default_collateral_cache) does
  // not apply.
  std::string collateral_cache;
  bool collateral_cache_given = false;
  // CollateralGrace SECONDS past nextUpdate (with a warning); CheckRevocation;
  // MinTcbEvaluationDataNumber; TcbGracePeriod (DAYS, kept in seconds);
  // CollateralMaxAge SECONDS on issueDate (MaxAge is for tokens).
  int64_t collateral_grace = 0;
  bool check_revocation = true;
  int64_t min_tcb_evaluation_data_number = 0;
  int64_t tcb_grace_period = 0;
  int64_t collateral_max_age = 0;

  bool HasCollateral() const { return !collateral_dir.empty() || !collateral_url.empty(); }

  // Reference values; an empty list accepts any value.  Each entry is the
  // exact field (48 bytes for MRTD/RTMR/MRSEAM).
  std::vector<Bytes> mrtd;
  std::vector<Bytes> rtmr[4];
  std::vector<Bytes> mrseam;

  // MRCONFIGID, MROWNER, MROWNERCONFIG, MRSERVICETD (48 bytes each; a
  // pinned MRSERVICETD refuses quotes whose body has none, TDX 1.0).
  std::vector<Bytes> mrconfigid, mrowner, mrownerconfig, mrservicetd;
  // Xfam: allowed XFAM values, 8 bytes each as in the quote (little-endian).
  std::vector<Bytes> xfam;
  // TeeTcbSvn: minimum TEE_TCB_SVN, 16 bytes, compared byte by byte (each
  // component at least the policy's); empty: unchecked.
  Bytes min_tee_tcb_svn;

  // TdAttributes.  Unset: any named bit but DEBUG may be set, reserved
  // bits refuse.  Set: only td_attributes_allowed bits (and those a
  // mask:value permits) may be set, and each mask:value must hold.  Bit n
  // of TDATTRIBUTES is bit n of the little-endian 64-bit value.
  bool td_attributes_given = false;
  uint64_t td_attributes_allowed = 0;
  std::vector<std::pair<uint64_t, uint64_t>> td_attributes_masks;  // mask, value

  bool allow_debug = false;  // AllowDebug

  // AllowedTcbStatus, used when collateral is supplied.
  std::vector<std::string> allowed_tcb_status{"UpToDate"};
};

// The attestation-service token section (maa-token).  Keywords:
// policy/issuer_policy_keywords.cpp.
struct IssuerPolicyValues {
  // Issuer URL, repeatable: instances trusted to sign, normalized
  // (NormalizeHttpsUrl) and matched exactly against a token's iss and jku.
  std::vector<std::string> issuers;
  // IssuerKeys FILE: a pinned JWKS.  IssuerKey KID PEMFILE (repeatable): a
  // pinned public key for one kid.  With either, keys are never fetched.
  std::string issuer_keys_file;
  std::vector<std::pair<std::string, std::string>> issuer_key_pems;
  // IssuerCA FILE: PEM CA(s) for TLS to {Issuer}/certs instead of the
  // system store.
  std::string issuer_ca_file;
  // IssuerKeyCache DIR|none: where keys fetched from {Issuer}/certs are
  // kept between processes (ssh runs one per connection).  Empty: no
  // cache on disk.  issuer_key_cache_given: the file said either, so a
  // caller's default (ra_policy_set_default_key_cache) does not apply.
  std::string issuer_key_cache;
  bool issuer_key_cache_given = false;
};

// A kind added later keeps its values in its own files: a struct derived
// from PolicySectionValues, found by its section name (Policy::Section).
struct PolicySectionValues {
  virtual ~PolicySectionValues() = default;
};

// The relying party's whole policy: the common part and one part per
// section.  Fields of the built-in sections are reached directly
// (policy.mrtd, policy.issuers).
struct Policy : CommonPolicy, TdxPolicyValues, IssuerPolicyValues {
  std::map<std::string, std::shared_ptr<PolicySectionValues>> sections;

  // The values of section name, created empty on first use.
  template <typename T>
  T* Section(const std::string& name) {
    auto& slot = sections[name];
    if (!slot) slot = std::make_shared<T>();
    return static_cast<T*>(slot.get());
  }
  template <typename T>
  const T* Section(const std::string& name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : static_cast<const T*>(it->second.get());
  }
};

// Parses the PEM certificates of a TrustAnchor file into
// policy->tdx_anchor_certs and sets policy->tdx_trust_anchor (verify/
// policy_materials.cpp: loading is the verify layer's).
Status LoadTdxTrustAnchor(const std::string& path, Policy* policy);

// text: whole file; name: used in "name:line: ..." errors.  Keywords come
// from the sections' tables (policy/policy_keywords.h); what a keyword
// names (certificates, keys) is loaded once, here, by its section.
Status ParsePolicy(const std::string& text, const std::string& name,
                   Policy* out);
Status LoadPolicyFile(const std::string& path, Policy* out);

}  // namespace ra
