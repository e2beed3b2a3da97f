// The policy file's keywords, as tables (OpenSSH's readconf.c keeps its
// keywords so).  Each section (the common one, and one per family of
// evidence kinds) owns its keywords and their values; a new kind adds a
// section and registers it (PolicySections, verify/kind_registry.cpp)
// without touching the common parser (policy_file.cpp).
//
// A keyword's apply only records what the line says (paths resolved,
// values checked for form); the section's load, from the verify layer,
// then reads what the line names (certificates, keys) once, at that line,
// so a broken file stops the program at start-up with file and line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"

namespace ra {

// One line of the file, split.
struct PolicyLine {
  std::vector<std::string> tok;  // tok[0]: the keyword as written
  std::string base_dir;          // of the policy file, for relative paths
  // path as an absolute path, or relative to the file's directory.
  std::string Resolve(const std::string& path) const;
};

struct PolicyKeyword {
  const char* name;  // canonical spelling (matched case-insensitively)
  size_t args;       // exactly this many arguments
  // Repeatable keywords accumulate; any other may appear once (per first
  // argument when per_first_arg, as TrustAnchor KIND).
  bool repeatable;
  bool per_first_arg;
  Status (*apply)(const PolicyLine& line, Policy* pol);
  // Non-null: this entry handles the keyword only when its first argument
  // is this word (case-insensitively), so that sections can share a
  // keyword: "TrustAnchor tdx" is the TDX section's, "TrustAnchor snp"
  // the SNP section's.
  const char* first_arg = nullptr;
};

struct PolicySection {
  const char* name;
  std::vector<PolicyKeyword> keywords;
  // Reads what keyword (lower case) on the line just applied names; nullptr:
  // nothing to load.
  Status (*load)(const std::string& keyword, Policy* pol) = nullptr;
  // Whole-file rules once every line is read; nullptr: none.
  Status (*finish)(Policy* pol) = nullptr;
};

// Every section, the common one first.  Defined by the kind registry.
const std::vector<const PolicySection*>& PolicySections();

// The sections defined in policy/ (their keywords and rules).
const PolicySection& CommonPolicySection();
std::vector<PolicyKeyword> TdxPolicyKeywords();
std::vector<PolicyKeyword> IssuerPolicyKeywords();
Status FinishIssuerPolicy(Policy* pol);

// Helpers for keyword handlers.
std::string LowerAscii(std::string s);
// "a,b,c" -> {"a","b","c"}; an empty element is an error.
Status SplitPolicyList(const std::string& arg, std::vector<std::string>* out);
// A list of 48-byte measurements, 96 hex digits each, appended to *out.
Status ParseMeasurementList(const std::string& arg, std::vector<Bytes>* out);
// Decimal seconds, at most max.
Status ParsePolicySeconds(const std::string& arg, int64_t max, int64_t* out);
// "yes" or "no", in any case; the error names keyword.
Status ParsePolicyYesNo(const char* keyword, const std::string& arg, bool* out);
// A cache directory argument: "none" turns the cache off (*dir empty).
Status ParsePolicyCacheDir(const char* keyword, const PolicyLine& l, std::string* dir);

// A keyword whose one argument is a file: recorded as a path (relative to
// the policy file's directory), read by the section's load.
template <auto file>  // a std::string member of Policy (or of one of its sections)
Status ApplyPolicyPath(const PolicyLine& l, Policy* p) {
  p->*file = l.Resolve(l.tok[1]);
  return Status();
}

}  // namespace ra
