// Known attestations: the line format, the lookup, the file on disk, the C
// ABI and `ssh-attest known` (tools/ssh-attest/known_cmd.cpp, compiled in
// here until the tool's restructuring wires it).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/known_attestations.h"
#include "ra_known.h"
#include "ra_test_util.h"

#include "../../tools/ssh-attest/cli.cpp"        // NOLINT: its Usage/Failure plumbing
#include "../../tools/ssh-attest/known_cmd.cpp"  // NOLINT: test-only build of the subcommand

namespace {

using ra::known::CheckOptions;
using ra::known::Measurements;
using ra::known::Mode;
using ra_test::ReadFile;
using ra_test::TempDir;
using ra_test::WriteFile;

const std::string kH1(96, 'a');
const std::string kH2 = std::string(90, 'a') + "bbbbbb";

Measurements Tdx(const std::string& mrtd = kH1, const std::string& rtmr0 = kH1) {
  return Measurements{"tdx",
                      {{"anchor", std::string(64, 'c')},
                       {"mrtd", mrtd},
                       {"rtmr0", rtmr0},
                       {"rtmr1", kH1},
                       {"rtmr2", kH1},
                       {"mrconfigid", std::string(96, '0')},
                       {"mrowner", std::string(96, '0')},
                       {"td_attributes", "0000001000000000"}}};
}

ra::Status Check(const std::string& path, const std::string& host, int port, Mode mode,
                 const Measurements& m, bool* recorded, bool hash = false,
                 std::vector<std::string>* warnings = nullptr) {
  CheckOptions o;
  o.mode = mode;
  o.hash = hash;
  return ra::known::CheckAndRecord(path, host, port, o, m, recorded, warnings);
}

// Removes the records of host from path: one is found, and the file then
// reads left.
void ExpectOneRemoved(const std::string& path, const std::string& host, const std::string& left) {
  size_t removed = 0;
  ra::Status s = ra::known::RemoveRecords(path, host, &removed);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(ReadFile(path), left);
}

// HostFieldMatches(field, host), which must not fail.
bool Matches(const std::string& field, const std::string& host) {
  bool m = false;
  ra::Status s = ra::known::HostFieldMatches(field, host, &m);
  EXPECT_TRUE(s.ok()) << s.message();
  return m;
}

// ---- format ----

TEST(KnownFormat, ParsesRecordAndNormalizesHex) {
  ra::known::Record r;
  bool is_record = false;
  ASSERT_TRUE(ra::known::ParseLine("host.example,10.0.0.1 tdx mrtd=ABcd rtmr0=00\r", &r,
                                   &is_record).ok());
  ASSERT_TRUE(is_record);
  EXPECT_EQ(r.hosts, "host.example,10.0.0.1");
  EXPECT_EQ(r.m.kind, "tdx");
  ASSERT_EQ(r.m.fields.size(), 2u);
  EXPECT_EQ(r.m.fields[0], std::make_pair(std::string("mrtd"), std::string("abcd")));
  EXPECT_EQ(ra::known::FormatLine(r.hosts, r.m), "host.example,10.0.0.1 tdx mrtd=abcd rtmr0=00");
  for (const char* blank : {"", "   ", "# comment", "  \t# indented comment x y"}) {
    ASSERT_TRUE(ra::known::ParseLine(blank, &r, &is_record).ok()) << blank;
    EXPECT_FALSE(is_record) << blank;
  }
}

TEST(KnownFormat, RefusesMalformedLines) {
  const char* bad[] = {
      "host",                            // nothing after the host
      "host tdx",                        // no fields
      "host tdx mrtd",                   // not NAME=HEX
      "host tdx mrtd=",                  // empty value
      "host tdx mrtd=abc",               // odd length
      "host tdx mrtd=zz",                // not hex
      "host tdx mrtd=00 mrtd=00",        // duplicate
      "host tdx MRTD=00",                // upper-case name
      "host tdx -x=00",                  // name starts with '-'
      "host TDX mrtd=00",                // upper-case kind
      "host t/x mrtd=00",                // bad kind
      "host, tdx mrtd=00",               // empty name in the host list
      "|2|abc|def tdx mrtd=00",          // unknown hash format
      "|1|AAAA|AAAA tdx mrtd=00",        // salt of the wrong size
      "|1|AAECAwQFBgcICQoLDA0ODxAREhM= tdx mrtd=00",  // no hash part
      "host tdx mrtd=00\x01",            // control character
      "h\xc3\xa9 tdx mrtd=00",           // non-ASCII
  };
  for (const char* line : bad) {
    ra::known::Record r;
    bool is_record = true;
    ra::Status s = ra::known::ParseLine(line, &r, &is_record);
    EXPECT_FALSE(s.ok()) << line;
    EXPECT_EQ(s.check(), "known attestations") << line;
    EXPECT_FALSE(s.detail().empty()) << line;
  }
  std::string huge = "host tdx mrtd=" + std::string(ra::known::kMaxLineLen, '0');
  ra::known::Record r;
  bool is_record = false;
  EXPECT_FALSE(ra::known::ParseLine(huge, &r, &is_record).ok());
  std::string many = "host tdx";
  for (size_t i = 0; i <= ra::known::kMaxFields; i++) many += " f" + std::to_string(i) + "=00";
  EXPECT_FALSE(ra::known::ParseLine(many, &r, &is_record).ok());
  EXPECT_FALSE(ra::known::ParseLine("host tdx v=" + std::string(ra::known::kMaxValueHex + 2, '0'),
                                    &r, &is_record).ok());
}

TEST(KnownFormat, HostKeyNameAsKnownHosts) {
  EXPECT_EQ(ra::known::HostKeyName("example.org", 22), "example.org");
  EXPECT_EQ(ra::known::HostKeyName("example.org", 0), "example.org");
  EXPECT_EQ(ra::known::HostKeyName("example.org", 2222), "[example.org]:2222");
}

TEST(KnownFormat, HashedHostMatchesOpenSshHmacSha1) {
  // Salt 00..13; HMAC-SHA1 computed independently (Python hmac).
  const std::string field = "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|FECgIuoZ4Lo/BCx3pa8UOUgvG+o=";
  EXPECT_TRUE(Matches(field, "[example.org]:2222"));
  EXPECT_FALSE(Matches(field, "example.org"));
  std::string fresh;
  ASSERT_TRUE(ra::known::HashHostName("example.org", &fresh).ok());
  EXPECT_EQ(fresh.compare(0, 3, "|1|"), 0);
  EXPECT_EQ(fresh.find("example"), std::string::npos);
  EXPECT_TRUE(Matches(fresh, "example.org"));
  EXPECT_FALSE(Matches(fresh, "example.net"));
  std::string other;
  ASSERT_TRUE(ra::known::HashHostName("example.org", &other).ok());
  EXPECT_NE(fresh, other);  // salted
}

TEST(KnownFormat, PlainHostListCaseInsensitiveNoWildcards) {
  EXPECT_TRUE(Matches("a.example,B.Example", "b.example"));
  EXPECT_FALSE(Matches("*.example", "b.example"));
  EXPECT_FALSE(Matches("[b.example]:2222", "b.example"));
}

TEST(KnownFormat, ShortenShowsWhereValuesDiffer) {
  EXPECT_EQ(ra::known::ShortenValue(kH1, std::string(96, 'b')), "aaaaaaaaaaaa...");
  // Differing at digit 90 of 96: shown around the difference.
  EXPECT_EQ(ra::known::ShortenValue(kH1, kH2), "...aaaaaaaaaa");
  EXPECT_EQ(ra::known::ShortenValue(kH2, kH1), "...aaaabbbbbb");
  std::string mid = std::string(40, '0') + "1" + std::string(55, '0');
  EXPECT_EQ(ra::known::ShortenValue(mid, std::string(96, '0')), "...000010000000...");
  EXPECT_EQ(ra::known::ShortenValue("0011", "0012"), "0011");
  EXPECT_EQ(ra::known::ShortenValue("", "00"), "(none)");
}

// ---- lookup ----

TEST(KnownCheck, RecordThenMatchThenRefuseChange) {
  TempDir d;
  std::string f = d / "known_attestations";
  bool rec = false;
  ASSERT_TRUE(Check(f, "host.example", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  EXPECT_TRUE(rec);
  EXPECT_EQ(ReadFile(f), ra::known::FormatLine("host.example", Tdx()) + "\n");
  struct stat st;
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_TRUE(Check(f, "host.example", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  EXPECT_FALSE(rec);
  ASSERT_TRUE(Check(f, "HOST.example", 22, Mode::kYes, Tdx(), &rec).ok());

  ra::Status s = Check(f, "host.example", 22, Mode::kAcceptNew, Tdx(kH2, std::string(96, 'f')), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(rec);
  EXPECT_EQ(s.check(), "known attestations");
  const std::string& msg = s.detail();
  EXPECT_NE(msg.find("mrtd ...aaaaaaaaaa -> ...aaaabbbbbb"), std::string::npos) << msg;
  EXPECT_NE(msg.find("rtmr0 aaaaaaaaaaaa... -> ffffffffffff..."), std::string::npos) << msg;
  EXPECT_EQ(msg.find("rtmr1"), std::string::npos) << msg;  // unchanged fields not listed
  EXPECT_NE(msg.find("ssh-attest known --remove host.example`"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 1 of " + f), std::string::npos) << msg;
  // The refusal recorded nothing.
  EXPECT_EQ(ReadFile(f), ra::known::FormatLine("host.example", Tdx()) + "\n");
}

TEST(KnownCheck, KindChangeAndMissingFieldAreMismatches) {
  TempDir d;
  std::string f = d / "ka";
  bool rec = false;
  ASSERT_TRUE(Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  Measurements snp{"sev-snp", {{"measurement", kH1}}};
  ra::Status s = Check(f, "h", 22, Mode::kAcceptNew, snp, &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("evidence kind tdx was recorded"), std::string::npos) << s.detail();
  Measurements fewer = Tdx();
  fewer.fields.erase(fewer.fields.begin() + 5);  // no mrconfigid
  s = Check(f, "h", 22, Mode::kAcceptNew, fewer, &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("mrconfigid 000000000000... -> (none)"), std::string::npos)
      << s.detail();
  // Many changes: a few listed, the rest counted.
  Measurements all{"tdx", {}};
  for (const auto& fld : Tdx().fields)
    all.fields.emplace_back(fld.first, std::string(fld.second.size(), 'e'));
  s = Check(f, "h", 22, Mode::kAcceptNew, all, &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(" and 4 more; "), std::string::npos) << s.detail();
  // ra_ssh_client.c's refusal reason holds 512 bytes.
  EXPECT_LT(s.message().size(), 420u) << s.message();
  // A field seen but never recorded (a newer library) is not compared.
  Measurements more = Tdx();
  more.fields.emplace_back("rtmr3", kH2);
  EXPECT_TRUE(Check(f, "h", 22, Mode::kAcceptNew, more, &rec).ok());
  EXPECT_FALSE(rec);
}

TEST(KnownCheck, StrictYesRefusesUnknownAndNoSkips) {
  TempDir d;
  std::string f = d / "ka";
  bool rec = true;
  ra::Status s = Check(f, "h", 22, Mode::kYes, Tdx(), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("StrictAttestationChecking is yes"), std::string::npos);
  EXPECT_FALSE(ra_test::Exists(f));
  // "no" does not even read the file: a corrupt one passes.
  WriteFile(f, "h garbage\n");
  EXPECT_TRUE(Check(f, "h", 22, Mode::kNo, Tdx(kH2), &rec).ok());
  EXPECT_FALSE(rec);
}

TEST(KnownCheck, PortsAreDistinctKeys) {
  TempDir d;
  std::string f = d / "ka";
  bool rec = false;
  ASSERT_TRUE(Check(f, "h.example", 2222, Mode::kAcceptNew, Tdx(), &rec).ok());
  EXPECT_EQ(ReadFile(f).compare(0, 18, "[h.example]:2222 t"), 0) << ReadFile(f);
  // Port 22 is another server: unknown, recorded separately.
  ASSERT_TRUE(Check(f, "h.example", 22, Mode::kAcceptNew, Tdx(kH2), &rec).ok());
  EXPECT_TRUE(rec);
  EXPECT_TRUE(Check(f, "h.example", 2222, Mode::kYes, Tdx(), &rec).ok());
  ra::Status s = Check(f, "h.example", 2222, Mode::kYes, Tdx(kH2), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("--remove h.example -p 2222`"), std::string::npos) << s.detail();
  EXPECT_FALSE(Check(f, "h.example", 2223, Mode::kYes, Tdx(), &rec).ok());
}

TEST(KnownCheck, HashedRecords) {
  TempDir d;
  std::string f = d / "ka";
  bool rec = false;
  ASSERT_TRUE(Check(f, "h.example", 2222, Mode::kAcceptNew, Tdx(), &rec, true).ok());
  std::string text = ReadFile(f);
  EXPECT_EQ(text.compare(0, 3, "|1|"), 0);
  EXPECT_EQ(text.find("h.example"), std::string::npos);
  EXPECT_TRUE(Check(f, "h.example", 2222, Mode::kYes, Tdx(), &rec).ok());
  EXPECT_FALSE(Check(f, "h.example", 22, Mode::kYes, Tdx(), &rec).ok());
  EXPECT_FALSE(Check(f, "h.example", 2222, Mode::kYes, Tdx(kH2), &rec).ok());
  ExpectOneRemoved(f, "[h.example]:2222", "");
}

TEST(KnownCheck, CorruptLineForThisHostRefusesWithLineNumber) {
  TempDir d;
  std::string f = d / "ka";
  const std::string good = ra::known::FormatLine("h", Tdx());
  WriteFile(f, "# mine\n" + good + "\nh tdx mrtd=xyz\n");
  bool rec = false;
  ra::Status s = Check(f, "h", 22, Mode::kAcceptNew, Tdx(kH2), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(f + ":3: corrupt record for h"), std::string::npos) << s.detail();
  // Even when line 2 matches, the corrupt record of h is not passed over.
  s = Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(f + ":3:"), std::string::npos) << s.detail();
  // Corrupt line first: refused even though a later line would match.
  WriteFile(f, "h tdx mrtd=xyz\n" + good + "\n");
  s = Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(f + ":1:"), std::string::npos) << s.detail();
  // An unreadable host field might be this host's: refused too.
  WriteFile(f, "|1|notbase64|x tdx mrtd=00\n" + good + "\n");
  s = Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(f + ":1:"), std::string::npos) << s.detail();
}

TEST(KnownCheck, CorruptLineOfAnotherHostIsAWarning) {
  TempDir d;
  std::string f = d / "ka";
  WriteFile(f, "other tdx mrtd=q\n" + ra::known::FormatLine("h", Tdx()) + "\n");
  bool rec = false;
  std::vector<std::string> warnings;
  ASSERT_TRUE(Check(f, "h", 22, Mode::kYes, Tdx(), &rec, false, &warnings).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].compare(0, f.size() + 3, f + ":1:"), 0) << warnings[0];
}

// ---- the file on disk ----

TEST(KnownFile, RewritesKeepOtherLinesByteIdentical) {
  TempDir d;
  std::string f = d / "ka";
  // Comments, CRLF, odd spacing, a corrupt line of another host, and no
  // final newline: all must survive both an append and a removal.
  const std::string before =
      "# keep me  \n"
      "other  tdx   mrtd=AA\r\n"
      "\n"
      "broken line of nobody=zz\n"
      "h tdx mrtd=00\n"
      "tail tdx mrtd=11";
  WriteFile(f, before);
  ASSERT_EQ(chmod(f.c_str(), 0640), 0);
  bool rec = false;
  ASSERT_TRUE(Check(f, "new", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  ASSERT_TRUE(rec);
  std::string after = ReadFile(f);
  EXPECT_EQ(after, before + "\n" + ra::known::FormatLine("new", Tdx()) + "\n");
  struct stat st;
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);  // mode kept

  std::string expect = after;
  expect.erase(expect.find("h tdx mrtd=00\n"), 14);
  ExpectOneRemoved(f, "h", expect);
  // No temporary file left behind in the directory.
  ASSERT_EQ(std::system(("test $(ls -A '" + d.path() + "' | wc -l) -eq 1").c_str()), 0);
}

TEST(KnownFile, RemovesCorruptRecordOfTheHost) {
  TempDir d;
  std::string f = d / "ka";
  WriteFile(f, "h tdx mrtd=xyz\nother tdx mrtd=00\n");
  ExpectOneRemoved(f, "h", "other tdx mrtd=00\n");
}

TEST(KnownFile, UnsafeFilesAreRefused) {
  TempDir d;
  std::string f = d / "ka";
  std::string text;
  bool exists = true;
  ASSERT_TRUE(ra::known::ReadKnownFile(f, &text, &exists).ok());
  EXPECT_FALSE(exists);
  WriteFile(f, "h tdx mrtd=00\n");
  ASSERT_EQ(chmod(f.c_str(), 0620), 0);
  ra::Status s = ra::known::ReadKnownFile(f, &text, &exists);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("writable by group or others"), std::string::npos) << s.detail();
  bool rec = false;
  EXPECT_FALSE(Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  EXPECT_FALSE(rec);

  ASSERT_EQ(chmod(f.c_str(), 0600), 0);
  ASSERT_EQ(chown(f.c_str(), getuid() + 1234, static_cast<gid_t>(-1)), 0);
  s = ra::known::ReadKnownFile(f, &text, &exists);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("owned by uid"), std::string::npos) << s.detail();
  ASSERT_EQ(chown(f.c_str(), getuid(), static_cast<gid_t>(-1)), 0);

  std::string link = d / "link";
  ASSERT_EQ(symlink(f.c_str(), link.c_str()), 0);
  s = ra::known::ReadKnownFile(link, &text, &exists);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("symbolic link"), std::string::npos) << s.detail();

  std::string sub = d / "sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  WriteFile(sub + "/ka", "h tdx mrtd=00\n");
  ASSERT_EQ(chmod(sub.c_str(), 0770), 0);
  s = ra::known::ReadKnownFile(sub + "/ka", &text, &exists);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("bad owner or permissions on " + sub), std::string::npos) << s.detail();
  EXPECT_FALSE(ra::known::WriteKnownFile(sub + "/ka", "x\n").ok());
  EXPECT_EQ(ReadFile(sub + "/ka"), "h tdx mrtd=00\n");
}

TEST(KnownFile, MissingDirectoryIsCreatedPrivate) {
  TempDir d;
  std::string f = d / "dotssh/ka";  // as for a user without ~/.ssh yet
  bool rec = false;
  ASSERT_TRUE(Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  EXPECT_TRUE(rec);
  struct stat st;
  ASSERT_EQ(stat((d / "dotssh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(Check(f, "h", 22, Mode::kYes, Tdx(), &rec).ok());
  // Only the last component is made.
  EXPECT_FALSE(Check(d / "x/y/ka", "h", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
}

TEST(KnownFile, SizeIsBounded) {
  TempDir d;
  std::string f = d / "ka";
  WriteFile(f, std::string(ra::known::kMaxFileSize + 1, '#'));
  std::string text;
  bool exists = false;
  ra::Status s = ra::known::ReadKnownFile(f, &text, &exists);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("larger than"), std::string::npos);
  // A record that would push the file over the bound is not written.
  WriteFile(f, std::string(ra::known::kMaxFileSize - 10, '#'));
  bool rec = false;
  EXPECT_FALSE(Check(f, "h", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  EXPECT_FALSE(rec);
}

// ---- C ABI ----

TEST(KnownCapi, CheckRecordsAndRefuses) {
  TempDir d;
  std::string f = d / "ka";
  char err[RA_KNOWN_ERRLEN];
  struct ra_measurements* m = nullptr;
  EXPECT_EQ(ra_measurements_new("Bad Kind", &m, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(m, nullptr);
  ASSERT_EQ(ra_measurements_new("tdx", &m, err, sizeof(err)), RA_OK);
  ASSERT_EQ(ra_measurements_add(m, "mrtd", kH1.c_str(), err, sizeof(err)), RA_OK);
  EXPECT_EQ(ra_measurements_add(m, "mrtd", kH1.c_str(), err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_NE(std::string(err).find("given twice"), std::string::npos) << err;
  EXPECT_EQ(ra_measurements_add(m, "rtmr0", "0g", err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_measurements_add(nullptr, "x", "00", err, sizeof(err)), RA_ERR_INVALID);

  int recorded = 0;
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 22, RA_KNOWN_CHECK_YES, 0, m, &recorded, nullptr,
                           nullptr, err, sizeof(err)), RA_ERR_REFUSED);
  ASSERT_EQ(ra_known_check(f.c_str(), "h", 22, RA_KNOWN_CHECK_ACCEPT_NEW, 1, m, &recorded,
                           nullptr, nullptr, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 22, 7, 0, m, &recorded, nullptr, nullptr, err,
                           sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 70000, 1, 0, m, &recorded, nullptr, nullptr, err,
                           sizeof(err)), RA_ERR_INVALID);
  ra_measurements_free(m);

  ASSERT_EQ(ra_measurements_new("tdx", &m, err, sizeof(err)), RA_OK);
  ASSERT_EQ(ra_measurements_add(m, "mrtd", kH2.c_str(), err, sizeof(err)), RA_OK);
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 22, RA_KNOWN_CHECK_ACCEPT_NEW, 0, m, &recorded,
                           nullptr, nullptr, err, sizeof(err)), RA_ERR_REFUSED);
  EXPECT_EQ(recorded, 0);
  EXPECT_NE(std::string(err).find("mrtd"), std::string::npos) << err;

  // Warnings for other hosts' corrupt lines reach the callback.
  WriteFile(f, ReadFile(f) + "other tdx oops\n");
  std::vector<std::string> got;
  auto warn = [](void* ctx, const char* msg) {
    static_cast<std::vector<std::string>*>(ctx)->push_back(msg);
  };
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 22, RA_KNOWN_CHECK_ACCEPT_NEW, 0, m, &recorded,
                           warn, &got, err, sizeof(err)), RA_ERR_REFUSED);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].compare(0, f.size() + 3, f + ":2:"), 0) << got[0];

  size_t removed = 0;
  ASSERT_EQ(ra_known_remove(f.c_str(), "h", 22, &removed, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 22, RA_KNOWN_CHECK_ACCEPT_NEW, 0, m, &recorded,
                           nullptr, nullptr, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(recorded, 1);

  ASSERT_EQ(chmod(f.c_str(), 0666), 0);
  EXPECT_EQ(ra_known_check(f.c_str(), "h", 22, RA_KNOWN_CHECK_ACCEPT_NEW, 0, m, &recorded,
                           nullptr, nullptr, err, sizeof(err)), RA_ERR_INVALID);
  ra_measurements_free(m);
}

TEST(KnownCapi, PolicyPinsMeasurements) {
  TempDir d;
  char err[256];
  struct ra_policy* pol = nullptr;
  EXPECT_EQ(ra_policy_pins_measurements(nullptr), 0);
  ASSERT_EQ(ra_policy_load(nullptr, &pol, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(ra_policy_pins_measurements(pol), 0);
  ra_policy_free(pol);
  const std::string h48(96, 'a');
  const struct {
    std::string text;
    int pins;
  } cases[] = {{"MRTD " + h48 + "\n", 1},
               {"RTMR2 " + h48 + "\n", 1},
               {"MRSEAM " + h48 + "\n", 0},
               {"MrConfigId " + h48 + "\n", 1},
               {"MrOwner " + h48 + "\n", 1},
               {"MrOwnerConfig " + h48 + "\n", 1},
               {"MrServiceTd " + h48 + "\n", 0},
               {"Xfam e71a060000000000\n", 0},
               {"TdAttributes SEPT_VE_DISABLE\n", 0},
               {"TeeTcbSvn " + std::string(32, '0') + "\n", 0},
               {"AllowDebug no\n", 0}};
  for (const auto& c : cases) {
    WriteFile(d / "p", c.text);
    pol = nullptr;
    ASSERT_EQ(ra_policy_load((d / "p").c_str(), &pol, err, sizeof(err)), RA_OK) << c.text << err;
    EXPECT_EQ(ra_policy_pins_measurements(pol), c.pins) << c.text;
    ra_policy_free(pol);
  }
}

// ---- ssh-attest known ----

int RunKnown(std::vector<std::string> args, std::string* out) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(&a[0]);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int rc = KnownCommand(static_cast<int>(argv.size()), argv.data());
  *out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  if (rc != 0) *out += err;
  return rc;
}

TEST(KnownCommand, RemoveAndList) {
  TempDir d;
  std::string f = d / "ka";
  bool rec = false;
  ASSERT_TRUE(Check(f, "h.example", 2222, Mode::kAcceptNew, Tdx(), &rec, true).ok());
  ASSERT_TRUE(Check(f, "h.example", 22, Mode::kAcceptNew, Tdx(), &rec).ok());
  std::string out;
  ASSERT_EQ(RunKnown({"--list", "-f", f}, &out), 0) << out;
  EXPECT_EQ(out.compare(0, 5, "1 |1|"), 0) << out;
  EXPECT_NE(out.find("\n2 h.example tdx anchor="), std::string::npos) << out;

  ASSERT_EQ(RunKnown({"--remove", "h.example", "-p", "2222", "-f", f}, &out), 0) << out;
  EXPECT_NE(out.find("removed 1 record of [h.example]:2222"), std::string::npos) << out;
  EXPECT_EQ(ReadFile(f), ra::known::FormatLine("h.example", Tdx()) + "\n");
  EXPECT_EQ(RunKnown({"--remove", "h.example", "-p", "2222", "-f", f}, &out), 1);
  EXPECT_NE(out.find("no record for [h.example]:2222"), std::string::npos) << out;

  WriteFile(f, ReadFile(f) + "bad line\n");
  EXPECT_EQ(RunKnown({"--list", "-f", f}, &out), 1);
  EXPECT_NE(out.find("corrupt line " + f + ":2:"), std::string::npos) << out;

  ASSERT_EQ(chmod(f.c_str(), 0602), 0);
  EXPECT_EQ(RunKnown({"--remove", "h.example", "-f", f}, &out), 1);
  EXPECT_NE(out.find("writable by group or others"), std::string::npos) << out;
}

TEST(KnownCommand, UsageErrors) {
  std::string out;
  EXPECT_EQ(RunKnown({}, &out), 2);
  EXPECT_EQ(RunKnown({"--list", "--remove", "h"}, &out), 2);
  EXPECT_EQ(RunKnown({"--remove"}, &out), 2);
  EXPECT_EQ(RunKnown({"--remove", "h", "-p", "0"}, &out), 2);
  EXPECT_EQ(RunKnown({"--remove", "h", "-p", "65536"}, &out), 2);
  EXPECT_EQ(RunKnown({"--remove", "h", "-p", "22x"}, &out), 2);
  EXPECT_EQ(RunKnown({"--list", "-p", "22"}, &out), 2);
  EXPECT_EQ(RunKnown({"--list", "--bogus"}, &out), 2);
  EXPECT_NE(out.find("unknown argument --bogus"), std::string::npos) << out;
}

}  // namespace

// ---- the record of real (sim) TDX evidence ----

#include "common/evidence.h"
#include "provider/sim_tdx_authority.h"

namespace {

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(KnownTdx, MeasurementsOfVerifiedSimQuote) {
  TempDir d;
  ra::SimInitOptions opt;
  opt.mrtd_hex = std::string(94, '1') + "2f";
  ASSERT_TRUE(ra::SimInit(d / "sim", opt).ok());
  WriteFile(d / "policy", "TrustAnchor tdx sim/root.pem\n");
  std::unique_ptr<ra::EvidenceProvider> prov;
  ASSERT_TRUE(ra::OpenProvider("sim:" + (d / "sim"), &prov).ok());
  ra::Binding b{};
  b[0] = 7;
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(prov->Collect(b, &items).ok());
  ASSERT_EQ(items.size(), 1u);

  char err[512];
  ra_policy* pol = nullptr;
  ASSERT_EQ(ra_policy_load((d / "policy").c_str(), &pol, err, sizeof(err)), RA_OK) << err;
  ra_evidence* ev = ra_evidence_new();
  ASSERT_EQ(ra_evidence_add(ev, "tdx-quote", items[0].data.data(), items[0].data.size(), err,
                            sizeof(err)), RA_OK);
  ra_verdict* verdict = nullptr;
  ASSERT_EQ(ra_verify_verdict(pol, ev, b.data(), 0, &verdict, err, sizeof(err)), RA_OK) << err;
  ra_measurements* m = nullptr;
  ASSERT_EQ(ra_measurements_from_verdict(verdict, &m, err, sizeof(err)), RA_OK) << err;
  ASSERT_NE(m, nullptr);

  // The record, checked through the file: kind, order, and values.
  std::string f = d / "ka";
  int recorded = 0;
  ASSERT_EQ(ra_known_check(f.c_str(), "sim.example", 2222, RA_KNOWN_CHECK_ACCEPT_NEW, 0, m,
                           &recorded, nullptr, nullptr, err, sizeof(err)), RA_OK) << err;
  std::vector<ra::known::Record> recs;
  std::vector<std::string> corrupt;
  ra::known::ListText(ReadFile(f), f, &recs, &corrupt);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_TRUE(corrupt.empty());
  const Measurements& got = recs[0].m;
  EXPECT_EQ(got.kind, "tdx");
  std::vector<std::string> names;
  for (const auto& fld : got.fields) names.push_back(fld.first);
  EXPECT_EQ(names, (std::vector<std::string>{"anchor", "mrtd", "rtmr0", "rtmr1", "rtmr2",
                                             "mrconfigid", "mrowner", "td_attributes"}));
  EXPECT_EQ(got.fields[1].second, opt.mrtd_hex);
  // The anchor: SHA-256 of root.pem's DER, computed by openssl(1).
  std::string fpr = Shell("openssl x509 -in '" + (d / "sim/root.pem") +
                          "' -outform DER | sha256sum | cut -c1-64");
  ASSERT_EQ(fpr.size(), 65u) << fpr;
  EXPECT_EQ(got.fields[0].second, fpr.substr(0, 64));
  EXPECT_EQ(got.fields[7].second.size(), 16u);
  ra_measurements_free(m);

  // The record is the verdict's claims: each recorded value is the claim
  // of the same name, in full.
  for (const auto& fld : got.fields) {
    bool found = false;
    for (size_t i = 0; i < ra_verdict_field_count(verdict, 0); i++) {
      const char *name = nullptr, *value = nullptr;
      ASSERT_EQ(ra_verdict_field(verdict, 0, i, &name, &value), RA_OK);
      if (fld.first == name) {
        EXPECT_EQ(fld.second, value) << name;
        found = true;
      }
    }
    EXPECT_TRUE(found) << fld.first;
  }
  ra_verdict_free(verdict);

  // An item of a type the policy does not accept was never verified: the
  // verdict has no claims of it, nothing is taken from it.
  WriteFile(d / "policy2",
            "TrustAnchor tdx sim/root.pem\nAcceptEvidence tdx-quote,tdx-quote-sha512\n");
  ra_policy* pol2 = nullptr;
  ASSERT_EQ(ra_policy_load((d / "policy2").c_str(), &pol2, err, sizeof(err)), RA_OK) << err;
  ra_evidence* ev2 = ra_evidence_new();
  ASSERT_EQ(ra_evidence_add(ev2, "unknown-kind", items[0].data.data(), items[0].data.size(), err,
                            sizeof(err)), RA_OK);
  ASSERT_EQ(ra_evidence_add(ev2, "tdx-quote", items[0].data.data(), items[0].data.size(), err,
                            sizeof(err)), RA_OK);
  ASSERT_EQ(ra_verify_verdict(pol2, ev2, b.data(), 0, &verdict, err, sizeof(err)), RA_OK) << err;
  EXPECT_EQ(ra_verdict_item_count(verdict), 1u);
  ra_measurements* stale = nullptr;
  ASSERT_EQ(ra_measurements_new("tdx", &stale, err, sizeof(err)), RA_OK);
  m = stale;  // must be reset
  ASSERT_EQ(ra_measurements_from_verdict(verdict, &m, err, sizeof(err)), RA_OK) << err;
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m, stale);
  ra_measurements_free(m);
  ra_measurements_free(stale);
  ra_verdict_free(verdict);
  ra_evidence_free(ev2);
  ra_policy_free(pol2);
  m = reinterpret_cast<ra_measurements*>(&d);  // must be reset
  EXPECT_EQ(ra_measurements_from_verdict(nullptr, &m, err, sizeof(err)), RA_ERR_INVALID);
  EXPECT_EQ(m, nullptr);
  ra_evidence_free(ev);
  ra_policy_free(pol);
}

}  // namespace
