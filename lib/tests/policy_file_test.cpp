#include <gtest/gtest.h>

#include <string>

#include "common/bytes_util.h"
#include "policy/policy.h"
#include "policy/policy_keywords.h"
#include "ra_test_util.h"
#include "verify/collateral_source.h"
#include "verify/x509_util.h"

namespace {

using ra_test::TempDir;

const std::string kIntelRoot = std::string(RA_VECTORS_DIR) + "/roots/Intel_SGX_Root_CA.pem";
const std::string kHexA(96, 'a');
const std::string kHexB(96, 'B');

ra::Status Parse(const std::string& text, ra::Policy* pol, const std::string& name = "p.conf") {
  return ra::ParsePolicy(text, name, pol);
}

// Expects failure with check "policy" and a message naming name:line.
void ExpectError(const std::string& text, int line, const std::string& needle) {
  ra::Policy pol;
  ra::Status s = Parse(text, &pol, "/etc/ra/p.conf");
  ASSERT_FALSE(s.ok()) << "accepted: " << text;
  EXPECT_EQ(s.check(), "policy");
  // line 0: an error about the whole file.
  std::string where = line ? "/etc/ra/p.conf:" + std::to_string(line) + ": " : "/etc/ra/p.conf: ";
  EXPECT_NE(s.message().find(where),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos)
      << "'" << needle << "' not in: " << s.message();
}

TEST(PolicyFile, EmptyGivesDefaults) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("# nothing\n\n   \n\t# indented comment\n", &pol).ok());
  EXPECT_EQ(pol.source, "p.conf");
  EXPECT_EQ(pol.accepted_types,
            std::vector<std::string>({"tdx-quote", "tdx-quote-sha512", "snp-report"}));
  EXPECT_TRUE(pol.tdx_trust_anchor.empty());
  EXPECT_TRUE(pol.collateral_dir.empty());
  EXPECT_TRUE(pol.mrtd.empty());
  EXPECT_FALSE(pol.allow_debug);
  EXPECT_EQ(pol.allowed_tcb_status, std::vector<std::string>{"UpToDate"});
  EXPECT_EQ(pol.max_age, 0);
  EXPECT_EQ(pol.clock_skew, 60);
}

TEST(PolicyFile, FullPolicy) {
  TempDir dir;
  std::string text =
      "# a full policy\n"
      "AcceptEvidence tdx-quote\n"
      "TrustAnchor tdx " + kIntelRoot + "\n"
      "Collateral " + dir.path() + "\n"
      "MRTD " + kHexA + "," + kHexB + "\n"
      "mrtd=" + kHexA + "   # trailing comment\n"
      "RTMR0 = " + kHexA + "\n"
      "rtmr1 " + kHexB + "\n"
      "Rtmr2\t" + kHexA + "\n"
      "RTMR3 " + kHexB + "\r\n"
      "MRSEAM " + kHexA + "\n"
      "allowdebug yes\n"
      "AllowedTcbStatus UpToDate,swhardeningneeded,UpToDate\n"
      "MaxAge 3600\n"
      "ClockSkew 0\n";
  ra::Policy pol;
  ra::Status s = Parse(text, &pol);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(pol.tdx_trust_anchor, kIntelRoot);
  EXPECT_EQ(pol.collateral_dir, dir.path());
  ASSERT_EQ(pol.mrtd.size(), 3u);
  EXPECT_EQ(ra::HexEncode(pol.mrtd[0]), kHexA);
  EXPECT_EQ(ra::HexEncode(pol.mrtd[1]), std::string(96, 'b'));
  for (int i = 0; i < 4; i++) EXPECT_EQ(pol.rtmr[i].size(), 1u) << i;
  EXPECT_EQ(pol.mrseam.size(), 1u);
  EXPECT_EQ(pol.mrseam[0].size(), 48u);
  EXPECT_TRUE(pol.allow_debug);
  EXPECT_EQ(pol.allowed_tcb_status,
            (std::vector<std::string>{"UpToDate", "SWHardeningNeeded"}));
  EXPECT_EQ(pol.max_age, 3600);
  EXPECT_EQ(pol.clock_skew, 0);
}

TEST(PolicyFile, QuotedPathAndRelativeResolution) {
  TempDir dir;
  ASSERT_EQ(mkdir((dir / "sub dir").c_str(), 0755), 0);
  ra_test::WriteFile(dir / "sub dir/root.pem", ra_test::ReadFile(kIntelRoot));
  ra_test::WriteFile(dir / "policy", "TrustAnchor tdx \"sub dir/root.pem\"\n"
                                     "Collateral \"sub dir\"\n");
  ra::Policy pol;
  ra::Status s = ra::LoadPolicyFile(dir / "policy", &pol);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(pol.tdx_trust_anchor, dir / "sub dir/root.pem");
  EXPECT_EQ(pol.collateral_dir, dir / "sub dir");
  EXPECT_EQ(pol.source, dir / "policy");
}

TEST(PolicyFile, LoadErrors) {
  TempDir dir;
  ra::Policy pol;
  ra::Status s = ra::LoadPolicyFile(dir / "missing", &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "policy");
  EXPECT_NE(s.message().find("missing"), std::string::npos);

  ra_test::WriteFile(dir / "big", std::string(64 * 1024 + 1, '#'));
  s = ra::LoadPolicyFile(dir / "big", &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "policy");
  EXPECT_NE(s.message().find("larger than"), std::string::npos) << s.message();

  ra_test::WriteFile(dir / "open", "AllowDebug no\n");
  ASSERT_EQ(chmod((dir / "open").c_str(), 0666), 0);
  s = ra::LoadPolicyFile(dir / "open", &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + dir / "open" +
                              ": writable by group or others"),
            std::string::npos)
      << s.message();
  ASSERT_EQ(chmod((dir / "open").c_str(), 0664), 0);
  EXPECT_FALSE(ra::LoadPolicyFile(dir / "open", &pol).ok());
  ASSERT_EQ(chmod((dir / "open").c_str(), 0644), 0);
  EXPECT_TRUE(ra::LoadPolicyFile(dir / "open", &pol).ok());

  s = ra::LoadPolicyFile(dir.path(), &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a regular file"), std::string::npos) << s.message();

  // Errors in a loaded file name the file itself.
  ra_test::WriteFile(dir / "bad", "\n\nBogus 1\n");
  s = ra::LoadPolicyFile(dir / "bad", &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(dir / "bad" + ":3: unknown keyword 'Bogus'"),
            std::string::npos) << s.message();
}

TEST(PolicyFile, FailureLeavesOutputUntouched) {
  ra::Policy pol;
  pol.max_age = 77;
  ASSERT_FALSE(Parse("MaxAge 5\nBogus\n", &pol).ok());
  EXPECT_EQ(pol.max_age, 77);
}

TEST(PolicyFile, SyntaxErrors) {
  ExpectError("Bogus yes\n", 1, "unknown keyword 'Bogus'");
  ExpectError("\n# c\nAllowDebug\n", 3, "missing argument to AllowDebug");
  ExpectError("AllowDebug yes no\n", 1, "extra argument 'no'");
  ExpectError("AllowDebug \"yes\n", 1, "unterminated quote");
  ExpectError("AllowDebug \"\"\n", 1, "empty quoted argument");
  ExpectError("AllowDebug ye\"s\"\n", 1, "quote inside an argument");
  ExpectError("AllowDebug \"yes\"x\n", 1, "garbage after closing quote");
  ExpectError("=yes\n", 1, "unknown keyword ''");
  ExpectError(std::string("AllowDebug yes\0\n", 16), 0, "NUL");
}

// Every keyword of every section counts its arguments before its handler
// runs: one too few and one too many are refused, naming the keyword.
TEST(PolicyFile, EveryKeywordCountsItsArguments) {
  size_t keywords = 0;
  for (const ra::PolicySection* section : ra::PolicySections()) {
    for (const ra::PolicyKeyword& k : section->keywords) {
      SCOPED_TRACE(k.name);
      // TrustAnchor KIND ...: the first argument picks the section.
      auto line = [&k](size_t args) {
        std::string text = k.name;
        for (size_t i = 0; i < args; i++)
          text += " " + std::string(i == 0 && k.first_arg ? k.first_arg : "x");
        return text + "\n";
      };
      ExpectError(line(k.args - 1), 1, std::string("missing argument to ") + k.name);
      ExpectError(line(k.args + 1), 1, std::string("extra argument 'x' to ") + k.name);
      keywords++;
    }
  }
  EXPECT_GT(keywords, 40u);
}

TEST(PolicyFile, LineTooLong) {
  ExpectError("# ok\nMRTD " + std::string(5000, 'a') + "\n", 2, "line longer than");
}

TEST(PolicyFile, AcceptEvidenceErrors) {
  ExpectError("AcceptEvidence sev-snp\n", 1, "unknown evidence type 'sev-snp'");
  ExpectError("AcceptEvidence tdx-quote,\n", 1, "empty element");
  ExpectError("AcceptEvidence tdx-quote\nAcceptEvidence tdx-quote\n", 2,
              "duplicate AcceptEvidence (first given at line 1)");
}

TEST(PolicyFile, RequireEvidence) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("AcceptEvidence azure-tdx-quote,tdx-quote\n"
                    "RequireEvidence Azure-TDX-quote,azure-tdx-quote\n",
                    &pol)
                  .ok());
  EXPECT_EQ(pol.required_types, std::vector<std::string>{"azure-tdx-quote"});
  ra::Policy def;
  ASSERT_TRUE(Parse("", &def).ok());
  EXPECT_TRUE(def.required_types.empty());

  ExpectError("RequireEvidence sev-snp\n", 1, "unknown evidence type 'sev-snp'");
  ExpectError("RequireEvidence tdx-quote,,x\n", 1, "empty element");
  ExpectError("RequireEvidence tdx-quote\nRequireEvidence tdx-quote\n", 2,
              "duplicate RequireEvidence");
  // Order-independent whole-file rule: a required type must be accepted.
  ExpectError("RequireEvidence azure-tdx-quote\n", 0,
              "RequireEvidence azure-tdx-quote is not in AcceptEvidence");
  ExpectError("RequireEvidence tdx-quote\nAcceptEvidence azure-tdx-quote\n", 0,
              "RequireEvidence tdx-quote is not in AcceptEvidence");
}

// Issue 14, finding 3: a policy another user owns and may rewrite, naming
// an anchor anyone may rewrite, was accepted.  Each half is refused, and
// the message names the file and what is wrong with it.
TEST(PolicyFile, TrustMaterialOthersMayWriteIsRefused) {
  TempDir dir;
  const uid_t other = 54321;
  const std::string anchor = dir / "anchor.pem", policy = dir / "policy";
  ra_test::WriteFile(anchor, ra_test::ReadFile(kIntelRoot));
  ra_test::WriteFile(policy, "TrustAnchor tdx " + anchor + "\n");
  ASSERT_EQ(chmod(anchor.c_str(), 0666), 0);
  ASSERT_EQ(chmod(policy.c_str(), 0664), 0);
  ASSERT_EQ(chown(policy.c_str(), other, static_cast<gid_t>(-1)), 0);
  ra::Policy pol;
  ra::Status s = ra::LoadPolicyFile(policy, &pol);
  ASSERT_FALSE(s.ok()) << "accepted";
  EXPECT_NE(s.message().find("bad owner or permissions on " + policy + ": owned by uid 54321"),
            std::string::npos)
      << s.message();

  ASSERT_EQ(chmod(policy.c_str(), 0644), 0);  // only the owner still wrong
  EXPECT_FALSE(ra::LoadPolicyFile(policy, &pol).ok());
  ASSERT_EQ(chown(policy.c_str(), getuid(), static_cast<gid_t>(-1)), 0);
  s = ra::LoadPolicyFile(policy, &pol);
  ASSERT_FALSE(s.ok()) << "anchor mode 666 accepted";
  EXPECT_NE(s.message().find("bad owner or permissions on " + anchor +
                             ": writable by group or others"),
            std::string::npos)
      << s.message();
  ASSERT_EQ(chmod(anchor.c_str(), 0644), 0);
  ASSERT_EQ(chown(anchor.c_str(), other, static_cast<gid_t>(-1)), 0);
  s = ra::LoadPolicyFile(policy, &pol);
  ASSERT_FALSE(s.ok()) << "anchor of another user accepted";
  EXPECT_NE(s.message().find("owned by uid 54321"), std::string::npos) << s.message();
  ASSERT_EQ(chown(anchor.c_str(), getuid(), static_cast<gid_t>(-1)), 0);
  s = ra::LoadPolicyFile(policy, &pol);
  EXPECT_TRUE(s.ok()) << s.message();

  // A symbolic link to the anchor is judged by its target; a directory
  // above the policy that others may write refuses it too.
  const std::string link = dir / "anchor-link.pem";
  ASSERT_EQ(symlink(anchor.c_str(), link.c_str()), 0);
  ra_test::WriteFile(policy, "TrustAnchor tdx " + link + "\n");
  EXPECT_TRUE(ra::LoadPolicyFile(policy, &pol).ok());
  ASSERT_EQ(chmod(anchor.c_str(), 0620), 0);
  s = ra::LoadPolicyFile(policy, &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + anchor), std::string::npos)
      << s.message();
  ASSERT_EQ(chmod(anchor.c_str(), 0644), 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0770), 0);
  s = ra::LoadPolicyFile(policy, &pol);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + dir.path() +
                             ": writable by group or others"),
            std::string::npos)
      << s.message();
}

TEST(PolicyFile, IssuerFilesOthersMayWriteAreRefused) {
  TempDir dir;
  const std::string key = std::string(RA_VECTORS_DIR) + "/maa/sharedwus_kid_15N2MH_pubkey.pem";
  ra_test::WriteFile(dir / "key.pem", ra_test::ReadFile(key));
  ra_test::WriteFile(dir / "ca.pem", ra_test::ReadFile(kIntelRoot));
  ra_test::WriteFile(dir / "jwks.json", "{\"keys\": []}");
  const std::string head = "AcceptEvidence maa-token\nIssuer https://x.example\n";
  for (const char* f : {"key.pem", "ca.pem", "jwks.json"})
    ASSERT_EQ(chmod((dir / f).c_str(), 0664), 0);
  ExpectError(head + "IssuerKey k " + dir / "key.pem" + "\n", 3,
              "bad owner or permissions on " + dir / "key.pem" + ": writable by group or others");
  ExpectError(head + "IssuerCA " + dir / "ca.pem" + "\n", 3,
              "bad owner or permissions on " + dir / "ca.pem" + ": writable by group or others");
  ExpectError(head + "IssuerKeys " + dir / "jwks.json" + "\n", 3,
              "bad owner or permissions on " + dir / "jwks.json");
  ASSERT_EQ(chmod((dir / "key.pem").c_str(), 0644), 0);
  ra::Policy pol;
  ra::Status s = Parse(head + "IssuerKey k " + dir / "key.pem" + "\n", &pol);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(PolicyFile, TrustAnchorErrors) {
  TempDir dir;
  ra_test::WriteFile(dir / "notpem", "hello\n");
  ExpectError("TrustAnchor tdx\n", 1, "missing argument");
  ExpectError("TrustAnchor " + kIntelRoot + "\n", 1, "missing argument");
  ExpectError("TrustAnchor sgx " + kIntelRoot + "\n", 1, "unknown TrustAnchor kind 'sgx'");
  ExpectError("TrustAnchor tdx " + kIntelRoot + " x\n", 1, "extra argument 'x'");
  ExpectError("TrustAnchor tdx " + dir / "nope.pem" + "\n", 1, "No such file");
  ExpectError("TrustAnchor tdx " + dir.path() + "\n", 1, "not a regular file");
  ExpectError("TrustAnchor tdx " + dir / "notpem" + "\n", 1, "no PEM certificate");
  // Relative to the policy file's directory (/etc/ra), not the cwd.
  ExpectError("TrustAnchor tdx root.pem\n", 1, "/etc/ra/root.pem");
  ExpectError("TrustAnchor tdx " + kIntelRoot + "\nTrustAnchor TDX " + kIntelRoot + "\n",
              2, "duplicate TrustAnchor");
}

TEST(PolicyFile, TrustAnchorParsedOnceAtLoad) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("TrustAnchor tdx " + kIntelRoot + "\n", &pol).ok());
  ASSERT_TRUE(pol.tdx_anchor_certs);
  EXPECT_EQ(pol.tdx_anchor_certs->source, kIntelRoot);
  EXPECT_EQ(pol.tdx_anchor_certs->certs.size(), 1u);
  // The default policy keeps none: the built-in root is the verifier's.
  ra::Policy def;
  ASSERT_TRUE(Parse("", &def).ok());
  EXPECT_FALSE(def.tdx_anchor_certs);
  // What the verifier used to refuse at each verification is refused at
  // load: a damaged PEM block after a good one.
  TempDir dir;
  std::string root = ra_test::ReadFile(kIntelRoot);
  ra_test::WriteFile(dir / "damaged.pem",
                     root + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  ExpectError("TrustAnchor tdx " + dir / "damaged.pem" + "\n", 1, "bad PEM certificate");
  std::string many;
  for (int i = 0; i < 17; i++) many += root + "\n";
  ra_test::WriteFile(dir / "many.pem", many);
  ExpectError("TrustAnchor tdx " + dir / "many.pem" + "\n", 1, "more than 16 certificates");
  // LoadTdxTrustAnchor does the same for policies built in code.
  ra::Policy code;
  ASSERT_TRUE(ra::LoadTdxTrustAnchor(kIntelRoot, &code).ok());
  EXPECT_EQ(code.tdx_trust_anchor, kIntelRoot);
  ASSERT_TRUE(code.tdx_anchor_certs);
  ra::Status s = ra::LoadTdxTrustAnchor(dir / "damaged.pem", &code);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(code.tdx_trust_anchor, kIntelRoot) << "failure must leave the policy alone";
}

TEST(PolicyFile, AnchorCopiesInEvidenceAreRecognised) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("TrustAnchor tdx " + kIntelRoot + "\n", &pol).ok());
  ASSERT_EQ(pol.tdx_anchor_certs->der.size(), 1u);
  const std::vector<ra::Bytes>& der = pol.tdx_anchor_certs->der;
  std::string root = ra_test::ReadFile(kIntelRoot);
  if (root.back() != '\n') root += "\n";
  // The same certificate wrapped at other widths, with CRLF.
  std::string body = root.substr(root.find('\n') + 1);
  body = body.substr(0, body.find("-----END"));
  std::string flat;
  for (char c : body)
    if (c != '\n' && c != '\r') flat += c;
  std::string rewrapped = "-----BEGIN CERTIFICATE-----\r\n";
  for (size_t i = 0; i < flat.size(); i += 76) rewrapped += flat.substr(i, 76) + "\r\n";
  rewrapped += "-----END CERTIFICATE-----\r\n";

  // The first block (the leaf) always stays; later copies go.
  EXPECT_EQ(ra::DropAnchorCopies(root + root, der), root);
  EXPECT_EQ(ra::DropAnchorCopies(root + rewrapped + "tail\n", der), root + "tail\n");
  // Nothing to compare with, or nothing equal: unchanged.
  EXPECT_EQ(ra::DropAnchorCopies(root + root, {}), root + root);
  std::string other = root;
  other[other.find("MII") + 10] ^= 1;  // another certificate (or garbage)
  EXPECT_EQ(ra::DropAnchorCopies(root + other, der), root + other);
  // A block that is not clean base64 is left for the PEM reader.
  std::string hdr = root;
  hdr.insert(hdr.find('\n') + 1, "Proc-Type: 4,ENCRYPTED\n\n");
  EXPECT_EQ(ra::DropAnchorCopies(root + hdr, der), root + hdr);
  // A BEGIN without its own END is paired with the next END: kept whole.
  std::string broken = "-----BEGIN CERTIFICATE-----\nAAAA\n" + root;
  EXPECT_EQ(ra::DropAnchorCopies(root + broken, der), root + broken);
  // The built-in path and a policy file agree on what is dropped.
  ra::Policy code;
  ASSERT_TRUE(ra::LoadTdxTrustAnchor(kIntelRoot, &code).ok());
  EXPECT_EQ(code.tdx_anchor_certs->der, der);
}

TEST(PolicyFile, IssuerKeyCache) {
  ra::Policy pol;
  ASSERT_TRUE(Parse("", &pol).ok());
  EXPECT_TRUE(pol.issuer_key_cache.empty());
  EXPECT_FALSE(pol.issuer_key_cache_given);
  ASSERT_TRUE(Parse("IssuerKeyCache /var/cache/ra-keys\n", &pol).ok());
  EXPECT_EQ(pol.issuer_key_cache, "/var/cache/ra-keys");
  EXPECT_TRUE(pol.issuer_key_cache_given);
  ASSERT_TRUE(Parse("IssuerKeyCache none\n", &pol).ok());
  EXPECT_TRUE(pol.issuer_key_cache.empty());
  EXPECT_TRUE(pol.issuer_key_cache_given);
  // Relative to the policy file, like every path in it.
  ASSERT_TRUE(Parse("issuerkeycache = keys\n", &pol, "/etc/ra/p.conf").ok());
  EXPECT_EQ(pol.issuer_key_cache, "/etc/ra/keys");
  ASSERT_TRUE(Parse("IssuerKeyCache ./none\n", &pol, "/etc/ra/p.conf").ok());
  EXPECT_EQ(pol.issuer_key_cache, "/etc/ra/./none");
  // Not checked at load: a missing directory is created when first used.
  ASSERT_TRUE(Parse("IssuerKeyCache /nonexistent/dir\n", &pol).ok());

  ExpectError("IssuerKeyCache\n", 1, "missing argument to IssuerKeyCache");
  ExpectError("IssuerKeyCache /a /b\n", 1, "extra argument '/b'");
  ExpectError("IssuerKeyCache NONE\n", 1, "write none, or ./NONE");
  ExpectError("IssuerKeyCache None\n", 1, "write none");
  ExpectError("IssuerKeyCache /a\nIssuerKeyCache none\n", 2,
              "duplicate IssuerKeyCache (first given at line 1)");
  ExpectError("IssuerKeyCache \"\"\n", 1, "empty quoted argument");
}

TEST(PolicyFile, CollateralErrors) {
  TempDir dir;
  ra_test::WriteFile(dir / "file", "x");
  ExpectError("Collateral\n", 1, "missing argument");
  ExpectError("Collateral " + dir / "none" + "\n", 1, "No such file");
  ExpectError("Collateral " + dir / "file" + "\n", 1, "not a directory");
  ASSERT_EQ(mkdir((dir / "open").c_str(), 0700), 0);
  ASSERT_EQ(chmod((dir / "open").c_str(), 0770), 0);
  ExpectError("Collateral " + dir / "open" + "\n", 1,
              "bad owner or permissions on " + dir / "open" + ": writable by group or others");
  ExpectError("Collateral /tmp\n", 1, "bad owner or permissions on /tmp");
  // Its files are judged when read: one others may write refuses the lot.
  ASSERT_EQ(chmod((dir / "open").c_str(), 0700), 0);
  ra_test::WriteFile(dir / "open/tcbinfo.json", "{}");
  ASSERT_EQ(chmod((dir / "open/tcbinfo.json").c_str(), 0666), 0);
  ra::TdxCollateral c;
  ra::Status s = ra::MakeDirectoryCollateralSource(dir / "open")->Get({}, ra::PckCa::kPlatform,
                                                                     0, 0, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + dir / "open/tcbinfo.json"),
            std::string::npos)
      << s.message();
  ExpectError("Collateral a b\n", 1, "extra argument");
  ExpectError("Collateral " + dir.path() + "\nCollateral " + dir.path() + "\n", 2,
              "duplicate Collateral");
}

TEST(PolicyFile, MeasurementErrors) {
  for (const std::string kw : {"MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3", "MRSEAM"}) {
    SCOPED_TRACE(kw);
    ExpectError(kw + "\n", 1, "missing argument to " + kw);
    ExpectError(kw + " " + std::string(94, 'a') + "\n", 1, "96 hex digits");
    ExpectError(kw + " " + std::string(98, 'a') + "\n", 1, "96 hex digits");
    ExpectError(kw + " " + std::string(95, 'a') + "g\n", 1, "not hex");
    ExpectError(kw + " " + kHexA + ",\n", 1, "empty element");
    ExpectError(kw + " " + kHexA + " " + kHexA + "\n", 1, "extra argument");
  }
  ExpectError("RTMR4 " + kHexA + "\n", 1, "unknown keyword 'RTMR4'");
  // Reference values accumulate over lines rather than being duplicates.
  ra::Policy pol;
  ASSERT_TRUE(Parse("MRTD " + kHexA + "\nMRTD " + kHexB + "\n", &pol).ok());
  EXPECT_EQ(pol.mrtd.size(), 2u);
}

TEST(PolicyFile, AllowDebugErrors) {
  ExpectError("AllowDebug true\n", 1, "AllowDebug wants yes or no, not 'true'");
  ExpectError("AllowDebug 1\n", 1, "yes or no");
  ExpectError("AllowDebug no\nAllowDebug no\n", 2, "duplicate AllowDebug");
  ra::Policy pol;
  ASSERT_TRUE(Parse("AllowDebug NO\n", &pol).ok());
  EXPECT_FALSE(pol.allow_debug);
}

TEST(PolicyFile, AllowedTcbStatusErrors) {
  ExpectError("AllowedTcbStatus UpToDate,Fine\n", 1, "unknown TCB status 'Fine'");
  ExpectError("AllowedTcbStatus ,UpToDate\n", 1, "empty element");
  ExpectError("AllowedTcbStatus UpToDate\nAllowedTcbStatus OutOfDate\n", 2, "duplicate");
  ra::Policy pol;
  ASSERT_TRUE(Parse("AllowedTcbStatus UpToDate,SWHardeningNeeded,ConfigurationNeeded,"
                    "ConfigurationAndSWHardeningNeeded,OutOfDate,"
                    "OutOfDateConfigurationNeeded,Revoked\n", &pol).ok());
  EXPECT_EQ(pol.allowed_tcb_status.size(), 7u);
}

TEST(PolicyFile, SecondsErrors) {
  for (const std::string kw : {"MaxAge", "ClockSkew"}) {
    SCOPED_TRACE(kw);
    ExpectError(kw + "\n", 1, "missing argument");
    ExpectError(kw + " -1\n", 1, "not a number of seconds");
    ExpectError(kw + " 5m\n", 1, "not a number of seconds");
    ExpectError(kw + " 1.5\n", 1, "not a number of seconds");
    ExpectError(kw + " 99999999999999999999\n", 1, "not a number of seconds");
    ExpectError(kw + " 999999999999\n", 1, "exceeds the maximum");
    ExpectError(kw + " 1 2\n", 1, "extra argument");
    ExpectError(kw + " 1\n" + kw + " 1\n", 2, "duplicate " + kw);
  }
  ExpectError("ClockSkew 86401\n", 1, "exceeds the maximum of 86400");
  ra::Policy pol;
  ASSERT_TRUE(Parse("MaxAge 315360000\nClockSkew 86400\n", &pol).ok());
}

}  // namespace
