// ssh-attest check-policy FILE: a policy loaded as ssh loads it (its
// syntax, the files it names and their owners and modes, docs/policy.md),
// so that an operator finds a broken policy before a connection does
// (issue 17).  On success one line on stdout: the file and the evidence
// types the policy accepts and requires; on failure the library's one
// line naming the file, the line and the check, exit 1.
#include <cstdio>
#include <string>
#include <vector>

#include "policy/policy.h"

#include "cli.h"

namespace ssh_attest {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& t : v) s += (s.empty() ? "" : ",") + t;
  return s;
}

}  // namespace

int CmdCheckPolicy(int argc, char** argv) {
  Args a;
  std::string err = ParseArgsOneOperand(argc, argv, "", "check-policy wants one FILE", &a);
  if (!err.empty()) return Usage(err);
  ra::Policy policy;
  ra::Status s = ra::LoadPolicyFile(a.positional[0], &policy);
  if (!s.ok()) return Failure(s.message());
  std::printf("%s: ok: accepts %s", policy.source.c_str(), Join(policy.accepted_types).c_str());
  if (!policy.required_types.empty())
    std::printf("; requires %s", Join(policy.required_types).c_str());
  std::printf("\n");
  return kExitOk;
}

}  // namespace ssh_attest
