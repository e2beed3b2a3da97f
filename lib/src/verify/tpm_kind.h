// Kind tpm-quote (issue 11): a TPM 2.0 quote whose extraData is the
// session binding, with its signature and PCR values, and optionally the
// boot event log, the IMA list and what vouches for the attestation key.
// Trust in the AK, in this order (the first that signs the quote wins):
//   pinned   TpmAk FILE: PEM public key(s) the operator enrolled;
//   ak-cert  a tpm-ak-cert item chaining to TpmAkCA at the verification
//            time, whose key signs;
//   azure-tdx  an azure-hcl-report whose runtime JSON's HCLAkPub signs, and
//            whose TD report an azure-tdx-quote item (Intel chain, TDX
//            appraisal) carries, with REPORTDATA[0:32] = SHA-256(runtime
//            JSON);
//   nothing else: an AK of unknown origin is refused.
#pragma once

#include "common/evidence.h"
#include "policy/policy_keywords.h"

namespace ra {

const EvidenceKind* TpmQuoteKind();
const PolicySection& TpmPolicySection();

}  // namespace ra
