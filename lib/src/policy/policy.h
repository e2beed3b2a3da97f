// The relying party's policy: what evidence it accepts, rooted where, with
// which reference values.  Parsed from a small OpenSSH-style file
// (docs/policy.md); the same file serves ssh's AttestationPolicy and
// `ssh-attest verify --policy`.  This layer only says what is acceptable;
// verify/ decides whether evidence is genuine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

// The parsed certificates of a TrustAnchor file (verify/x509_util.h).
struct TrustAnchorCerts;

struct Policy {
  std::string source = "built-in default";  // file name, for messages

  // Evidence types accepted (AcceptEvidence). Default: tdx-quote.
  std::vector<std::string> accepted_types{kEvidenceTdxQuote, kEvidenceTdxQuoteSha512};

  // RequireEvidence: types that must each be present (and, being accepted,
  // verify), e.g. a token and the raw quote behind it, so that neither the
  // service nor the hardware path alone is trusted.  Empty: any one
  // accepted item suffices.  Always a subset of accepted_types.
  std::vector<std::string> required_types;

  // TrustAnchor tdx PATH: PEM root certificate(s).  Empty: the built-in
  // production Intel SGX Root CA.
  std::string tdx_trust_anchor;
  // Those certificates, parsed once when the policy is loaded, so that a
  // verification does not parse the file again (and judges the same
  // certificates the load checked).  Null when the policy was built by
  // hand with only the path: the verifier then reads the file itself.
  std::shared_ptr<const TrustAnchorCerts> tdx_anchor_certs;

  // Collateral DIR: Intel TCB info, QE identity, TCB signing chain and CRLs
  // (docs/policy.md lists the file names).  Empty: TCB status not evaluated.
  std::string collateral_dir;

  // Reference values; an empty list accepts any value.  Each entry is the
  // exact field (48 bytes for MRTD/RTMR/MRSEAM).
  std::vector<Bytes> mrtd;
  std::vector<Bytes> rtmr[4];
  std::vector<Bytes> mrseam;

  bool allow_debug = false;  // AllowDebug

  // AllowedTcbStatus, used when collateral is supplied.
  std::vector<std::string> allowed_tcb_status{"UpToDate"};

  // MaxAge SECONDS: oldest acceptable evidence timestamp (tokens, TCB
  // collateral issue date); 0 = no limit.
  int64_t max_age = 0;

  // ClockSkew SECONDS tolerated on timestamps.
  int64_t clock_skew = 60;

  // Attestation-service tokens (maa-token).  Issuer URL, repeatable:
  // instances trusted to sign, normalized (NormalizeHttpsUrl) and matched
  // exactly against a token's iss and jku.
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

  // Debug messages while verifying (why a cached key set was not used,
  // say); unset: silent.  Never decides anything.
  std::function<void(const std::string&)> debug;
};

// Parses the PEM certificates of a TrustAnchor file into
// policy->tdx_anchor_certs and sets policy->tdx_trust_anchor.
Status LoadTdxTrustAnchor(const std::string& path, Policy* policy);

// text: whole file; name: used in "name:line: ..." errors.
Status ParsePolicy(const std::string& text, const std::string& name,
                   Policy* out);
Status LoadPolicyFile(const std::string& path, Policy* out);

}  // namespace ra
