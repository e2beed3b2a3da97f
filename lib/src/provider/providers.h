// Constructors of the built-in providers; OpenProvider() (provider
// registry) maps a spec string onto them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/evidence.h"

namespace ra {

// "sim:DIR[;delay=MS|MSms|Ss]": software TDX quotes signed by DIR's test PCK chain
// (delay: each Collect is that much slower and logged, a test aid).
Status OpenSimTdxProvider(const std::string& arg,
                          std::unique_ptr<EvidenceProvider>* out);

// "configfs-tsm[:PATH]": the Linux TSM report ABI (Linux >= 6.7).
Status OpenConfigfsTsmProvider(const std::string& path,
                               std::unique_ptr<EvidenceProvider>* out);

// "sim-snp:DIR": a software SEV-SNP guest made by `ssh-attest sim-init
// --snp DIR` (snp-report + snp-certs, chained to DIR/ark.pem).
Status OpenSimSnpProvider(const std::string& dir, std::unique_ptr<EvidenceProvider>* out);

constexpr const char* kDefaultTsmReportPath = "/sys/kernel/config/tsm/report";

// "trustauthority-cli:PATH[;acpi=DIR|none][;service=URL][;ca=FILE][;timeout=S]":
// Intel Trust Authority's CLI; its quotes carry SHA-512(binding) in
// REPORTDATA (evidence type kEvidenceTdxQuoteSha512, with the CCEL log
// from DIR as tdx-eventlog), or, from its Azure build, come
// as Azure evidence (which a service can turn into a token).  spec: after
// "trustauthority-cli:".
Status OpenTrustAuthorityCliProvider(const std::string& spec, int timeout_seconds,
                                     std::unique_ptr<EvidenceProvider>* out);
constexpr int kTrustAuthorityCliTimeout = 30;

// Azure-shaped evidence (provider/attestation_service_client.cpp):
// REPORTDATA = SHA-256(runtime JSON) || zeros, the runtime JSON carrying
// the binding as "user-data"; optionally exchanged for an Azure
// Attestation token.  Spec "sim-azure:DIR[;service=URL][;ca=FILE][;timeout=S]".
// Not evidence: why a token that was asked for is missing (the service's
// one-line error, kEvidenceServiceError); sshd sends it whatever types the
// client listed.
constexpr size_t kMaxServiceErrorLen = 256;
constexpr int kMaxServiceTimeout = 10;  // seconds, connect + transfer

struct AttestationServiceOptions {
  std::string url;      // normalized https base URL; "" = no service
  std::string ca_file;  // PEM CA(s) instead of the system store; "" = system
  int timeout_seconds = kMaxServiceTimeout;
};

// {"user-data":"<binding, 128 upper-case hex digits>"}: the exact bytes
// hashed into REPORTDATA.
std::string AzureRuntimeJson(const Binding& binding);
// Splits "BASE;service=URL;ca=FILE;timeout=S" into BASE and the options
// (checked: https URL, readable absolute CA file, 1..10 s).  Keys listed in
// extra_keys are the provider's own and go, unchecked, to *extra.
Status ParseAttestationServiceSpec(const std::string& spec, std::string* base,
                                   AttestationServiceOptions* out,
                                   const std::vector<std::string>& extra_keys = {},
                                   std::map<std::string, std::string>* extra = nullptr);
// POST {url}/attest/TdxVm with the quote and runtime data (base64url, as
// Azure Attestation takes them); *token is the returned JWT.
Status RequestMaaToken(const AttestationServiceOptions& service, ByteView quote,
                       ByteView runtime_data, std::string* token);
// "azure-vtpm[;tcti=CONF][;imds=URL][;thim=URL][;lock=FILE][;pcrs=LIST|none]
// [;banks=LIST][;eventlog=PATH|none][;ima=PATH|none][;hclcache=S]
// [;cachedir=DIR][;service=URL][;ca=FILE][;timeout=S]"
// (provider/azure_vtpm_provider.cpp): an Azure TDX or SEV-SNP CVM's vTPM
// and IMDS (TD quote, or THIM's SNP certificates).
// options: the spec after "azure-vtpm".
Status OpenAzureVtpmProvider(const std::string& options,
                             std::unique_ptr<EvidenceProvider>* out);

// Appends "azure-tdx-quote" and "azure-runtime-data" and, with a service
// configured (service.url set), the service's "maa-token" for the two.
// A service that fails does not fail the evidence: the raw items go out
// with a "service-error" item instead of the token, so a client that
// verifies the quote itself is not locked out by an outage.
Status AppendAzureEvidence(const AttestationServiceOptions& service, Bytes quote,
                           Bytes runtime_json, std::vector<EvidenceItem>* out);

// Wraps a raw TDX quote source (its kEvidenceTdxQuote items) as above.
Status OpenAzureEvidenceProvider(std::unique_ptr<EvidenceProvider> quotes,
                                 const AttestationServiceOptions& service,
                                 std::unique_ptr<EvidenceProvider>* out);

}  // namespace ra
