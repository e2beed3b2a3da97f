// The evidence model every kind plugs into.  An answer is an ordered list
// of typed items; each evidence kind (verify/kind_registry.cpp lists them)
// is described once by an EvidenceKind: its wire type, the companion items
// it needs, its verification (signatures, chains, binding, collateral ->
// claims) and its appraisal of those claims against the policy (reference
// values, TCB status, debug).  ra::Evaluate (verify/evaluate.h) is the one
// caller of both; providers (attester side) turn a binding into items.
#pragma once

#include <any>
#include <array>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "ra_attest.h"

namespace ra {

constexpr size_t kBindingLen = RA_BINDING_LEN;
using Binding = std::array<uint8_t, kBindingLen>;

// Wire type names: defined once, in ra_attest.h (C callers see them too).
constexpr const char kEvidenceTdxQuote[] = RA_EVIDENCE_TDX_QUOTE;
constexpr const char kEvidenceTdxQuoteSha512[] = RA_EVIDENCE_TDX_QUOTE_SHA512;
constexpr const char kEvidenceMaaToken[] = RA_EVIDENCE_MAA_TOKEN;
constexpr const char kEvidenceAzureTdxQuote[] = RA_EVIDENCE_AZURE_TDX_QUOTE;
constexpr const char kEvidenceAzureRuntimeData[] = RA_EVIDENCE_AZURE_RUNTIME_DATA;
constexpr const char kEvidenceTdxEventLog[] = RA_EVIDENCE_TDX_EVENTLOG;
constexpr const char kEvidenceSnpReport[] = RA_EVIDENCE_SNP_REPORT;
constexpr const char kEvidenceSnpCerts[] = RA_EVIDENCE_SNP_CERTS;
constexpr const char kEvidenceSnpVcek[] = RA_EVIDENCE_SNP_VCEK;
constexpr const char kEvidenceAzureSnpReport[] = RA_EVIDENCE_AZURE_SNP_REPORT;
constexpr const char kEvidenceServiceError[] = RA_EVIDENCE_SERVICE_ERROR;
constexpr const char kEvidenceTpmQuote[] = RA_EVIDENCE_TPM_QUOTE;
constexpr const char kEvidenceTpmSignature[] = RA_EVIDENCE_TPM_SIGNATURE;
constexpr const char kEvidenceTpmPcrs[] = RA_EVIDENCE_TPM_PCRS;
constexpr const char kEvidenceTpmEventLog[] = RA_EVIDENCE_TPM_EVENTLOG;
constexpr const char kEvidenceImaLog[] = RA_EVIDENCE_IMA_LOG;
constexpr const char kEvidenceTpmAkCert[] = RA_EVIDENCE_TPM_AK_CERT;
constexpr const char kEvidenceAzureHclReport[] = RA_EVIDENCE_AZURE_HCL_REPORT;

struct EvidenceItem {
  std::string type;  // wire type, e.g. kEvidenceTdxQuote
  Bytes data;
};

struct Policy;  // policy/policy.h

// What a kind's verification established.  fields: every value, in full
// and in a stable order, for summaries, `ssh-attest` and ra_verdict_field();
// typed: the kind's own claims structure, which its Appraise reads.
struct VerifiedClaims {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;  // ordered
  std::any typed;
};

// When what a verification fetches (collateral, keys) must have arrived:
// the rest of the connection's AttestationTimeout.  Default-constructed:
// no deadline (each fetcher's own bound).
using FetchDeadline = std::chrono::steady_clock::time_point;

struct VerifyContext {
  const Policy* policy = nullptr;
  Binding binding{};
  // false: no binding to compare (`ssh-attest verify` without
  // --report-data); claims then say binding_checked=no.  ssh always binds.
  bool check_binding = true;
  std::time_t now = 0;  // verification time (certificate validity, ages)
  FetchDeadline deadline{};  // fetches end by this (explicit, as go-tdx-guest's options)
  const Binding* binding_or_null() const { return check_binding ? &binding : nullptr; }
};

// Which claims of a kind known attestations record (trust on first use,
// policy/known_attestations.h): the record's kind name and the claim
// fields, in order.  kind nullptr: the kind has no record.
struct KnownRecordSpec {
  const char* kind = nullptr;
  std::vector<std::string> fields;
};

class EvidenceKind {
 public:
  virtual ~EvidenceKind() = default;
  // The wire type this kind verifies.
  virtual const char* type() const = 0;
  // Items that must travel with this one (asked for with it, verified as
  // part of it, never on their own), e.g. azure-runtime-data.
  virtual std::vector<std::string> companions() const { return {}; }
  // Genuineness: parse, signatures, chains, collateral, the binding.
  // item is one of all (companions are found there).  No reference values.
  virtual Status Verify(const EvidenceItem& item, const std::vector<EvidenceItem>& all,
                        const VerifyContext& ctx, VerifiedClaims* out) const = 0;
  // Appraisal of claims this kind's Verify produced against the policy.
  virtual Status Appraise(const VerifiedClaims& claims, const Policy& policy) const = 0;
  // The one-line summary (ssh -v, sshd's log).  Default: mrtd (first 16
  // digits), tcb_status and a DEBUG-TD marker when those fields exist.
  virtual std::string Summary(const VerifiedClaims& claims) const;
  // What known attestations remember of this kind's claims.  Default: none.
  virtual KnownRecordSpec KnownFields() const { return {}; }
  // The policy lines that would pin what these claims measured, ready for
  // a policy file (`ssh-attest scan` / `ssh-attest policy`): "KEYWORD
  // VALUE", one per element, in the kind's order.  Default: none.
  virtual std::vector<std::string> PinLines(const VerifiedClaims&) const { return {}; }
};

// The one instance of a kind class, for its registry entry.
template <typename K>
const EvidenceKind* KindInstance() {
  static const K kKind;
  return &kKind;
}

// Kept for callers that only verify: the kind is the verifier.
using EvidenceVerifier = EvidenceKind;

// nullptr for an unknown type (which Evaluate skips).
const EvidenceKind* FindKind(const std::string& type);
inline const EvidenceKind* FindVerifier(const std::string& type) { return FindKind(type); }
// Every registered kind, in registry order.
const std::vector<const EvidenceKind*>& AllKinds();
// Wire types a policy may name in AcceptEvidence / RequireEvidence.
bool IsKnownEvidenceType(const std::string& type);
// Value of a claim field, "" when absent.
std::string ClaimField(const VerifiedClaims& c, const std::string& name);

class EvidenceProvider {
 public:
  virtual ~EvidenceProvider() = default;
  virtual Status Collect(const Binding& binding,
                         std::vector<EvidenceItem>* out) = 0;
};

// spec as in ra_provider_open() (provider/provider_registry.cpp).
Status OpenProvider(const std::string& spec,
                    std::unique_ptr<EvidenceProvider>* out);
// The spec's form only; no file or device is touched.
Status CheckProviderSpec(const std::string& spec);
// As ra_provider_uses_helper(); service "" or "none": unset.
bool ProviderUsesHelper(const std::string& spec, const std::string& service);
// As ra_provider_spec_compose(); empty strings are unset.
Status ComposeProviderSpec(const std::string& provider, const std::string& tool_path,
                           const std::string& service, const std::string& service_ca,
                           std::string* out);

}  // namespace ra
