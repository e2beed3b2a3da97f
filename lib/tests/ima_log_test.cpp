// IMA measurement lists: keylime's real ASCII list (826 ima-ng entries),
// the binary form built from it as the kernel writes it, replay into PCR
// 10, and malformed input.
#include <gtest/gtest.h>


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
  EXPECT_EQ(log.entries[0].file_name, "boot_aggregate");
  EXPECT_EQ(log.entries[1].file_name, "/init");
  EXPECT_EQ(log.entries[1].digest_alg, "sha1");
  EXPECT_EQ(ra::HexEncode(log.entries[1].file_digest), "19f13b42c2745066347e76454788c0fe083643f3");
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

TEST(ImaLog, BinaryListAgreesWithAscii) {
  ra::ImaLog ascii;
  ASSERT_TRUE(ra::ParseImaAsciiLog(AsciiVector(), &ascii).ok());
  Bytes bin = ra::ImaLogToBinary(ascii);
  ra::ImaLog log;
  ra::Status s = ra::ParseImaBinaryLog(bin, 20, &log);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(log.entries.size(), ascii.entries.size());
  for (size_t i = 0; i < log.entries.size(); i++) {
    EXPECT_EQ(log.entries[i].file_name, ascii.entries[i].file_name);
    EXPECT_EQ(log.entries[i].file_digest, ascii.entries[i].file_digest);
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
  EXPECT_EQ(log.entries[0].file_name, "/usr/bin/a b");
  EXPECT_EQ(ra::HexEncode(log.entries[0].signature), "030204aabb");
  EXPECT_EQ(log.entries[0].digest_alg, "sha256");
  EXPECT_EQ(log.entries[1].pcr, 9u);
  EXPECT_TRUE(log.entries[1].signature.empty());
  // The rebuilt data round-trips through the binary parser.
  ra::ImaLog bin;
  ASSERT_TRUE(ra::ParseImaBinaryLog(ra::ImaLogToBinary(log), 20, &bin).ok());
  EXPECT_EQ(bin.entries[0].signature, log.entries[0].signature);
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
  EXPECT_FALSE(ra::ParseImaBinaryLog(entry(std::string(16, 'x'), good), 20, &log).ok());
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

}  // namespace
