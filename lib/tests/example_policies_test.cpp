// The example policies shipped in contrib/policies (and installed under
// share/ra-ssh/examples) load: an operator who copies one gets a policy
// the strict parser accepts, saying what its comments say.  Their
// Collateral directory, /var/lib/ra-ssh/intel-collateral, is pointed at
// the real collateral in the test vectors, since loading checks it exists.
#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/policy.h"
#include "ra_test_util.h"

namespace {

const std::string kExamples = std::string(RA_CONTRIB_DIR) + "/policies";
const std::string kInstalledCollateral = "/var/lib/ra-ssh/intel-collateral";

std::vector<std::string> ExamplePolicies() {
  std::vector<std::string> names;
  DIR* d = opendir(kExamples.c_str());
  if (!d) return names;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 7 && n.compare(n.size() - 7, 7, ".policy") == 0) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// The example with its collateral path pointed at the test vectors.
std::string Localized(const std::string& name) {
  std::string text = ra_test::ReadFile(kExamples + "/" + name);
  const std::string here = std::string(RA_VECTORS_DIR) + "/tdx/collateral";
  for (size_t at; (at = text.find(kInstalledCollateral)) != std::string::npos;)
    text.replace(at, kInstalledCollateral.size(), here);
  return text;
}

ra::Status Load(const ra_test::TempDir& dir, const std::string& name, const std::string& text,
                ra::Policy* out) {
  std::string path = dir / name;
  ra_test::WriteFile(path, text);
  return ra::LoadPolicyFile(path, out);
}

bool Has(const std::vector<std::string>& v, const char* s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(ExamplePolicies, TheFourTdxExamplesArePresent) {
  std::vector<std::string> names = ExamplePolicies();
  for (const char* want : {"azure-tdx-maa.policy", "azure-tdx-quote.policy",
                           "gcp-tdx.policy", "tdx-baremetal.policy"})
    EXPECT_TRUE(std::find(names.begin(), names.end(), want) != names.end()) << want;
}

TEST(ExamplePolicies, EachLoads) {
  ra_test::TempDir dir;
  std::vector<std::string> names = ExamplePolicies();
  ASSERT_FALSE(names.empty()) << "no *.policy in " << kExamples;
  for (const auto& name : names) {
    ra::Policy p;
    ra::Status s = Load(dir, name, Localized(name), &p);
    EXPECT_TRUE(s.ok()) << name << ": " << s.message();
    EXPECT_FALSE(p.allow_debug) << name << ": an example must not accept debug TDs";
  }
}

TEST(ExamplePolicies, SayWhatTheirCommentsSay) {
  ra_test::TempDir dir;
  ra::Policy maa;
  ASSERT_TRUE(Load(dir, "m.policy", Localized("azure-tdx-maa.policy"), &maa).ok());
  EXPECT_TRUE(Has(maa.required_types, "maa-token"));
  EXPECT_TRUE(Has(maa.required_types, "azure-tdx-quote"));
  EXPECT_EQ(maa.issuers.size(), 1u);
  ra::Policy quote;
  ASSERT_TRUE(Load(dir, "q.policy", Localized("azure-tdx-quote.policy"), &quote).ok());
  EXPECT_EQ(quote.accepted_types, std::vector<std::string>{"azure-tdx-quote"});
  for (const char* name : {"tdx-baremetal.policy", "gcp-tdx.policy", "azure-tdx-quote.policy"}) {
    ra::Policy p;
    ASSERT_TRUE(Load(dir, name, Localized(name), &p).ok()) << name;
    EXPECT_FALSE(p.collateral_dir.empty()) << name << ": TCB status must be evaluated";
  }
}

// Loading is strict, so "each loads" means something: the same examples
// with an unknown keyword, or with the collateral directory left at its
// installed path (absent here), are refused.
TEST(ExamplePolicies, BrokenCopiesAreRefused) {
  ra_test::TempDir dir;
  for (const auto& name : ExamplePolicies()) {
    ra::Policy p;
    EXPECT_FALSE(Load(dir, name, Localized(name) + "AllowDebugg no\n", &p).ok()) << name;
    if (ra_test::Exists(kInstalledCollateral)) continue;
    std::string raw = ra_test::ReadFile(kExamples + "/" + name);
    if (raw.find(kInstalledCollateral) == std::string::npos) continue;
    ra::Policy q;
    ra::Status s = Load(dir, name, raw, &q);
    EXPECT_FALSE(s.ok()) << name;
    EXPECT_NE(s.message().find("intel-collateral"), std::string::npos) << s.message();
  }
}

}  // namespace
