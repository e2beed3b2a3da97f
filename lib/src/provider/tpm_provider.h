// "tpm": evidence from any TPM 2.0 through tpm2-tss ESAPI.
//
// Spec: "tpm[;tcti=CONF][;ak=HANDLE|FILE][;akcert=FILE][;pcrs=LIST]
//        [;banks=BANK,...][;eventlog=PATH|none][;ima=PATH|none]"
//   tcti      tpm2-tss TCTI configuration (default device:/dev/tpmrm0)
//   ak        persistent handle 0x81xxxxxx or an absolute path to the file
//             `ssh-attest tpm-init --out` wrote (default 0x81000003)
//   akcert    an AK certificate sent as is as tpm-ak-cert: a file, or
//             nv:0x01xxxxxx, an NV index holding it (Azure: nv:0x01c101d0)
//   pcrs      e.g. "0-7,11-14" (the default), PCRs 0..23
//   banks     e.g. "sha256" (the default), "sha256,sha384"
//   eventlog  the TCG binary event log (default the kernel's securityfs
//             file); ima the IMA list (default the kernel's); "none" to
//             leave one out.  A default file that cannot be read is left
//             out; a configured one that cannot be read is an error.
//
// Collect(binding): TPM2_PCR_Read of the selected PCRs (at most 8 per
// call), TPM2_Quote with qualifyingData = the 64-byte binding, and a check
// that the values read are the ones quoted (digest over them == the
// quote's pcrDigest; a PCR extended between the two is retried, up to
// kTpmQuoteAttempts times).  A TPM that refuses 64 bytes of qualifyingData
// (one without SHA-512: TPM2B_DATA is as large as its largest digest) is
// an error; no hashed variant is made, since clients check extraData ==
// binding.
//
// Items, in this order: tpm-quote (TPMS_ATTEST bytes as signed),
// tpm-signature (TPMT_SIGNATURE, marshalled), tpm-pcrs (JSON of
// parse/tpm_pcrs.h), then when present tpm-ak-cert, tpm-eventlog, ima-log.
// A log over kMaxTpmLogItemLen, or logs that together would overflow the
// response (kMaxTpmLogsTotalLen), fail Collect with an error naming the
// file and the eventlog=none / ima=none way out: leaving evidence out
// silently would show only as a client's "missing item".
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "provider/tpm_ak.h"

namespace ra {

constexpr uint32_t kDefaultTpmAkHandle = 0x81000003;
constexpr const char* kDefaultTpmEventLog =
    "/sys/kernel/security/tpm0/binary_bios_measurements";
constexpr const char* kDefaultImaLog =
    "/sys/kernel/security/ima/binary_runtime_measurements";
// RA_MAX_EVIDENCE_ITEM_LEN; and the whole response is at most 240 KiB
// (docs/protocol.md), of which the quote, signature and PCRs take < 8 KiB.
constexpr size_t kMaxTpmLogItemLen = 256 * 1024;
constexpr size_t kMaxTpmLogsTotalLen = 224 * 1024;
constexpr size_t kMaxTpmAkCertLen = 16 * 1024;
constexpr int kTpmQuoteAttempts = 3;

struct TpmProviderOptions {
  std::string tcti = kDefaultTcti;
  TpmAkRef ak;  // handle kDefaultTpmAkHandle unless given
  std::string ak_cert_file;
  uint32_t ak_cert_nv = 0;  // nonzero: the certificate's NV index
  std::vector<uint16_t> banks;          // TPM_ALG_IDs, ascending
  std::vector<uint32_t> pcrs;           // ascending
  std::string eventlog, ima;            // "" = none
  bool eventlog_optional = true, ima_optional = true;  // default paths
  // Tests only: runs after the PCRs were read and before the quote, on the
  // provider's own TPM connection (swtpm serves one at a time).
  std::function<void(ESYS_CONTEXT*, int attempt)> between_read_and_quote;
};

// "0-7,11-14" style lists (PCRs 0..23) and "sha256,sha384" bank lists,
// as in the spec; sorted, each once.
Status ParseTpmPcrList(const std::string& text, std::vector<uint32_t>* out);
Status ParseTpmBanks(const std::string& text, std::vector<uint16_t>* out);

// The quote part of Collect on an open session (azure-vtpm uses it with
// its platform AK): appends tpm-quote, tpm-signature, tpm-pcrs for o.ak,
// o.banks and o.pcrs; *out is unchanged on failure.
Status AppendTpmQuote(ESYS_CONTEXT* ctx, const TpmProviderOptions& o, const Binding& binding,
                      std::vector<EvidenceItem>* out);

// The AK certificate in NV index (owner-readable, <= kMaxTpmAkCertLen) as
// tpm-ak-cert; with optional, an index that is not defined adds nothing.
Status AppendTpmAkCertFromNv(ESYS_CONTEXT* ctx, uint32_t index, bool optional,
                             std::vector<EvidenceItem>* out);

// tpm-ak-cert from o.ak_cert_file, then tpm-eventlog and ima-log (as
// Collect sends them; azure-vtpm too), the logs together at most
// logs_budget bytes.
Status AppendTpmFiles(const TpmProviderOptions& o, size_t logs_budget,
                      std::vector<EvidenceItem>* items);

// One key=value of the spec (azure-vtpm takes eventlog= and ima= so).
Status ApplyTpmProviderOption(const std::string& key, const std::string& value,
                              TpmProviderOptions* o);

// options: the spec after "tpm" ("" or ";key=value...").
Status ParseTpmProviderSpec(const std::string& options, TpmProviderOptions* out);

// Opens the TPM once (a wrong TCTI or a missing AK shows at sshd start-up).
Status OpenTpmProvider(const std::string& options, std::unique_ptr<EvidenceProvider>* out);
Status OpenTpmProvider(const TpmProviderOptions& opt, std::unique_ptr<EvidenceProvider>* out);

}  // namespace ra
