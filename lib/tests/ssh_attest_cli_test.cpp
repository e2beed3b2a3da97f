// ssh-attest's contract with scripts: exit codes 0/1/2, results only on
// stdout, one "ssh-attest: <check>..." line on stderr on failure.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "ra_test_util.h"
#include "ssh_attest_runner.h"

namespace {

using ra_test::TempDir;

const std::string kVectors = RA_VECTORS_DIR;
const std::string kSprQuote = kVectors + "/tdx/gotdx_quote_v4_SPR_E4.dat";
const std::string kSprMrtd =
    "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e1"
    "19d7215cbb";
const std::string kSprTime = "2023-06-20T00:00:00Z";
const std::string kBindingHex = std::string(64, '1') + std::string(64, 'f');

using Result = ra_test::CliResult;

Result RunCli(const std::vector<std::string>& args) { return ra_test::RunSshAttest(args); }

// A failure: exit 1, nothing on stdout, exactly one line on stderr that
// starts with "ssh-attest: " + check.
void ExpectFailure(const Result& r, const std::string& check) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("ssh-attest: " + check, 0), 0u) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

void ExpectUsage(const Result& r) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("usage: ssh-attest"), std::string::npos) << r.err;
}

std::string JsonString(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\": \"";
  size_t p = json.find(needle);
  if (p == std::string::npos) return std::string();
  p += needle.size();
  return json.substr(p, json.find('"', p) - p);
}

TEST(SshAttestCli, VectorsPresent) {
  // A missing vector must fail loudly, never skip.
  ASSERT_TRUE(ra_test::Exists(kSprQuote)) << kSprQuote;
}

TEST(SshAttestCli, UsageErrors) {
  ExpectUsage(RunCli({}));
  ExpectUsage(RunCli({"frobnicate"}));
  ExpectUsage(RunCli({"inspect"}));
  ExpectUsage(RunCli({"inspect", "a", "b"}));
  ExpectUsage(RunCli({"inspect", "--bogus", kSprQuote}));
  ExpectUsage(RunCli({"verify"}));
  ExpectUsage(RunCli({"verify", kSprQuote, "--policy"}));
  ExpectUsage(RunCli({"verify", kSprQuote, "--at", kSprTime, "--at", kSprTime}));
  ExpectUsage(RunCli({"verify", kSprQuote, "--report-data", "00"}));
  ExpectUsage(RunCli({"verify", kSprQuote, "--report-data", std::string(127, '0') + "g"}));
  ExpectUsage(RunCli({"quote"}));
  ExpectUsage(RunCli({"quote", "--provider", "sim:/x", "--report-data", kBindingHex}));
  ExpectUsage(RunCli({"quote", "--provider", "sim:/x", "-o", "/dev/null"}));
  ExpectUsage(RunCli({"quote", "--provider", "sim:/x", "--report-data", "xyz", "-o", "f"}));
  ExpectUsage(RunCli({"sim-init"}));
  ExpectUsage(RunCli({"sim-init", "/tmp/x", "--mrtd", "abcd"}));
  ExpectUsage(RunCli({"sim-init", "/tmp/x", "--debug=yes"}));

  Result help = RunCli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: ssh-attest"), std::string::npos);
  EXPECT_EQ(help.err, "");
}

TEST(SshAttestCli, StrictRfc3339) {
  for (const char* bad :
       {"2023-06-20", "2023-06-20T00:00:00", "2023-06-20 00:00:00Z", "2023-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2023-06-20T24:00:00Z", "2023-06-20T00:60:00Z",
        "2023-06-20T00:00:60Z", "2023-06-20T00:00:00Zjunk", "2023-06-20T00:00:00.Z",
        "2023-06-20T00:00:00+0200", "23-06-20T00:00:00Z", "1970-01-01T00:00:00Z", "now"}) {
    SCOPED_TRACE(bad);
    Result r = RunCli({"verify", kSprQuote, "--at", bad});
    ExpectUsage(r);
    EXPECT_NE(r.err.find("RFC 3339"), std::string::npos);
  }
}

TEST(SshAttestCli, InspectRealQuote) {
  Result r = RunCli({"inspect", kSprQuote});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_EQ(JsonString(r.out, "mrtd"), kSprMrtd);
  EXPECT_EQ(JsonString(r.out, "fmspc"), "50806f000000");
}

TEST(SshAttestCli, InspectFailures) {
  TempDir dir;
  ExpectFailure(RunCli({"inspect", dir / "absent"}), "read ");
  ra_test::WriteFile(dir / "junk", "not a quote");
  Result r = RunCli({"inspect", dir / "junk"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("ssh-attest: ", 0), 0u) << r.err;
}

TEST(SshAttestCli, VerifyRealQuoteAtPinnedTime) {
  Result r = RunCli({"verify", kSprQuote, "--at", kSprTime});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  EXPECT_EQ(r.out.rfind("verified tdx-quote v4: mrtd=" + kSprMrtd, 0), 0u) << r.out;
  EXPECT_NE(r.out.find("report-data=NOT-CHECKED"), std::string::npos) << r.out;

  // The same instant with an offset, and with fractional seconds.
  EXPECT_EQ(RunCli({"verify", kSprQuote, "--at", "2023-06-20T02:00:00.5+02:00"}).code, 0);
  EXPECT_EQ(RunCli({"verify", kSprQuote, "--at=2023-06-19t20:00:00-04:00"}).code, 0);

  // The binding, when given, must be the quote's REPORTDATA.
  std::string rd = JsonString(RunCli({"inspect", kSprQuote}).out, "report_data");
  ASSERT_EQ(rd.size(), 128u);
  r = RunCli({"verify", kSprQuote, "--at", kSprTime, "--report-data", rd});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("report-data=matches"), std::string::npos) << r.out;
  ExpectFailure(RunCli({"verify", kSprQuote, "--at", kSprTime, "--report-data", kBindingHex}),
                "report data binding");
}

TEST(SshAttestCli, VerifyRefusals) {
  TempDir dir;
  // Before the PCK certificate's validity.
  ExpectFailure(RunCli({"verify", kSprQuote, "--at", "2015-01-01T00:00:00Z"}), "pck chain");
  // A policy trusting another root refuses Intel's chain.
  ASSERT_EQ(RunCli({"sim-init", dir / "sim"}).code, 0);
  ra_test::WriteFile(dir / "sim-policy", "TrustAnchor tdx sim/root.pem\n");
  ExpectFailure(RunCli({"verify", kSprQuote, "--at", kSprTime, "--policy", dir / "sim-policy"}),
                "pck chain");
  // An MRTD the policy does not list.
  ra_test::WriteFile(dir / "mrtd-policy", "MRTD " + std::string(96, '0') + "\n");
  ExpectFailure(RunCli({"verify", kSprQuote, "--at", kSprTime, "--policy", dir / "mrtd-policy"}),
                "tdx policy");
  ra_test::WriteFile(dir / "mrtd-ok", "MRTD " + kSprMrtd + "\n");
  EXPECT_EQ(RunCli({"verify", kSprQuote, "--at", kSprTime, "--policy", dir / "mrtd-ok"}).code, 0);
  // Policy errors name file and line.
  ra_test::WriteFile(dir / "bad-policy", "# x\nAllowDebug maybe\n");
  Result r = RunCli({"verify", kSprQuote, "--policy", dir / "bad-policy"});
  ExpectFailure(r, "policy: " + dir / "bad-policy" + ":2: ");
  ExpectFailure(RunCli({"verify", dir / "absent"}), "read ");
}

// Azure evidence saved whole (quote + runtime JSON) and checked offline.
TEST(SshAttestCli, AzureQuoteRoundTrip) {
  TempDir dir;
  ASSERT_EQ(RunCli({"sim-init", dir / "sim"}).code, 0);
  ra_test::WriteFile(dir / "policy",
                     "TrustAnchor tdx sim/root.pem\nAcceptEvidence azure-tdx-quote\n");
  const std::string prov = "sim-azure:" + dir / "sim";
  Result r = RunCli({"quote", "--provider", prov, "--report-data", kBindingHex, "-o",
                     dir / "q.dat", "--runtime-data", dir / "rt.json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = RunCli({"verify", dir / "q.dat", "--runtime-data", dir / "rt.json", "--policy",
              dir / "policy", "--report-data", kBindingHex});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("verified azure-tdx-quote v4: ", 0), 0u) << r.out;
  // Another binding, another runtime JSON, a policy without the type.
  ExpectFailure(RunCli({"verify", dir / "q.dat", "--runtime-data", dir / "rt.json", "--policy",
                        dir / "policy", "--report-data", std::string(128, '0')}),
                "runtime data binding");
  ra_test::WriteFile(dir / "rt2.json", "{\"user-data\":\"" + kBindingHex + "\" }");
  ExpectFailure(RunCli({"verify", dir / "q.dat", "--runtime-data", dir / "rt2.json",
                        "--policy", dir / "policy"}),
                "report data binding");
  ExpectFailure(RunCli({"verify", dir / "q.dat", "--runtime-data", dir / "rt.json"}),
                "policy: built-in default does not accept azure-tdx-quote");
  // The quote alone, as a raw TDX quote: refused on its binding, with the
  // hint that it needs its runtime JSON; a quote that is not Azure-shaped
  // gets no such hint.
  ra_test::WriteFile(dir / "tdx-policy", "TrustAnchor tdx sim/root.pem\n");
  r = RunCli({"verify", dir / "q.dat", "--policy", dir / "tdx-policy", "--report-data",
              kBindingHex});
  ExpectFailure(r, "report data binding");
  EXPECT_NE(r.err.find("verify it with --runtime-data FILE"), std::string::npos) << r.err;
  ASSERT_EQ(RunCli({"quote", "--provider", "sim:" + dir / "sim", "--report-data",
                    std::string(128, '7'), "-o", dir / "plain.dat", "--raw"}).code, 0);
  r = RunCli({"verify", dir / "plain.dat", "--policy", dir / "tdx-policy", "--report-data",
              kBindingHex});
  ExpectFailure(r, "report data binding");
  EXPECT_EQ(r.err.find("--runtime-data"), std::string::npos) << r.err;
  // Companions the provider does not make are an error, and -o is not written.
  ExpectFailure(RunCli({"quote", "--provider", prov, "--report-data", kBindingHex, "-o",
                        dir / "q2.dat", "--token", dir / "t.jwt"}),
                "provider: no maa-token produced");
  EXPECT_NE(access((dir / "q2.dat").c_str(), F_OK), 0);
  ExpectFailure(RunCli({"quote", "--provider", "sim:" + dir / "sim", "--report-data",
                        kBindingHex, "-o", dir / "q3.dat", "--runtime-data", dir / "r3"}),
                "provider: no azure-runtime-data produced");
}

TEST(SshAttestCli, SimTdReport) {
  TempDir dir;
  ASSERT_EQ(RunCli({"sim-init", dir / "sim"}).code, 0);
  Result r = RunCli({"sim-tdreport", dir / "sim", "--report-data", kBindingHex});
  ASSERT_EQ(r.code, 0) << r.err;
  ra::Bytes report;
  ASSERT_FALSE(r.out.empty());
  ASSERT_TRUE(ra::Base64Decode(r.out.substr(0, r.out.size() - 1), &report).ok()) << r.out;
  ASSERT_EQ(report.size(), 1024u);
  EXPECT_EQ(ra::HexEncode(ra::ByteView(report.data() + 128, 64)), kBindingHex);
  ExpectUsage(RunCli({"sim-tdreport", dir / "sim"}));
  ExpectUsage(RunCli({"sim-tdreport", dir / "sim", "--report-data", "abc"}));
  ExpectFailure(RunCli({"sim-tdreport", dir / "nosim", "--report-data", kBindingHex}),
                "sim provider");
}

TEST(SshAttestCli, SimRoundTrip) {
  TempDir dir;
  Result r = RunCli({"sim-init", dir / "sim", "--mrtd", std::string(96, 'a')});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // stdout is the policy line trusting this sim.
  EXPECT_EQ(r.out, "TrustAnchor tdx " + dir / "sim/root.pem" + "\n");
  ra_test::WriteFile(dir / "policy", r.out);

  r = RunCli({"quote", "--provider", "sim:" + dir / "sim", "--report-data", kBindingHex, "-o",
           dir / "q.dat"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");

  r = RunCli({"verify", dir / "q.dat", "--policy", dir / "policy", "--report-data", kBindingHex});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("verified tdx-quote v4: mrtd=" + std::string(96, 'a'), 0), 0u) << r.out;
  EXPECT_NE(r.out.find("report-data=matches"), std::string::npos);

  ExpectFailure(RunCli({"verify", dir / "q.dat"}), "pck chain");
  ExpectFailure(RunCli({"verify", dir / "q.dat", "--policy", dir / "policy", "--report-data",
                     std::string(128, '0')}),
                "report data binding");
  EXPECT_EQ(JsonString(RunCli({"inspect", dir / "q.dat"}).out, "report_data"), kBindingHex);

  // Re-initialising keeps the keys a policy trusts and changes only the
  // measurements: the quote verifies under the same policy, MRTD changed.
  std::string root = ra_test::ReadFile(dir / "sim/root.pem");
  ASSERT_EQ(RunCli({"sim-init", dir / "sim", "--mrowner", std::string(96, 'b')}).code, 0);
  EXPECT_EQ(ra_test::ReadFile(dir / "sim/root.pem"), root);
  ASSERT_EQ(RunCli({"quote", "--provider", "sim:" + dir / "sim", "--report-data", kBindingHex,
                    "-o", dir / "q3.dat"}).code, 0);
  r = RunCli({"verify", dir / "q3.dat", "--policy", dir / "policy", "--report-data",
              kBindingHex});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("mrtd=" + std::string(96, 'a')), std::string::npos) << r.out;
  EXPECT_EQ(JsonString(RunCli({"inspect", dir / "q3.dat"}).out, "mrowner"), std::string(96, 'b'));
  ExpectUsage(RunCli({"sim-init", dir / "sim", "--xfam", "e7"}));
  ExpectFailure(RunCli({"quote", "--provider", "sim:" + dir / "none", "--report-data",
                     kBindingHex, "-o", dir / "q2.dat"}),
                "sim provider");
  ExpectFailure(RunCli({"quote", "--provider", "tpm2", "--report-data", kBindingHex, "-o",
                     dir / "q2.dat"}),
                "provider spec");
  EXPECT_FALSE(ra_test::Exists(dir / "q2.dat"));
}

TEST(SshAttestCli, SimDebugNeedsAllowDebug) {
  TempDir dir;
  Result r = RunCli({"sim-init", dir / "sim", "--debug"});
  ASSERT_EQ(r.code, 0) << r.err;
  ra_test::WriteFile(dir / "policy", r.out);
  ra_test::WriteFile(dir / "policy-debug", r.out + "AllowDebug yes\n");
  ASSERT_EQ(RunCli({"quote", "--provider", "sim:" + dir / "sim", "--report-data", kBindingHex,
                 "-o", dir / "q.dat"})
                .code,
            0);
  ExpectFailure(RunCli({"verify", dir / "q.dat", "--policy", dir / "policy"}), "tdx policy");
  r = RunCli({"verify", dir / "q.dat", "--policy", dir / "policy-debug"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("debug=yes"), std::string::npos) << r.out;
}

// check-policy (issue 17): a policy loaded as ssh loads it, before any
// connection: one line on stdout when it loads, the library's one line
// naming file, line and check when it does not.
TEST(SshAttestCli, CheckPolicy) {
  TempDir d;
  const std::string anchor = kVectors + "/roots/Intel_SGX_Root_CA.pem";
  ra_test::WriteFile(d / "good", "AcceptEvidence tdx-quote,snp-report\n"
                                 "RequireEvidence tdx-quote\nTrustAnchor tdx " + anchor + "\n");
  Result r = RunCli({"check-policy", d / "good"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, d / "good" + ": ok: accepts tdx-quote,snp-report; requires tdx-quote\n");
  EXPECT_EQ(r.err, "");
  ra_test::WriteFile(d / "empty", "");
  r = RunCli({"check-policy", d / "empty"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(d / "empty" + ": ok: accepts tdx-quote", 0), 0u) << r.out;

  ExpectFailure(RunCli({"check-policy", d / "absent"}), "policy: ");
  ra_test::WriteFile(d / "typo", "AcceptEvidence tdx-quote\nAllowDebugg no\n");
  r = RunCli({"check-policy", d / "typo"});
  ExpectFailure(r, "policy: ");
  EXPECT_NE(r.err.find(d / "typo" + ":2: unknown keyword 'AllowDebugg'"), std::string::npos)
      << r.err;
  ra_test::WriteFile(d / "noanchor", "TrustAnchor tdx " + d / "absent.pem" + "\n");
  r = RunCli({"check-policy", d / "noanchor"});
  ExpectFailure(r, "policy: ");
  EXPECT_NE(r.err.find("absent.pem"), std::string::npos) << r.err;
  // Writable by others: refused as ssh refuses it, naming the path.
  ra_test::WriteFile(d / "loose", "AcceptEvidence tdx-quote\n");
  ASSERT_EQ(::chmod((d / "loose").c_str(), 0666), 0);
  r = RunCli({"check-policy", d / "loose"});
  ExpectFailure(r, "policy: ");
  EXPECT_NE(r.err.find("bad owner or permissions on " + d / "loose"), std::string::npos)
      << r.err;

  ExpectUsage(RunCli({"check-policy"}));
  ExpectUsage(RunCli({"check-policy", d / "good", d / "good"}));
  ExpectUsage(RunCli({"check-policy", "--bogus", d / "good"}));
  Result help = RunCli({"check-policy", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("ssh-attest check-policy FILE"), std::string::npos);
}

// SUBCOMMAND --help (issue 16): that command's synopsis, not every
// command's, on stdout, exit 0.
TEST(SshAttestCli, SubcommandHelpIsThatCommands) {
  for (const char* cmd : {"inspect", "verify", "token-claims", "quote", "sim-init",
                          "sim-tdreport", "sim-snpreport", "tpm-init", "known", "eventlog",
                          "scan", "policy", "check-policy"}) {
    SCOPED_TRACE(cmd);
    Result r = RunCli({cmd, "--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.rfind(std::string("usage: ssh-attest ") + cmd + " ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("Exit: 0"), std::string::npos) << r.out;
    const char* other = std::string(cmd) == "verify" ? "ssh-attest quote" : "ssh-attest verify";
    EXPECT_EQ(r.out.find(other), std::string::npos) << r.out;
  }
  Result v = RunCli({"verify", "-h"});
  EXPECT_NE(v.out.find("ssh-attest verify QUOTE --runtime-data FILE"), std::string::npos);
  EXPECT_NE(v.out.find("[--at TIME]        (an Azure quote"), std::string::npos) << v.out;
}

}  // namespace
