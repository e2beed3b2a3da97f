// The evidence bundle file: its parser's refusals (each wire limit), and
// `ssh-attest quote` -> `verify` / `inspect` round trips through it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence_bundle.h"
#include "ra_test_util.h"

namespace {

using ra_test::TempDir;

const std::string kBindingHex(128, 'b');

std::string Bundle(const std::string& items, const std::string& version = "1") {
  return "{\"version\": " + version + ", \"items\": [" + items + "]}";
}
std::string Item(const std::string& type, const std::string& b64) {
  return "{\"type\": \"" + type + "\", \"data\": \"" + b64 + "\"}";
}

TEST(EvidenceBundle, RoundTripKeepsOrder) {
  std::vector<ra::EvidenceItem> in = {{"b-type", {1, 2, 3}}, {"a-type", {}}, {"b-type", {9}}};
  std::string json;
  ASSERT_TRUE(ra::EvidenceBundleJson(in, &json).ok());
  EXPECT_TRUE(ra::LooksLikeEvidenceBundle(json));
  std::vector<ra::EvidenceItem> out;
  ra::Status s = ra::ParseEvidenceBundle(json, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(out[i].type, in[i].type);
    EXPECT_EQ(out[i].data, in[i].data);
  }
}

// ssh's AttestationEvidenceFile: a bundle with the verdict it reached,
// which a reader skips (it verifies the items, never a stored verdict).
TEST(EvidenceBundle, VerdictMemberIsReadPast) {
  std::vector<ra::EvidenceItem> out;
  ra::Status s = ra::ParseEvidenceBundle(
      "{\"version\": 1, \"items\": [" + Item("tdx-quote", "AQI=") +
          "], \"verdict\": {\"result\": \"accepted\", \"claims\": []}}",
      &out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (ra::Bytes{1, 2}));
}

TEST(EvidenceBundle, MalformedRefused) {
  std::string many;
  for (int i = 0; i <= RA_MAX_EVIDENCE_ITEMS; i++) many += (i ? "," : "") + Item("t", "AA==");
  std::string big = ra::Base64Encode(ra::Bytes(RA_MAX_EVIDENCE_ITEM_LEN + 1, 7));
  const struct {
    std::string text, needle;
  } kCases[] = {
      {"{\"version\": 1, \"items\": [", "not JSON"},
      {"[]", "not a JSON object"},
      {Bundle(Item("tdx-quote", "AA=")), "data"},
      {Bundle(Item("tdx-quote", "AA==\\n")), "data"},
      {Bundle(Item("tdx-quote", "-_8=")), "data"},
      {Bundle(Item("tdx-quote", "AA=="), "2"), "unknown version"},
      {Bundle(Item("tdx-quote", "AA=="), "\"1\""), "unknown version"},
      {"{\"items\": []}", "unknown version"},
      {Bundle(many), "at most 16"},
      {Bundle(Item("tdx-quote", big)), "exceeds"},
      {Bundle(Item("tdx quote", "AA==")), "printable ASCII or a comma"},
      {Bundle(Item("a,b", "AA==")), "printable ASCII or a comma"},
      {Bundle(Item("", "AA==")), "empty evidence type"},
      {Bundle(Item(std::string(RA_MAX_EVIDENCE_TYPE_LEN + 1, 't'), "AA==")), "longer than"},
      {Bundle("{\"type\": \"t\"}"), "exactly the strings"},
      {Bundle("{\"type\": \"t\", \"data\": \"AA==\", \"x\": 1}"), "exactly the strings"},
      {Bundle("\"t\""), "not an object"},
      {"{\"version\": 1, \"items\": [], \"extra\": 0}", "exactly"},
      {"{\"version\": 1, \"version\": 1, \"items\": []}", "not JSON"},
      {"{\"version\": 1, \"items\": [], \"verdict\": \"accepted\"}", "not an object"},
      {"{\"version\": 1, \"items\": [], \"verdict\": {}, \"extra\": 0}", "exactly"},
      {"{\"version\": 1, \"verdict\": {}}", "exactly"},
  };
  for (const auto& c : kCases) {
    std::vector<ra::EvidenceItem> out{{"keep", {}}};
    ra::Status s = ra::ParseEvidenceBundle(c.text, &out);
    ASSERT_FALSE(s.ok()) << c.text.substr(0, 200);
    EXPECT_EQ(s.check(), "evidence bundle");
    EXPECT_NE(s.message().find(c.needle), std::string::npos)
        << "'" << c.needle << "' not in: " << s.message();
    EXPECT_EQ(out.size(), 1u) << "output touched on failure";
  }
  // The writer refuses what a reader would.
  std::string json;
  EXPECT_FALSE(ra::EvidenceBundleJson({{"bad type", {}}}, &json).ok());
  EXPECT_FALSE(
      ra::EvidenceBundleJson({{"t", ra::Bytes(RA_MAX_EVIDENCE_ITEM_LEN + 1)}}, &json).ok());
}

struct Result {
  int code = -1;
  std::string out, err;
};

Result RunTool(const std::string& args, const std::string& dir) {
  std::string cmd = std::string(RA_SSH_ATTEST) + " " + args + " 2>" + dir + "/stderr";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.err = ra_test::ReadFile(dir + "/stderr");
  return r;
}

TEST(EvidenceBundleCli, MalformedBundlesOneLineExit1) {
  TempDir dir;
  const std::string kCases[] = {
      "{\"version\": 1, \"items\": [",
      Bundle(Item("tdx-quote", "!!!!")),
      Bundle(Item("tdx-quote", "AA=="), "7"),
      Bundle(Item("bad type", "AA==")),
  };
  int i = 0;
  for (const std::string& text : kCases) {
    std::string f = dir / ("b" + std::to_string(i++));
    ra_test::WriteFile(f, text);
    for (const char* cmd : {"verify ", "inspect "}) {
      Result r = RunTool(cmd + f, dir.path());
      EXPECT_EQ(r.code, 1) << cmd << text;
      EXPECT_EQ(r.out, "");
      EXPECT_EQ(r.err.rfind("ssh-attest: " + f + ": evidence bundle: ", 0), 0u) << r.err;
      EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    }
  }
}

TEST(EvidenceBundleCli, SimRoundTrip) {
  TempDir dir;
  ASSERT_EQ(RunTool("sim-init " + dir / "sim", dir.path()).code, 0);
  ra_test::WriteFile(dir / "policy", "TrustAnchor tdx " + dir / "sim/root.pem" + "\n");
  Result r = RunTool("quote --provider sim:" + dir / "sim" + " --report-data " + kBindingHex +
                     " -o -",
                 dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(ra::ParseEvidenceBundle(r.out, &items).ok()) << r.out;
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, ra::kEvidenceTdxQuote);
  ra_test::WriteFile(dir / "b.json", r.out);
  r = RunTool("verify " + dir / "b.json" + " --policy " + dir / "policy" + " --report-data " +
              kBindingHex,
          dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("verified tdx-quote v4: ", 0), 0u) << r.out;
  EXPECT_EQ(RunTool("verify " + dir / "b.json" + " --policy " + dir / "policy" +
                    " --report-data " + std::string(128, '0'),
                dir.path())
                .code,
            1);
  r = RunTool("inspect " + dir / "b.json", dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"report_data\": \"" + kBindingHex + "\""), std::string::npos);
  // The raw quote, as hex and base64 text, is recognised too.
  r = RunTool("quote --raw --provider sim:" + dir / "sim" + " --report-data " + kBindingHex +
              " -o " + dir / "q.dat",
          dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  ra::Bytes raw;
  ASSERT_TRUE(ra::ReadFileBounded(dir / "q.dat", 1 << 20, &raw).ok());
  ra_test::WriteFile(dir / "q.hex", ra::HexEncode(raw) + "\n");
  ra_test::WriteFile(dir / "q.b64", ra::Base64Encode(raw) + "\n");
  for (const char* f : {"q.dat", "q.hex", "q.b64"}) {
    r = RunTool("verify " + dir / f + " --policy " + dir / "policy" + " --at " +
                    std::to_string(std::time(nullptr) + 60),
                dir.path());
    EXPECT_EQ(r.code, 0) << f << ": " << r.err;
  }
  ra_test::WriteFile(dir / "text", "ABCD is not a quote\n");
  r = RunTool("verify " + dir / "text", dir.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not an evidence bundle, a token or a TDX quote"), std::string::npos)
      << r.err;
}

TEST(EvidenceBundleCli, SimAzureRoundTripKeepsCompanions) {
  TempDir dir;
  ASSERT_EQ(RunTool("sim-init " + dir / "sim", dir.path()).code, 0);
  ra_test::WriteFile(dir / "policy",
                     "TrustAnchor tdx " + dir / "sim/root.pem" + "\nAcceptEvidence azure-tdx-quote\n");
  Result r = RunTool("quote --provider sim-azure:" + dir / "sim" + " --report-data " + kBindingHex +
                     " -o " + dir / "b.json",
                 dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(ra::ParseEvidenceBundle(ra_test::ReadFile(dir / "b.json"), &items).ok());
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, ra::kEvidenceAzureTdxQuote);
  EXPECT_EQ(items[1].type, ra::kEvidenceAzureRuntimeData);
  r = RunTool("verify " + dir / "b.json" + " --policy " + dir / "policy" + " --report-data " +
              kBindingHex,
          dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("verified azure-tdx-quote v4: ", 0), 0u) << r.out;
  r = RunTool("inspect " + dir / "b.json", dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  // The runtime JSON, shown as JSON (the sim writes the binding upper-case).
  EXPECT_NE(r.out.find("\"user-data\": \"" + std::string(128, 'B')), std::string::npos) << r.out;
}

TEST(EvidenceBundleCli, HelpVersionAndEpochTime) {
  TempDir dir;
  Result r = RunTool("verify --help", dir.path());
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("usage: ssh-attest"), std::string::npos);
  r = RunTool("--version", dir.path());
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("ra-attest"), std::string::npos);
  EXPECT_EQ(RunTool("verify x --at 0", dir.path()).code, 2);
  EXPECT_EQ(RunTool("verify x --at 12ab", dir.path()).code, 2);
}

}  // namespace
