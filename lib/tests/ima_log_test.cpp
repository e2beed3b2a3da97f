// IMA measurement lists: keylime's real ASCII list (826 ima-ng entries),
// the binary form built from it as the kernel writes it, replay into PCR
// 10, and malformed input.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "parse/ima_log.h"
#include "parse/tpm_alg.h"
#include "tpm_test_vectors.h"
#include "verify/ima_replay.h"

namespace {

using ra::Bytes;

const char* kAscii = "ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt";

std::string AsciiVector() { return ra_tdx_test::ToString(ra_tdx_test::ReadVector(kAscii)); }

void PutLe32(Bytes* b, size_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

TEST(ImaLog, KeylimeAsciiListHashesAndReplays) {
  ra::ImaLog log;
  ra::Status s = ra::ParseImaAsciiLog(AsciiVector(), &log);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(log.entries.size(), 826u);
  EXPECT_EQ(log.template_hash_len, 20u);
  EXPECT_EQ(log.entries[0].file_name(), "boot_aggregate");
  EXPECT_EQ(log.entries[1].file_name(), "/init");
  EXPECT_EQ(log.entries[1].digest_alg(), "sha1");
  EXPECT_EQ(ra::HexEncode(log.entries[1].file_digest()), "19f13b42c2745066347e76454788c0fe083643f3");
  s = ra::CheckImaTemplateHashes(log, ra::kTpmAlgSha1);
  EXPECT_TRUE(s.ok()) << s.message();
  std::map<uint32_t, Bytes> pcrs;
  ASSERT_TRUE(ra::ReplayImaLog(log, ra::kTpmAlgSha1, &pcrs).ok());
  ASSERT_EQ(pcrs.size(), 1u);
  EXPECT_EQ(ra::HexEncode(pcrs[10]), "82231c67a69da98dc5b3aa10f6343d33109225fc");
  std::map<uint32_t, Bytes> sha256;
  ASSERT_TRUE(ra::ReplayImaLog(log, ra::kTpmAlgSha256, &sha256).ok());
  EXPECT_EQ(sha256[10].size(), 32u);
}

// The decoded fields are places in the entry's own template data: a copy
// of an entry outlives the list it came from, and an entry whose template
// data no longer holds them gives empty fields rather than reading past it.
TEST(ImaLog, DecodedFieldsTravelWithTheEntry) {
  ra::ImaEntry copy;
  {
    ra::ImaLog log;
    ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &log).ok());
    copy = log.entries[1];
  }
  EXPECT_EQ(copy.file_name(), "/init");
  EXPECT_EQ(ra::HexEncode(copy.file_digest()), "19f13b42c2745066347e76454788c0fe083643f3");
  EXPECT_TRUE(copy.signature().empty());
  copy.template_data.resize(8);
  EXPECT_EQ(copy.file_name(), "");
  EXPECT_TRUE(copy.file_digest().empty());
  copy.decoded = false;
  EXPECT_EQ(copy.digest_alg(), "");
}

TEST(ImaLog, BinaryListAgreesWithAscii) {
  ra::ImaLog ascii;
  ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &ascii).ok());
  Bytes bin = ra::ImaLogToBinary(ascii);
  ra::ImaLog log;
  ra::Status s = ra::ParseImaBinaryLog(bin, 20, &log);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(log.entries.size(), ascii.entries.size());
  for (size_t i = 0; i < log.entries.size(); i++) {
    EXPECT_EQ(log.entries[i].file_name(), ascii.entries[i].file_name());
    EXPECT_EQ(log.entries[i].file_digest(), ascii.entries[i].file_digest());
    EXPECT_TRUE(log.entries[i].decoded);
  }
  EXPECT_TRUE(ra::CheckImaTemplateHashes(log, ra::kTpmAlgSha1).ok());
  std::map<uint32_t, Bytes> pcrs;
  ASSERT_TRUE(ra::ReplayImaLog(log, ra::kTpmAlgSha1, &pcrs).ok());
  EXPECT_EQ(ra::HexEncode(pcrs[10]), "82231c67a69da98dc5b3aa10f6343d33109225fc");
  // Wrong digest length, truncation anywhere, trailing bytes.
  EXPECT_FALSE(ra::ParseImaBinaryLog(bin, 32, &log).ok());
  // Cut anywhere: refused, or (at an entry boundary) fewer entries.
  for (size_t n = 1; n < 400; n += 3) {
    ra::ImaLog cut;
    if (ra::ParseImaBinaryLog(ra::ByteView(bin.data(), bin.size() - n), 20, &cut).ok()) {
      EXPECT_LT(cut.entries.size(), ascii.entries.size()) << n;
    }
  }
  Bytes more = bin;
  more.push_back(0);
  EXPECT_FALSE(ra::ParseImaBinaryLog(more, 20, &log).ok());
}

TEST(ImaLog, ChangesAreCaught) {
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &log).ok());
  // A file digest changed without its template hash: the hash check fails.
  ra::ImaLog edited = log;
  edited.entries[100].template_data[20] ^= 1;
  std::map<uint32_t, Bytes> b_sha1;
  EXPECT_EQ(ra::CheckImaTemplateHashes(edited, ra::kTpmAlgSha1).check(), "ima template hash");
  EXPECT_EQ(ra::ReplayImaLog(edited, ra::kTpmAlgSha1, &b_sha1).check(), "ima template hash");
  std::map<uint32_t, Bytes> a, b;
  ASSERT_TRUE(ra::ReplayImaLog(log, ra::kTpmAlgSha256, &a).ok());
  ASSERT_TRUE(ra::ReplayImaLog(edited, ra::kTpmAlgSha256, &b).ok());
  EXPECT_NE(a[10], b[10]);
  // A violation entry extends 0xFF..FF.
  ra::ImaLog viol = log;
  viol.entries.resize(2);
  std::fill(viol.entries[1].template_hash.begin(), viol.entries[1].template_hash.end(), 0);
  EXPECT_TRUE(viol.entries[1].violation());
  std::map<uint32_t, Bytes> v;
  ASSERT_TRUE(ra::ReplayImaLog(viol, ra::kTpmAlgSha1, &v).ok());
  Bytes expect(20, 0), buf;
  unsigned int n = 0;
  buf = Bytes(20, 0);
  buf.insert(buf.end(), log.entries[0].template_hash.begin(), log.entries[0].template_hash.end());
  EVP_Digest(buf.data(), buf.size(), expect.data(), &n, EVP_sha1(), nullptr);
  buf.assign(expect.begin(), expect.end());
  buf.insert(buf.end(), 20, 0xff);
  EVP_Digest(buf.data(), buf.size(), expect.data(), &n, EVP_sha1(), nullptr);
  EXPECT_EQ(v[10], expect);
}

TEST(ImaLog, ImaSigAndMalformedAscii) {
  std::string h(40, 'a');
  ra::ImaLog log;
  ra::Status s = ra::ParseImaAsciiLog(
      "10 " + h + " ima-sig sha256:" + std::string(64, 'b') + " /usr/bin/a b 030204aabb\n"
      " 9 " + h + " ima-sig sha1:" + h + " /etc/x \n", &log);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(log.entries[0].file_name(), "/usr/bin/a b");
  EXPECT_EQ(ra::HexEncode(log.entries[0].signature()), "030204aabb");
  EXPECT_EQ(log.entries[0].digest_alg(), "sha256");
  EXPECT_EQ(log.entries[1].pcr, 9u);
  EXPECT_TRUE(log.entries[1].signature().empty());
  // The rebuilt data round-trips through the binary parser.
  ra::ImaLog bin;
  ASSERT_TRUE(ra::ParseImaBinaryLog(ra::ImaLogToBinary(log), 20, &bin).ok());
  EXPECT_EQ(bin.entries[0].signature(), log.entries[0].signature());
  const std::vector<std::string> bad = {
      "", "10 " + h + " ima-ng sha1:" + h + " /a",                       // no newline
      "10 " + h + " ima-ng sha1:" + h + "\n",                            // no name
      "10 " + h + " ima-ng sha1" + h + " /a\n",                          // no colon
      "10 " + h + " ima-ng sha1:" + h.substr(1) + " /a\n",               // odd hex
      "10 " + h.substr(2) + " ima-ng sha1:" + h + " /a\n10 " + h + " ima-ng sha1:" + h + " /b\n",
      "x0 " + h + " ima-ng sha1:" + h + " /a\n",
      "10 " + h + " ima sha1:" + h + " /a\n",                            // legacy template
      "10 " + h + " ima-sig sha1:" + h + " /a zz\n",                     // bad sig hex
      "10 " + h + " ima-ng\n"};
  for (const auto& t : bad) {
    ra::ImaLog out;
    EXPECT_EQ(ra::ParseImaAsciiLog(t, &out).check(), "ima log format") << t;
  }
}

TEST(ImaLog, MalformedBinaryEntries) {
  auto entry = [](const std::string& name, const Bytes& data) {
    Bytes b;
    PutLe32(&b, 10);
    b.insert(b.end(), 20, 0x11);
    PutLe32(&b, name.size());
    b.insert(b.end(), name.begin(), name.end());
    PutLe32(&b, data.size());
    b.insert(b.end(), data.begin(), data.end());
    return b;
  };
  Bytes good;
  PutLe32(&good, 7);
  for (char c : std::string("sha1:")) good.push_back(static_cast<uint8_t>(c));
  good.push_back(0);
  good.push_back(0xaa);
  PutLe32(&good, 3);
  good.insert(good.end(), {'/', 'a', 0});
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaBinaryLog(entry("ima-ng", good), 20, &log).ok());
  // A custom template is carried undecoded.
  ASSERT_TRUE(ra::ParseImaBinaryLog(entry("my-tmpl", Bytes{1, 2, 3}), 20, &log).ok());
  EXPECT_FALSE(log.entries[0].decoded);
  Bytes extra = good;
  PutLe32(&extra, 0);
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry("ima-ng", extra), 20, &log).ok());  // 3 fields
  Bytes no_nul = good;
  no_nul.back() = 'x';
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry("ima-ng", no_nul), 20, &log).ok());
  Bytes long_field = good;
  long_field[0] = 0xff;
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry("ima-ng", long_field), 20, &log).ok());
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry("ima", good), 20, &log).ok());
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry("", good), 20, &log).ok());
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry(std::string(256, 'x'), good), 20, &log).ok());
  Bytes huge = entry("ima-ng", good);
  huge[4 + 20 + 4 + 6 + 3] = 0x7f;  // template data length
  EXPECT_FALSE(ra::ParseImaBinaryLog(huge, 20, &log).ok());
  EXPECT_FALSE(ra::ParseImaBinaryLog(Bytes(), 20, &log).ok());
}

// A 10,000-entry list parses and replays (its time is make bench's to
// measure, not a unit test's).
TEST(ImaLog, TenThousandEntriesReplay) {
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &log).ok());
  ra::ImaLog big;
  big.template_hash_len = 20;
  while (big.entries.size() < 10000)
    for (const auto& e : log.entries)
      if (big.entries.size() < 10000) big.entries.push_back(e);
  Bytes bin = ra::ImaLogToBinary(big);
  ra::ImaLog parsed;
  ASSERT_TRUE(ra::ParseImaBinaryLog(bin, 20, &parsed).ok());
  EXPECT_EQ(parsed.entries.size(), 10000u);
  std::map<uint32_t, Bytes> pcrs;
  ASSERT_TRUE(ra::ReplayImaLog(parsed, ra::kTpmAlgSha256, &pcrs).ok());
  EXPECT_EQ(pcrs.count(10), 1u);
}

// --- prefixes: a list read after the quote -----------------------------------

// PCR 10 (bank) after the first n entries of log.
Bytes PrefixPcr10(const ra::ImaLog& log, size_t n, uint16_t bank) {
  ra::ImaLog head = log;
  head.entries.resize(n);
  std::map<uint32_t, Bytes> pcrs;
  EXPECT_TRUE(ra::ReplayImaLog(head, bank, &pcrs).ok());
  return pcrs.count(10) ? pcrs[10] : Bytes(ra::TpmHashSize(bank), 0);
}

TEST(ImaLog, PrefixOfTheRealListIsFound) {
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &log).ok());
  for (uint16_t bank : {ra::kTpmAlgSha1, ra::kTpmAlgSha256}) {
    for (size_t n : {size_t(1), size_t(2), size_t(500), log.entries.size()}) {
      size_t covered = 0;
      ra::Status s = ra::ReplayImaPrefix(log, bank, 10, PrefixPcr10(log, n, bank), &covered);
      ASSERT_TRUE(s.ok()) << n << ": " << s.message();
      EXPECT_EQ(covered, n);
    }
  }
  // The real list's SHA-1 PCR 10 (our computation, tests/vectors/README.md).
  size_t covered = 0;
  ASSERT_TRUE(ra::ReplayImaPrefix(log, ra::kTpmAlgSha1, 10,
                                  ra_tpm_test::Hex("82231c67a69da98dc5b3aa10f6343d33109225fc"),
                                  &covered).ok());
  EXPECT_EQ(covered, 826u);
}

TEST(ImaLog, PrefixRefusals) {
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &log).ok());
  const Bytes want = PrefixPcr10(log, 500, ra::kTpmAlgSha256);
  size_t covered = 0;
  // Shorter than the quoted list.
  ra::ImaLog shorter = log;
  shorter.entries.resize(499);
  ra::Status s = ra::ReplayImaPrefix(shorter, ra::kTpmAlgSha256, 10, want, &covered);
  EXPECT_EQ(s.check(), "ima replay");
  EXPECT_NE(s.detail().find("499 entries"), std::string::npos) << s.message();
  // An entry inside the prefix changed (data and hash both: the replay,
  // not the template hash check, must catch it).
  ra::ImaLog changed = log;
  changed.entries[250].template_data.back() ^= 1;
  EXPECT_EQ(ra::ReplayImaPrefix(changed, ra::kTpmAlgSha256, 10, want, &covered).check(),
            "ima replay");
  // Two entries of the prefix swapped.
  ra::ImaLog swapped = log;
  std::swap(swapped.entries[3], swapped.entries[4]);
  EXPECT_EQ(ra::ReplayImaPrefix(swapped, ra::kTpmAlgSha256, 10, want, &covered).check(),
            "ima replay");
  // One left out.
  ra::ImaLog dropped = log;
  dropped.entries.erase(dropped.entries.begin() + 100);
  EXPECT_EQ(ra::ReplayImaPrefix(dropped, ra::kTpmAlgSha256, 10, want, &covered).check(),
            "ima replay");
  // In the list's own bank a template hash that does not match its data
  // names the entry (inside the prefix).
  ra::ImaLog badhash = log;
  badhash.entries[7].template_hash[0] ^= 1;
  s = ra::ReplayImaPrefix(badhash, ra::kTpmAlgSha1, 10, PrefixPcr10(log, 500, ra::kTpmAlgSha1),
                          &covered);
  EXPECT_EQ(s.check(), "ima template hash");
  // An unknown bank.
  EXPECT_EQ(ra::ReplayImaPrefix(log, 0x1234, 10, want, &covered).check(), "ima replay");
}

// A synthetic ima-ng entry for PCR pcr (template hash SHA-1 over its data).
ra::ImaEntry NgEntry(uint32_t pcr, const std::string& path, uint8_t fill) {
  ra::ImaEntry e;
  e.pcr = pcr;
  e.template_name = "ima-ng";
  Bytes d = {'s', 'h', 'a', '2', '5', '6', ':', 0};
  d.insert(d.end(), 32, fill);
  PutLe32(&e.template_data, d.size());
  e.template_data.insert(e.template_data.end(), d.begin(), d.end());
  PutLe32(&e.template_data, path.size() + 1);
  e.template_data.insert(e.template_data.end(), path.begin(), path.end());
  e.template_data.push_back(0);
  e.template_hash.resize(SHA_DIGEST_LENGTH);
  SHA1(e.template_data.data(), e.template_data.size(), e.template_hash.data());
  return e;
}

// A SHA-1 list of PCR 10: boot_aggregate, a file, then a violation (a
// file opened for writing while measured: all-zero template hash).
ra::ImaLog BootThenViolation() {
  ra::ImaLog log;
  log.template_hash_len = 20;
  log.entries.push_back(NgEntry(10, "boot_aggregate", 0));
  log.entries.push_back(NgEntry(10, "/usr/bin/a", 1));
  ra::ImaEntry violation = NgEntry(10, "/tmp/open-writers", 2);
  std::fill(violation.template_hash.begin(), violation.template_hash.end(), 0);
  log.entries.push_back(violation);
  return log;
}

TEST(ImaLog, PrefixOfSyntheticLists) {
  ra::ImaLog log = BootThenViolation();
  log.entries.push_back(NgEntry(11, "/other/pcr", 3));  // not PCR 10
  log.entries.push_back(NgEntry(10, "/usr/bin/b", 4));
  // Round trip through the binary form, as the verifier receives it.
  ra::ImaLog parsed;
  ASSERT_TRUE(ra::ParseImaBinaryLog(ra::ImaLogToBinary(log), 20, &parsed).ok());
  size_t covered = 99;
  // Quoted before anything was measured: the empty prefix.
  ASSERT_TRUE(ra::ReplayImaPrefix(parsed, ra::kTpmAlgSha256, 10, Bytes(32, 0), &covered).ok());
  EXPECT_EQ(covered, 0u);
  // Up to and including the violation (which extends all 0xFF).
  ASSERT_TRUE(ra::ReplayImaPrefix(parsed, ra::kTpmAlgSha256, 10,
                                  PrefixPcr10(parsed, 3, ra::kTpmAlgSha256), &covered).ok());
  EXPECT_EQ(covered, 3u);
  // The whole list: the PCR 11 entry does not move PCR 10.
  ASSERT_TRUE(ra::ReplayImaPrefix(parsed, ra::kTpmAlgSha256, 10,
                                  PrefixPcr10(parsed, 5, ra::kTpmAlgSha256), &covered).ok());
  EXPECT_EQ(covered, 5u);
  // A value no prefix reaches.
  EXPECT_EQ(ra::ReplayImaPrefix(parsed, ra::kTpmAlgSha256, 10, Bytes(32, 0xab), &covered).check(),
            "ima replay");
  // An empty list against a non-zero PCR 10.
  ra::ImaLog empty;
  empty.template_hash_len = 20;
  EXPECT_EQ(ra::ReplayImaPrefix(empty, ra::kTpmAlgSha256, 10,
                                PrefixPcr10(parsed, 1, ra::kTpmAlgSha256), &covered).check(),
            "ima replay");
}

// Linux before 5.8 extended every bank with the SHA-1 template hash
// zero-padded to the bank's size (violations: 20 bytes of 0xFF, padded),
// as later kernels still do for a bank whose hash they lack
// (ima_calc_field_array_hash, ima_init_digests).  A SHA-256 PCR 10 of such
// a kernel must replay.
Bytes PaddedSha1Pcr10(const ra::ImaLog& log, size_t n) {
  Bytes pcr(32, 0);
  for (size_t i = 0; i < n; i++) {
    const ra::ImaEntry& e = log.entries[i];
    if (e.pcr != 10) continue;
    Bytes buf = pcr;
    Bytes d(32, 0);
    if (e.violation()) std::fill(d.begin(), d.begin() + 20, 0xFF);
    else SHA1(e.template_data.data(), e.template_data.size(), d.data());
    buf.insert(buf.end(), d.begin(), d.end());
    SHA256(buf.data(), buf.size(), pcr.data());
  }
  return pcr;
}

TEST(ImaLog, PaddedSha1ExtensionOfOldKernelsReplays) {
  ra::ImaLog log = BootThenViolation();
  log.entries.push_back(NgEntry(10, "/usr/bin/b", 4));
  ra::ImaLog parsed;
  ASSERT_TRUE(ra::ParseImaBinaryLog(ra::ImaLogToBinary(log), 20, &parsed).ok());
  for (size_t n : {size_t(1), size_t(3), size_t(4)}) {
    size_t covered = 99;
    ra::Status s = ra::ReplayImaPrefix(parsed, ra::kTpmAlgSha256, 10, PaddedSha1Pcr10(parsed, n),
                                       &covered);
    ASSERT_TRUE(s.ok()) << n << ": " << s.message();
    EXPECT_EQ(covered, n);
  }
  std::map<uint32_t, Bytes> pcrs;
  ASSERT_TRUE(ra::ReplayImaLog(parsed, ra::kTpmAlgSha256, &pcrs, ra::ImaBankDigest::kPaddedSha1).ok());
  EXPECT_EQ(pcrs[10], PaddedSha1Pcr10(parsed, 4));
  // The bank's own hash gives another value, and a changed entry matches
  // neither way.
  ASSERT_TRUE(ra::ReplayImaLog(parsed, ra::kTpmAlgSha256, &pcrs).ok());
  EXPECT_NE(pcrs[10], PaddedSha1Pcr10(parsed, 4));
  ra::ImaLog edited = parsed;
  edited.entries[1].template_data.back() ^= 1;
  size_t covered = 0;
  EXPECT_FALSE(ra::ReplayImaPrefix(edited, ra::kTpmAlgSha256, 10, PaddedSha1Pcr10(parsed, 4),
                                   &covered).ok());
}

// Template data as the kernel lays it out: each field a u32 length + bytes.
Bytes Fields(const std::vector<Bytes>& fields) {
  Bytes d;
  for (const Bytes& f : fields) {
    PutLe32(&d, f.size());
    d.insert(d.end(), f.begin(), f.end());
  }
  return d;
}

Bytes Str(const std::string& s, bool nul = false) {
  Bytes b(s.begin(), s.end());
  if (nul) b.push_back(0);
  return b;
}

// "ALG:" NUL digest (d-ng) or "TYPE:ALG:" NUL digest (d-ngv2).
Bytes DigestField(const std::string& prefix, size_t n, uint8_t fill) {
  Bytes b = Str(prefix, true);
  b.insert(b.end(), n, fill);
  return b;
}

ra::Status ParseOne(const std::string& name, const Bytes& data, ra::ImaEntry* out) {
  ra::ImaLog in, log;
  in.template_hash_len = 20;
  ra::ImaEntry e;
  e.pcr = 10;
  e.template_name = name;
  e.template_data = data;
  e.template_hash.assign(20, 0x11);
  in.entries.push_back(e);
  ra::Status s = ra::ParseImaBinaryLog(ra::ImaLogToBinary(in), 20, &log);
  if (s.ok()) *out = log.entries[0];
  return s;
}

// The kernel's other built-in templates (ima_template.c) and templates
// given as a format (ima_template_fmt=, whose list entries are named by
// the format itself, longer than 15 characters) carry a file digest and
// name that the allowlist appraises.
TEST(ImaLog, ModsigNgv2AndFormatTemplatesDecode) {
  ra::ImaEntry e;
  Bytes modsig = Fields({DigestField("sha256:", 32, 0xaa), Str("/lib/modules/x.ko", true),
                         Bytes{3, 2}, DigestField("sha256:", 32, 0xbb), Bytes{0x30, 0x82}});
  ra::Status s = ParseOne("ima-modsig", modsig, &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(e.decoded);
  EXPECT_EQ(e.file_name(), "/lib/modules/x.ko");
  EXPECT_EQ(e.digest_alg(), "sha256");
  EXPECT_EQ(e.file_digest(), Bytes(32, 0xaa));
  EXPECT_EQ(e.signature(), (Bytes{3, 2}));
  // ima-modsig without a module signature: empty sig, d-modsig, modsig.
  s = ParseOne("ima-modsig", Fields({DigestField("sha256:", 32, 0xaa), Str("/bin/sh", true),
                                     Bytes(), Bytes(), Bytes()}), &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(e.decoded);
  // ima-ngv2 / ima-sigv2: "ima:ALG:" is a file digest, "verity:ALG:" an
  // fs-verity digest (never an allowlisted file digest).
  s = ParseOne("ima-ngv2", Fields({DigestField("ima:sha256:", 32, 0xcc), Str("/bin/ls", true)}), &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(e.decoded);
  EXPECT_EQ(e.digest_alg(), "sha256");
  EXPECT_EQ(e.file_digest(), Bytes(32, 0xcc));
  s = ParseOne("ima-sigv2", Fields({DigestField("verity:sha256:", 32, 0xdd), Str("/bin/ls", true),
                                    Bytes{9}}), &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.digest_alg(), "verity:sha256");
  EXPECT_EQ(e.signature(), Bytes{9});
  // A format as the template name.
  const std::string fmt = "d-ng|n-ng|sig|iuid|igid";
  ASSERT_GT(fmt.size(), 15u);
  s = ParseOne(fmt, Fields({DigestField("sha384:", 48, 1), Str("/etc/passwd", true), Bytes(),
                            Bytes(4, 0), Bytes(4, 0)}), &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(e.decoded);
  EXPECT_EQ(e.file_name(), "/etc/passwd");
  EXPECT_EQ(e.digest_alg(), "sha384");
  // Malformed: a field short or extra, a d-ngv2 without its type.
  EXPECT_FALSE(ParseOne("ima-modsig", Fields({DigestField("sha256:", 32, 0xaa),
                                              Str("/a", true), Bytes(), Bytes()}), &e).ok());
  EXPECT_FALSE(ParseOne(fmt, Fields({DigestField("sha384:", 48, 1), Str("/a", true)}), &e).ok());
  EXPECT_FALSE(ParseOne("ima-ngv2", Fields({DigestField("sha256:", 32, 0xcc), Str("/a", true)}),
                        &e).ok());
  // A format without a file digest and name is carried undecoded.
  s = ParseOne("sig|buf", Fields({Bytes{1}, Bytes{2}}), &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(e.decoded);
}

}  // namespace
