// The SEV-SNP evidence kind (snp-report, companions snp-certs / snp-vcek)
// and its policy section, for the kind registry.
#pragma once

#include "common/evidence.h"
#include "policy/policy_keywords.h"

namespace ra {

const EvidenceKind* SnpReportKind();
const PolicySection& SnpPolicySection();

}  // namespace ra
