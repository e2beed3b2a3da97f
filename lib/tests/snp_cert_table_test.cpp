// The extended report's certificate table (parse/snp_cert_table): wire
// GUIDs written out here byte by byte, and every refusal rule.
#include <gtest/gtest.h>

#include "parse/snp_cert_table.h"

namespace {

ra::Bytes Entry(const std::array<uint8_t, 16>& g, uint32_t off, uint32_t len) {
  ra::Bytes e(g.begin(), g.end());
  for (int i = 0; i < 4; i++) e.push_back(static_cast<uint8_t>(off >> (8 * i)));
  for (int i = 0; i < 4; i++) e.push_back(static_cast<uint8_t>(len >> (8 * i)));
  return e;
}
// The parts one after another: entries, then the certificates' bytes.
ra::Bytes Table(std::initializer_list<ra::Bytes> parts) {
  ra::Bytes t;
  for (const ra::Bytes& p : parts) t.insert(t.end(), p.begin(), p.end());
  return t;
}

// 63da758d-e664-4564-adc5-f4b93be8accd as the text reads.
const std::array<uint8_t, 16> kVcek = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
// 4ab7b379-bbac-4fe4-a02f-05aef327c782
const std::array<uint8_t, 16> kAsk = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                      0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
// c0b406a4-a803-4952-9743-3fb6014cd0ae
const std::array<uint8_t, 16> kArk = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                      0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
const std::array<uint8_t, 16> kZero = {};

TEST(SnpCertTable, ParsesAHandBuiltTable) {
  ra::Bytes t = Table({Entry(kVcek, 72, 3), Entry(kAsk, 75, 2), Entry(kZero, 0, 0),
                       {0xA, 0xB, 0xC, 0xD, 0xE, 0, 0, 0}});
  ra::SnpCertTable out;
  ra::Status s = ra::ParseSnpCertTable(t, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out.entries.size(), 2u);
  EXPECT_EQ(out.entries[0].kind, ra::SnpCertKind::kVcek);
  EXPECT_EQ(out.entries[1].kind, ra::SnpCertKind::kAsk);
  ASSERT_NE(out.Find(ra::SnpCertKind::kVcek), nullptr);
  ra::ByteView v = out.Data(*out.Find(ra::SnpCertKind::kVcek));
  EXPECT_EQ(ra::Bytes(v.data, v.data + v.size), ra::Bytes({0xA, 0xB, 0xC}));
  EXPECT_EQ(out.Find(ra::SnpCertKind::kArk), nullptr);
  EXPECT_EQ(ra::SnpCertKindGuid(ra::SnpCertKind::kVcek), kVcek);
}

TEST(SnpCertTable, AskGuidTwiceForAskAndAsvk) {
  // GHCB spec: the ASK GUID stands for the ASK or the ASVK; a host with
  // both signing keys lists both.  Offsets need no alignment.
  ra::Bytes t = Table({Entry(kAsk, 72, 3), Entry(kAsk, 75, 2), Entry(kZero, 0, 0),
                       {1, 2, 3, 4, 5}});
  ra::SnpCertTable out;
  ra::Status s = ra::ParseSnpCertTable(t, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out.entries.size(), 2u);
  EXPECT_EQ(out.entries[1].kind, ra::SnpCertKind::kAsk);
  EXPECT_EQ(out.entries[1].offset, 75u);
}

TEST(SnpCertTable, BuildThenParseRoundTrips) {
  ra::Bytes t = ra::BuildSnpCertTable({{kVcek, ra::Bytes(100, 1)}, {kAsk, ra::Bytes(50, 2)}});
  ra::SnpCertTable out;
  ASSERT_TRUE(ra::ParseSnpCertTable(t, &out).ok());
  ASSERT_EQ(out.entries.size(), 2u);
  EXPECT_EQ(out.entries[0].offset, 72u);
  EXPECT_EQ(out.entries[1].offset, 172u);
  EXPECT_EQ(out.entries[1].length, 50u);
}

void ExpectRefused(const ra::Bytes& t, const char* why) {
  ra::SnpCertTable out;
  ra::Status s = ra::ParseSnpCertTable(t, &out);
  EXPECT_FALSE(s.ok()) << why;
  EXPECT_EQ(s.check(), "snp cert table") << why;
  EXPECT_FALSE(s.detail().empty()) << why;
}

TEST(SnpCertTable, RefusesMalformedTables) {
  const ra::Bytes end = Entry(kZero, 0, 0);
  ExpectRefused({}, "empty");
  ExpectRefused(Entry(kVcek, 24, 0), "no terminator");
  ExpectRefused(Table({Entry(kVcek, 48, 0), end, ra::Bytes(8, 0)}), "zero length");
  ExpectRefused(Table({Entry(kVcek, 48, 9), end, ra::Bytes(8, 0)}), "past the end");
  ExpectRefused(Table({Entry(kVcek, 0xFFFFFFF0u, 0x20), end}), "offset + length wraps");
  ExpectRefused(Table({Entry(kVcek, 8, 8), end}), "data inside the table");
  ExpectRefused(Table({Entry(kVcek, 72, 8), Entry(kAsk, 76, 8), end, ra::Bytes(16, 0)}),
                "overlapping entries");
  ExpectRefused(Table({Entry(kVcek, 72, 4), Entry(kVcek, 76, 4), end, ra::Bytes(8, 0)}),
                "a second VCEK");
  ExpectRefused(Table({Entry(kArk, 72, 4), Entry(kArk, 76, 4), end, ra::Bytes(8, 0)}),
                "a second ARK");
  ExpectRefused(Table({Entry(kAsk, 72, 4), Entry(kAsk, 72, 4), end, ra::Bytes(8, 0)}),
                "two ASK entries on the same bytes");
  ExpectRefused(Table({Entry(kVcek, 48, 4), Entry(kZero, 0, 1), ra::Bytes(4, 0)}),
                "terminator with a length");
  ra::Bytes t;
  for (uint32_t i = 0; i < 40; i++) {
    std::array<uint8_t, 16> g = kVcek;
    g[15] = static_cast<uint8_t>(i);  // unknown GUIDs
    t = Table({t, Entry(g, 0x10000, 1)});
  }
  ExpectRefused(Table({t, end}), "too many entries");
  ExpectRefused(ra::Bytes(ra::kMaxSnpCertTableLen + 1, 0), "too long");
}

}  // namespace
