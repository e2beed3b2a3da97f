// The trustauthority-cli provider against fake CLIs: a well-behaved one
// that makes real (sim) quotes over SHA-512(user data) as Intel's client
// does, and misbehaving ones (fails, hangs, floods, lies).
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/tdx_quote.h"
#include "provider/providers.h"
#include "provider/sim_tdx_authority.h"
#include "policy/policy.h"
#include "ra_attest.h"
#include "verify/azure_tdx_quote_verifier.h"
#include "ra_test_util.h"

namespace {

using ra_test::TempDir;

class TrustAuthorityCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ra::Status s = ra::SimInit(dir_ / "sim", {});
    ASSERT_TRUE(s.ok()) << s.message();
    for (size_t i = 0; i < binding_.size(); i++) binding_[i] = static_cast<uint8_t>(i * 7);
  }

  // A fake CLI whose quote step is `body` (a shell fragment that must
  // leave the quote in $Q); the rest mimics trustauthority-cli's output.
  std::string WriteCli(const std::string& name, const std::string& body,
                       const std::string& output =
                           "echo \"Quote: $(base64 -w0 \"$Q\")\"\n"
                           "echo \"runtime_data: $3\"\necho \"user_data: $3\"\n") {
    std::string path = dir_ / name;
    ra_test::WriteFile(path,
                       "#!/bin/sh\n"
                       "[ \"$1\" = quote ] && [ \"$2\" = --user-data ] || { echo usage >&2; exit 2; }\n"
                       "Q=" + dir_.path() + "/" + name + ".quote\n"
                       "RD=$(printf %s \"$3\" | base64 -d | sha512sum | cut -d' ' -f1)\n" +
                           body + output);
    chmod(path.c_str(), 0755);
    return path;
  }
  std::string MakeQuote(const std::string& report_data_expr) {
    return std::string(RA_SSH_ATTEST) + " quote --provider sim:" + dir_ / "sim" +
           " --raw --report-data " + report_data_expr + " -o \"$Q\" || exit 1\n";
  }

  // acpi: where the CCEL is read; by default a directory without one, so
  // that the tests do not depend on the machine they run on.
  ra::Status Collect(const std::string& cli, std::vector<ra::EvidenceItem>* items,
                     int timeout = 30, const std::string& acpi = "") {
    std::unique_ptr<ra::EvidenceProvider> p;
    RA_RETURN_IF_ERROR(ra::OpenTrustAuthorityCliProvider(
        cli + ";acpi=" + (acpi.empty() ? dir_ / "no-acpi" : acpi), timeout, &p));
    return p->Collect(binding_, items);
  }
  // Collect refuses, and its message names why.
  void ExpectRefused(const std::string& cli, const std::string& why, int timeout = 30) {
    std::vector<ra::EvidenceItem> items;
    ra::Status s = Collect(cli, &items, timeout);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  }

  // The CLI runs as root, so its path must be safe as OpenSSH's
  // safe_path() sees it: no sticky world-writable directory such as /tmp
  // on the way.  The build tree itself may lie under /tmp (a CI clone), so
  // as root the fakes live under /run (root's, 0755); otherwise in the
  // build tree, whose directories are the builder's.
  static std::string SafeBase() {
    if (geteuid() == 0) {
      const std::string base = "/run/ra-ssh-tests";
      if ((mkdir(base.c_str(), 0755) == 0 || errno == EEXIST) && chmod(base.c_str(), 0755) == 0)
        return base;
    }
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) == nullptr) std::abort();
    return cwd;
  }
  TempDir dir_{SafeBase()};
  ra::Binding binding_{};
};

TEST_F(TrustAuthorityCliTest, QuoteCarriesSha512OfBinding) {
  std::string cli = WriteCli("good", MakeQuote("\"$RD\""));
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(cli, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "tdx-quote-sha512");
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(items[0].data, &q).ok());
  uint8_t want[64];
  SHA512(binding_.data(), binding_.size(), want);
  EXPECT_EQ(0, memcmp(q.body.report_data.data(), want, 64));
}

TEST_F(TrustAuthorityCliTest, RunsWithAFixedEnvironment) {
  setenv("RA_TEST_SECRET", "leak", 1);
  std::string cli = WriteCli("env", "[ -z \"$RA_TEST_SECRET\" ] || { echo leaked >&2; exit 3; }\n" +
                                        MakeQuote("\"$RD\""));
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(cli, &items);
  unsetenv("RA_TEST_SECRET");
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(TrustAuthorityCliTest, FailureCarriesExitStatusAndStderr) {
  std::string cli = WriteCli("fails", "echo 'no TDX device found' >&2; exit 4\n");
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(cli, &items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("status 4: no TDX device found"), std::string::npos) << s.message();
  EXPECT_TRUE(items.empty());
}

TEST_F(TrustAuthorityCliTest, CliThatClosesItsOutputAndHangsIsKilledToo) {
  // Closes stdout and stderr, then lingers, with a child of its own.
  std::string cli = WriteCli("lingers", "exec >&- 2>&-; sleep 30 & exec sleep 30\n", "");
  std::vector<ra::EvidenceItem> items;
  auto start = std::chrono::steady_clock::now();
  ra::Status s = Collect(cli, &items, 1);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no answer within 1 s"), std::string::npos) << s.message();
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(TrustAuthorityCliTest, CliInheritsNoDescriptorsBeyondStdio) {
  // A descriptor the monitor holds open without close-on-exec, on a file
  // whose name the CLI looks for among its own descriptors.  (Looked up by
  // name, not number: the shell itself opens descriptors of 10 and up.)
  std::string marker = dir_ / "held-open-by-the-monitor";
  ra_test::WriteFile(marker, "");
  int raw = open(marker.c_str(), O_RDONLY);
  ASSERT_GE(raw, 0);
  int fd = fcntl(raw, F_DUPFD, 10);
  close(raw);
  ASSERT_GE(fd, 10);
  std::string cli = WriteCli("fds",
                             "ls -l /proc/self/fd/ | grep -q held-open-by-the-monitor && "
                             "{ echo inherited >&2; exit 3; }\n" +
                                 MakeQuote("\"$RD\""));
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(cli, &items);
  close(fd);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(TrustAuthorityCliTest, HangingCliIsKilledAtTheDeadline) {
  std::string cli = WriteCli("hangs", "exec sleep 30\n");
  ExpectRefused(cli, "no answer within 1 s", 1);
}

TEST_F(TrustAuthorityCliTest, FloodingOutputIsRefused) {
  std::string cli = WriteCli("floods", "head -c 3000000 /dev/zero | tr '\\0' A\n", "");
  ExpectRefused(cli, "output larger");
}

TEST_F(TrustAuthorityCliTest, MissingQuoteLineIsRefused) {
  std::string cli = WriteCli("noquote", "", "echo 'runtime_data: '\"$3\"\n");
  ExpectRefused(cli, "no Quote: line");
}

TEST_F(TrustAuthorityCliTest, BadBase64IsRefused) {
  for (const char* bad : {"Zm9v!!==", "Zm9", "Zm=v", " Zm9v"}) {
    std::string cli = WriteCli("b64", "", std::string("echo 'Quote: ") + bad + "'\n");
    std::vector<ra::EvidenceItem> items;
    ra::Status s = Collect(cli, &items);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("base64"), std::string::npos) << bad << ": " << s.message();
  }
}

TEST_F(TrustAuthorityCliTest, QuoteOverOtherDataIsRefused) {
  std::string cli = WriteCli("other", MakeQuote(std::string(128, '0')));
  ExpectRefused(cli, "REPORTDATA is not SHA-512");
}

TEST_F(TrustAuthorityCliTest, GarbageQuoteIsRefused) {
  std::string cli = WriteCli("garbage", "head -c 700 /dev/urandom > \"$Q\"\n");
  ExpectRefused(cli, "its quote: tdx quote");
}

TEST_F(TrustAuthorityCliTest, RuntimeDataMustEchoTheBinding) {
  std::string cli = WriteCli("lies", MakeQuote("\"$RD\""),
                             "echo \"Quote: $(base64 -w0 \"$Q\")\"\necho 'runtime_data: AAAA'\n");
  ExpectRefused(cli, "runtime_data is not");
}

// The CLI's Azure build: runtime_data is the HCL runtime JSON, whose
// user-data is SHA-512(user data), hashed into REPORTDATA.
TEST_F(TrustAuthorityCliTest, AzureBuildGivesAzureEvidence) {
  const std::string azq = std::string(RA_SSH_ATTEST) + " quote --provider sim-azure:" +
                          dir_ / "sim" + " --report-data ";
  const std::string out =
      "echo \"Quote: $(base64 -w0 \"$Q\")\"\necho \"runtime_data: $(base64 -w0 \"$Q.rt\")\"\n";
  std::string cli =
      WriteCli("azure", azq + "\"$RD\" -o \"$Q\" --runtime-data \"$Q.rt\" || exit 1\n", out);
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(cli, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, "azure-tdx-quote");
  EXPECT_EQ(items[1].type, "azure-runtime-data");
  // The client's verifier accepts SHA-512(binding) as user-data...
  ra::Policy pol;
  pol.tdx_trust_anchor = dir_ / "sim/root.pem";
  ra::VerifiedClaims c;
  s = ra::VerifyAzureTdxQuote(items[0].data, items[1].data, &binding_, pol, 0, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  bool sha = false;
  for (const auto& f : c.fields) sha = sha || (f.first == "user_data_is" && f.second == "sha512(binding)");
  EXPECT_TRUE(sha);
  // ...but only of this binding.
  ra::Binding other = binding_;
  other[5] ^= 1;
  EXPECT_EQ(ra::VerifyAzureTdxQuote(items[0].data, items[1].data, &other, pol, 0, &c).check(),
            "runtime data binding");

  // Runtime JSON for another user data, or a quote over another JSON.
  std::string wrong = WriteCli(
      "azure-wrong", azq + std::string(128, '0') + " -o \"$Q\" --runtime-data \"$Q.rt\" || exit 1\n",
      out);
  EXPECT_NE(Collect(wrong, &items).message().find("user-data is not for the user data we gave"),
            std::string::npos);
  std::string swapped = WriteCli(
      "azure-swapped",
      azq + "\"$RD\" -o \"$Q\" --runtime-data \"$Q.rt\" || exit 1\n"
            "printf '{\"user-data\":\"%s\" }' $(echo $RD | tr a-f A-F) > \"$Q.rt\"\n",
      out);
  EXPECT_NE(Collect(swapped, &items).message().find("REPORTDATA is not SHA-256(runtime_data)"),
            std::string::npos);
}

TEST_F(TrustAuthorityCliTest, OpenRefusesUnsafeOrMissingBinaries) {
  std::unique_ptr<ra::EvidenceProvider> p;
  EXPECT_FALSE(ra::OpenTrustAuthorityCliProvider("relative/cli", 30, &p).ok());
  EXPECT_FALSE(ra::OpenTrustAuthorityCliProvider(dir_ / "missing", 30, &p).ok());
  std::string plain = dir_ / "plain";
  ra_test::WriteFile(plain, "#!/bin/sh\n");
  chmod(plain.c_str(), 0644);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(plain, 30, &p).message().find("not an executable"),
            std::string::npos);
  chmod(plain.c_str(), 0757);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(plain, 30, &p).message().find("writable by group or others"),
            std::string::npos);
  chmod(plain.c_str(), 0775);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(plain, 30, &p).message().find("writable by group or others"),
            std::string::npos);
  // A directory others may write (without the sticky bit) could swap it.
  std::string open_dir = dir_ / "open";
  mkdir(open_dir.c_str(), 0755);
  chmod(open_dir.c_str(), 0777);
  std::string inside = open_dir + "/cli";
  ra_test::WriteFile(inside, "#!/bin/sh\n");
  chmod(inside.c_str(), 0755);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(inside, 30, &p).message().find(open_dir + ": writable"),
            std::string::npos);
  // ssh's safe_path() refuses sticky world-writable directories too.
  chmod(open_dir.c_str(), 01777);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(inside, 30, &p).message().find(open_dir + ": writable"),
            std::string::npos);
  chmod(plain.c_str(), 0755);
  EXPECT_TRUE(ra::OpenTrustAuthorityCliProvider(plain, 30, &p).ok());
  EXPECT_FALSE(ra::OpenTrustAuthorityCliProvider(plain, 0, &p).ok());
}

// The issue-14 attack: a link in a safe place pointing into a directory
// another user owns.  Checking the typed path's parents saw only safe
// directories; the resolved path is what runs, and it is refused.
TEST_F(TrustAuthorityCliTest, LinkIntoAnotherUsersDirectoryIsRefused) {
  std::string cli = WriteCli("real", MakeQuote("\"$RD\""));
  std::string user_dir = dir_ / "user";
  ASSERT_EQ(mkdir(user_dir.c_str(), 0755), 0);
  ASSERT_EQ(rename(cli.c_str(), (user_dir + "/cli").c_str()), 0);
  std::string link = dir_ / "link";
  ASSERT_EQ(symlink((user_dir + "/cli").c_str(), link.c_str()), 0);
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenTrustAuthorityCliProvider(link, 30, &p);
  ASSERT_TRUE(s.ok()) << s.message();  // all ours so far: followed
  ASSERT_EQ(chown(user_dir.c_str(), 65534, 65534), 0) << "tests run as root";
  s = ra::OpenTrustAuthorityCliProvider(link, 30, &p);
  EXPECT_NE(s.message().find("bad owner or permissions on " + user_dir + ": owned by uid 65534"),
            std::string::npos) << s.message();
  // A relative link that climbs into it is resolved the same way.
  std::string rel = dir_ / "rel";
  ASSERT_EQ(symlink("./sub/../user/cli", rel.c_str()), 0);
  ASSERT_EQ(mkdir((dir_ / "sub").c_str(), 0755), 0);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(rel, 30, &p).message().find(user_dir + ": owned by"),
            std::string::npos);
  // A link whose own directory is the other user's is refused before it
  // is read.
  std::string via = user_dir + "/to-real";
  ASSERT_EQ(symlink(link.c_str(), via.c_str()), 0);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(via, 30, &p).message().find(user_dir + ": owned by"),
            std::string::npos);
}

// What runs is the file that was checked: a link through safe directories
// to a safe file still works, and is run through its descriptor (argv[0]
// stays the configured path).
TEST_F(TrustAuthorityCliTest, SafeLinkIsFollowed) {
  std::string cli = WriteCli("target", MakeQuote("\"$RD\""));
  std::string link = dir_ / "safe-link";
  ASSERT_EQ(symlink("target", link.c_str()), 0);
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(link, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(items.size(), 1u);
}

// The walk resolves as the kernel would, so what is checked is what a
// path lookup would reach: ".." after a linked directory is its physical
// parent (not the typed path's), "//" and "." are nothing, a link loop
// ends at the kernel's limit, a file used as a directory is refused.
TEST_F(TrustAuthorityCliTest, PathIsWalkedAsTheKernelWalksIt) {
  ASSERT_EQ(mkdir((dir_ / "a").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir_ / "a/b").c_str(), 0755), 0);
  std::string cli = WriteCli("cli", MakeQuote("\"$RD\""));
  ASSERT_EQ(rename(cli.c_str(), (dir_ / "a/cli").c_str()), 0);
  // Where the typed path's ".." would lead: a file that is not safe.
  std::string decoy = dir_ / "cli";
  ra_test::WriteFile(decoy, "#!/bin/sh\nexit 9\n");
  ASSERT_EQ(chmod(decoy.c_str(), 0777), 0);
  ASSERT_EQ(symlink("a/b", (dir_ / "lb").c_str()), 0);
  std::unique_ptr<ra::EvidenceProvider> p;
  std::string via = dir_.path() + "//./lb/../cli";
  ra::Status s = ra::OpenTrustAuthorityCliProvider(via, 30, &p);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<ra::EvidenceItem> items;
  s = p->Collect(binding_, &items);
  EXPECT_TRUE(s.ok()) << "ran " << via << " as the kernel resolves it: " << s.message();

  ASSERT_EQ(symlink("loop2", (dir_ / "loop1").c_str()), 0);
  ASSERT_EQ(symlink("loop1", (dir_ / "loop2").c_str()), 0);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(dir_ / "loop1", 30, &p).message().find(
                "too many symbolic links"),
            std::string::npos);
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(dir_ / "a/cli/x", 30, &p).message().find(
                "a/cli: not a directory"),
            std::string::npos);
  // A trailing slash asks for a directory: the kernel would not run
  // "a/cli/", so neither is it accepted here (directly or via a link).
  EXPECT_NE(ra::OpenTrustAuthorityCliProvider(dir_ / "a/cli/", 30, &p).message().find(
                "a/cli: not a directory"),
            std::string::npos);
  ASSERT_EQ(symlink("a/cli/", (dir_ / "slashed").c_str()), 0);
  EXPECT_FALSE(ra::OpenTrustAuthorityCliProvider(dir_ / "slashed", 30, &p).ok());
  // A link to a safe file in a safe directory named through a link that
  // loops back on itself is still found within the limit.
  ASSERT_EQ(symlink(".", (dir_ / "self").c_str()), 0);
  EXPECT_TRUE(ra::OpenTrustAuthorityCliProvider(dir_ / "self/self/self/a/cli", 30, &p).ok());
}

TEST_F(TrustAuthorityCliTest, SpecGoesThroughTheRegistry) {
  std::unique_ptr<ra::EvidenceProvider> p;
  EXPECT_FALSE(ra::OpenProvider("trustauthority-cli", &p).ok());
  std::string cli = WriteCli("reg", MakeQuote("\"$RD\""));
  ra::Status s = ra::OpenProvider("trustauthority-cli:" + cli, &p);
  EXPECT_TRUE(s.ok()) << s.message();
}

// The whole path: the CLI's quote verifies as "tdx-quote-sha512" under a
// policy naming the sim root, and the same bytes labelled "tdx-quote" do
// not (its REPORTDATA is the hash, not the binding).
TEST_F(TrustAuthorityCliTest, VerifiesAsTdxQuoteSha512Only) {
  std::string cli = WriteCli("e2e", MakeQuote("\"$RD\""));
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(Collect(cli, &items).ok());
  ra_test::WriteFile(dir_ / "policy", "TrustAnchor tdx " + dir_ / "sim/root.pem" + "\n");
  char err[256];
  ra_policy* pol = nullptr;
  ASSERT_EQ(ra_policy_load((dir_ / "policy").c_str(), &pol, err, sizeof(err)), RA_OK) << err;
  for (const char* type : {"tdx-quote-sha512", "tdx-quote"}) {
    ra_evidence* ev = ra_evidence_new();
    ASSERT_EQ(ra_evidence_add(ev, type, items[0].data.data(), items[0].data.size(), err,
                              sizeof(err)), RA_OK);
    char summary[256];
    int rc = ra_verify(pol, ev, binding_.data(), 0, summary, sizeof(summary), err, sizeof(err));
    if (std::string(type) == "tdx-quote-sha512") {
      EXPECT_EQ(rc, RA_OK) << err;
      EXPECT_NE(std::string(summary).find("tdx-quote-sha512 verified"), std::string::npos)
          << summary;
    } else {
      EXPECT_EQ(rc, RA_ERR_REFUSED);
      EXPECT_NE(std::string(err).find("report data binding"), std::string::npos) << err;
    }
    ra_evidence_free(ev);
  }
  ra::Binding other = binding_;
  other[0] ^= 1;
  ra_evidence* ev = ra_evidence_new();
  ASSERT_EQ(ra_evidence_add(ev, "tdx-quote-sha512", items[0].data.data(), items[0].data.size(),
                            err, sizeof(err)), RA_OK);
  EXPECT_EQ(ra_verify(pol, ev, other.data(), 0, nullptr, 0, err, sizeof(err)), RA_ERR_REFUSED);
  ra_evidence_free(ev);
  ra_policy_free(pol);
}

}  // namespace

namespace {

// `ssh-attest quote` with the CLI provider writes its tdx-quote-sha512 to
// the bundle, and `verify` checks it as that kind.
TEST_F(TrustAuthorityCliTest, BundleRoundTrip) {
  std::string cli = WriteCli("bundle", MakeQuote("\"$RD\""));
  ra_test::WriteFile(dir_ / "policy", "TrustAnchor tdx " + dir_ / "sim/root.pem" + "\n");
  std::string hex = ra::HexEncode(ra::ByteView(binding_.data(), binding_.size()));
  auto run = [](const std::string& args, std::string* out) {
    FILE* p = popen((std::string(RA_SSH_ATTEST) + " " + args + " 2>&1").c_str(), "r");
    char buf[4096];
    size_t n;
    out->clear();
    while (p && (n = fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
    int st = p ? pclose(p) : -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  std::string out;
  ASSERT_EQ(run("quote --provider 'trustauthority-cli:" + cli + ";acpi=none' --report-data " + hex +
                    " -o " + dir_ / "b.json",
                &out),
            0)
      << out;
  EXPECT_NE(ra_test::ReadFile(dir_ / "b.json").find("\"type\": \"tdx-quote-sha512\""),
            std::string::npos);
  ASSERT_EQ(run("verify " + dir_ / "b.json" + " --policy " + dir_ / "policy" +
                    " --report-data " + hex,
                &out),
            0)
      << out;
  EXPECT_EQ(out.rfind("verified tdx-quote-sha512 v4: ", 0), 0u) << out;
  EXPECT_EQ(run("verify " + dir_ / "b.json" + " --policy " + dir_ / "policy" +
                    " --report-data " + std::string(128, '0'),
                &out),
            1);
  EXPECT_NE(out.find("report data binding"), std::string::npos) << out;
}

// A plain quote comes with the TD's CCEL log when there is one, and the
// client replays it into the quote's RTMRs; acpi=none sends none; a CCEL
// that does not parse fails the evidence, naming the file.
TEST_F(TrustAuthorityCliTest, SendsTheCcelLogOfItsTd) {
  ra::SimInitOptions o;
  o.eventlog = true;
  ra::Status s = ra::SimInit(dir_ / "sim", o);
  ASSERT_TRUE(s.ok()) << s.message();
  std::string cli = WriteCli("ccel", MakeQuote("\"$RD\""));
  std::vector<ra::EvidenceItem> items;
  s = Collect(cli, &items, 30, dir_ / "sim/acpi");
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, "tdx-quote-sha512");
  EXPECT_EQ(items[1].type, "tdx-eventlog");

  ra_test::WriteFile(dir_ / "policy", "TrustAnchor tdx " + dir_ / "sim/root.pem" +
                                          "\nRtmrEventLog required\n");
  char err[256];
  ra_policy* pol = nullptr;
  ASSERT_EQ(ra_policy_load((dir_ / "policy").c_str(), &pol, err, sizeof(err)), RA_OK) << err;
  ra_evidence* ev = ra_evidence_new();
  for (const auto& it : items)
    ASSERT_EQ(ra_evidence_add(ev, it.type.c_str(), it.data.data(), it.data.size(), err,
                              sizeof(err)), RA_OK);
  EXPECT_EQ(ra_verify(pol, ev, binding_.data(), 0, nullptr, 0, err, sizeof(err)), RA_OK) << err;
  ra_evidence_free(ev);
  ra_policy_free(pol);

  items.clear();
  ASSERT_TRUE(Collect(cli, &items, 30, "none").ok());
  EXPECT_EQ(items.size(), 1u);

  ra_test::WriteFile(dir_ / "sim/acpi/CCEL", "not an ACPI table");
  items.clear();
  s = Collect(cli, &items, 30, dir_ / "sim/acpi");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("CCEL"), std::string::npos) << s.message();

  std::unique_ptr<ra::EvidenceProvider> p;
  s = ra::OpenTrustAuthorityCliProvider(cli + ";acpi=relative", 30, &p);
  EXPECT_NE(s.message().find("not an absolute path"), std::string::npos) << s.message();
}

}  // namespace
