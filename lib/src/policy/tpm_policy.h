// The TPM section of the policy (kind tpm-quote, issue 11): where trust in
// the attestation key comes from (TpmAk, TpmAkCA; Azure's HCL report needs
// no keyword) and the appraisal of what a verified quote established: PCR
// values, events of the verified boot log, Secure Boot, the IMA list.
// Unset = not checked.  Keywords: policy/tpm_policy_keywords.cpp; the
// files they name are read by verify/tpm_kind.cpp (the section's load).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"
#include "parse/tpm_pcrs.h"
#include "policy/policy_keywords.h"

namespace ra {

constexpr const char kTpmPolicySection[] = "tpm";

struct TpmBootEventPin {
  uint32_t pcr = 0;
  uint16_t bank = 0;
  Bytes digest;
};

struct TpmPolicyValues : PolicySectionValues {
  // TpmAk FILE (repeatable): PEM public keys; TpmAkCA FILE: PEM CA(s).
  std::vector<std::string> ak_files;
  std::string ak_ca_file;
  // Loaded by the section's load (verify/tpm_kind.cpp).
  std::vector<std::shared_ptr<EVP_PKEY>> ak_keys;
  std::vector<std::shared_ptr<X509>> ak_ca_certs;
  // PCR<n> BANK:HEX[,HEX...]: (pcr, bank) -> acceptable values.
  std::map<std::pair<uint32_t, uint16_t>, std::vector<Bytes>> pcr_values;
  std::vector<TpmBootEventPin> boot_events;  // BootEvent PCR BANK:HEX
  bool require_secure_boot = false;          // SecureBoot yes
  // ImaAllowlist FILE (sha256sum format; sha1sum, sha384sum, sha512sum
  // lines too, told apart by length) and ImaExclude PREFIX.
  std::string ima_allowlist_file;
  // path -> acceptable (algorithm name, digest)
  std::map<std::string, std::set<std::pair<std::string, Bytes>>> ima_allowlist;
  std::vector<std::string> ima_exclude;
};

// One event of the boot log in a bank whose replay reproduced the quoted
// PCR (so its digest is as trustworthy as the quote).
struct TpmVerifiedEvent {
  uint32_t pcr = 0;
  uint16_t bank = 0;
  Bytes digest;
};

struct TpmImaFile {
  std::string path;
  std::string digest_alg;  // "sha256", ...; "" when the template has none
  Bytes digest;
  bool decoded = false;
  std::string template_name;
};

// What Verify established (the typed claims of tpm-quote).
struct TpmClaims {
  TpmPcrValues pcrs;  // quoted, signed values only
  std::string ak_trust;  // "pinned", "ak-cert", "azure-tdx", "azure-snp"
  bool eventlog_present = false;
  std::vector<TpmVerifiedEvent> events;
  int secure_boot = -1;  // -1 unknown (no verified PCR 7 log), 0 no, 1 yes
  bool ima_present = false;
  bool ima_verified = false;  // a prefix replayed to the quoted PCR 10
  size_t ima_entries = 0;     // entries in the list sent
  // The entries the quote covers (the prefix that replays to PCR 10; the
  // list may have grown after the quote), empty when not verified.
  std::vector<TpmImaFile> ima_files;
  // Azure: the TDX (or SNP) claims of the hardware report that vouched
  // for the AK (appraised with the TDX or SNP section), empty otherwise.
  std::shared_ptr<VerifiedClaims> tdx;
  std::shared_ptr<VerifiedClaims> snp;
};

// The TPM section of p, nullptr when the policy has none.
const TpmPolicyValues* TpmPolicyOf(const Policy& p);

// PCR pins, boot events, Secure Boot, IMA allowlist; check "tpm policy".
Status AppraiseTpmClaims(const TpmClaims& c, const TpmPolicyValues& v);

std::vector<PolicyKeyword> TpmPolicyKeywords();

// The policy lines that pin c's PCRs (EvidenceKind::PinLines).
std::vector<std::string> TpmPinLines(const TpmClaims& c);

}  // namespace ra
