// The tdx-eventlog item end to end: built from the real CCEL vectors (GCP
// COS-113 with its quote, trustee's GRUB boot with its expected RTMRs),
// replayed against a quote's RTMRs, appraised with RtmrEvent; the
// providers' reader; the sim's synthetic CCEL through the front door; and
// the refusals (tampered event, truncated log, wrong table, two logs).
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <string>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/ccel_table.h"
#include "parse/tdx_eventlog.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "policy/tdx_eventlog_policy.h"
#include "provider/providers.h"
#include "provider/sim_tdx_authority.h"
#include "provider/tdx_eventlog_source.h"
#include "ra_test_util.h"
#include "tpm_test_vectors.h"
#include "verify/evaluate.h"
#include "verify/tdx_eventlog_check.h"

namespace {

using ra::Bytes;
using ra_test::TempDir;

const char kGcpTable[] = "tdx/ccel/gotdx_gcp_cos113_ccel_table.bin";
const char kGcpArea[] = "tdx/ccel/gotdx_gcp_cos113_ccel_data.bin";
const char kGcpQuote[] = "tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat";

ra::TdReportBody QuoteBody(const char* rel) {
  ra::TdxQuote q;
  EXPECT_TRUE(ra::ParseTdxQuote(ra_tdx_test::ReadVector(rel), &q).ok());
  return q.body;
}

Bytes GcpItem() {
  Bytes item;
  ra::Status s = ra::BuildTdxEventLogItem(ra_tdx_test::ReadVector(kGcpTable),
                                          ra_tdx_test::ReadVector(kGcpArea), &item);
  EXPECT_TRUE(s.ok()) << s.message();
  return item;
}

// An ACPI CCEL table for an area of laml bytes (checksum fixed up).
Bytes Table(uint64_t laml, uint8_t cc_type = ra::kCcTypeTdx) {
  Bytes t = ra_tdx_test::ReadVector(kGcpTable);
  t[36] = cc_type;
  for (int i = 0; i < 8; i++) t[40 + i] = static_cast<uint8_t>(laml >> (8 * i));
  t[9] = 0;
  uint8_t sum = 0;
  for (uint8_t b : t) sum = static_cast<uint8_t>(sum + b);
  t[9] = static_cast<uint8_t>(0x100 - sum);
  return t;
}

ra::Status Replay(const Bytes& item, const ra::TdReportBody& body,
                  std::shared_ptr<const ra::TdxEventLogClaims>* out) {
  return ra::VerifyTdxEventLog({{ra::kEvidenceTdxEventLog, item}}, body, out);
}

TEST(TdxEventLogItem, GcpLogReplaysToItsQuote) {
  Bytes item = GcpItem();
  EXPECT_EQ(item.size(), ra::kCcelTableLen + 18101u);  // the padding is cut
  std::shared_ptr<const ra::TdxEventLogClaims> c;
  ra::TdReportBody body = QuoteBody(kGcpQuote);
  ra::Status s = Replay(item, body, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(c);
  EXPECT_GT(c->events.size(), 20u);
  for (size_t i = 0; i < 4; i++) {
    if (c->explained & (1u << i)) {
      EXPECT_EQ(c->rtmr[i], Bytes(body.rtmr[i].begin(), body.rtmr[i].end())) << i;
    }
  }
  EXPECT_EQ(c->explained & 0x7, 0x7);  // firmware, boot loader/kernel, command line
  for (const ra::TdxLogEvent& e : c->events) {
    EXPECT_LT(e.rtmr, 4u);
    EXPECT_EQ(e.sha384.size(), 48u);
  }
  // The whole area (uncut, with its zero padding) is accepted as well.
  Bytes whole = ra_tdx_test::ReadVector(kGcpTable);
  Bytes area = ra_tdx_test::ReadVector(kGcpArea);
  whole.insert(whole.end(), area.begin(), area.begin() + 100000);
  EXPECT_TRUE(Replay(whole, body, &c).ok());
}

TEST(TdxEventLogItem, TrusteeGrubLogReplaysToExpectedRtmrs) {
  Bytes area = ra_tdx_test::ReadVector("tdx/ccel/trustee_ccel_grub.bin");
  Bytes item;
  ra::Status s = ra::BuildTdxEventLogItem(Table(area.size()), area, &item);
  ASSERT_TRUE(s.ok()) << s.message();
  ra_tpm_test::Json want = ra_tpm_test::LoadJsonVector("tdx/ccel/trustee_ccel_grub.rtmrs.json");
  ra::TdReportBody body{};
  for (size_t i = 0; i < 4; i++) {
    Bytes v = ra_tpm_test::Hex(ra_tpm_test::Str(
        ra_tpm_test::Path(want.get(), {("RTMR" + std::to_string(i)).c_str()})));
    ASSERT_EQ(v.size(), 48u);
    std::copy(v.begin(), v.end(), body.rtmr[i].begin());
  }
  std::shared_ptr<const ra::TdxEventLogClaims> c;
  s = Replay(item, body, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c->explained, 0x7);  // RTMR3 untouched (all zero)
  // Another TD's RTMRs: refused, naming the first register that differs.
  s = Replay(item, QuoteBody(kGcpQuote), &c);
  EXPECT_EQ(s.check(), "event log replay");
  EXPECT_NE(s.detail().find("RTMR0"), std::string::npos) << s.message();
}

TEST(TdxEventLogItem, TamperedEventRefusedNamingTheRtmr) {
  Bytes item = GcpItem();
  ra::CcelTable t;
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTdxEventLogItem(item, &t, &log).ok());
  ra::TdReportBody body = QuoteBody(kGcpQuote);
  for (uint32_t mr = 1; mr <= 3; mr++) {
    for (const ra::TcgEvent& e : log.events) {
      if (e.pcr_index != mr || e.event_type == ra::kEvNoAction) continue;
      Bytes bad = item;
      // pcr, type, count, alg: the digest starts 14 bytes into the record.
      bad[ra::kCcelTableLen + e.offset + 14 + 5] ^= 0x80;
      std::shared_ptr<const ra::TdxEventLogClaims> c;
      ra::Status s = Replay(bad, body, &c);
      EXPECT_EQ(s.detail(), "the tdx-eventlog does not reproduce the quote's RTMR" +
                                std::to_string(mr - 1));
      EXPECT_FALSE(c);
      break;
    }
  }
  // An event dropped from the end: the register it extended differs.
  ra::TdReportBody other = body;
  other.rtmr[2][0] ^= 1;
  std::shared_ptr<const ra::TdxEventLogClaims> c;
  EXPECT_EQ(Replay(item, other, &c).detail(),
            "the tdx-eventlog does not reproduce the quote's RTMR2");
}

TEST(TdxEventLogItem, TruncatedAndMalformedRefused) {
  Bytes item = GcpItem();
  ra::CcelTable t;
  ra::TcgEventLog log;
  // Cut inside the last event: what is left is neither an event nor padding.
  Bytes cut(item.begin(), item.end() - 10);
  EXPECT_FALSE(ra::ParseTdxEventLogItem(cut, &t, &log).ok());
  // The table alone, or less.
  EXPECT_EQ(ra::ParseTdxEventLogItem(ra::ByteView(item.data(), 56), &t, &log).check(),
            "tdx eventlog format");
  EXPECT_FALSE(ra::ParseTdxEventLogItem(ra::ByteView(item.data(), 10), &t, &log).ok());
  // Larger than an item may be.
  Bytes huge = item;
  huge.resize(ra::kMaxTdxEventLogItemLen + 1, 0);
  EXPECT_EQ(ra::ParseTdxEventLogItem(huge, &t, &log).check(), "tdx eventlog format");
  // Garbage instead of a log.
  Bytes junk = item;
  std::memset(junk.data() + 56, 0x41, 64);
  EXPECT_FALSE(ra::ParseTdxEventLogItem(junk, &t, &log).ok());
}

TEST(TdxEventLogItem, WrongTableRefused) {
  Bytes item = GcpItem();
  Bytes area = ra_tdx_test::ReadVector(kGcpArea);
  ra::CcelTable t;
  ra::TcgEventLog log;
  auto with_table = [&](const Bytes& table) {
    Bytes b = table;
    b.insert(b.end(), item.begin() + 56, item.end());
    return b;
  };
  // An SEV table, a checksum that does not add up, a LAML below the log.
  EXPECT_NE(ra::ParseTdxEventLogItem(with_table(Table(area.size(), ra::kCcTypeSev)), &t, &log)
                .detail()
                .find("not TDX"),
            std::string::npos);
  Bytes sum = Table(area.size());
  sum[20] ^= 1;
  EXPECT_EQ(ra::ParseTdxEventLogItem(with_table(sum), &t, &log).detail(), "checksum");
  EXPECT_NE(ra::ParseTdxEventLogItem(with_table(Table(1000)), &t, &log).detail().find("LAML"),
            std::string::npos);
  // Building: the area must be LAML bytes, the table a TDX one.
  Bytes out;
  EXPECT_FALSE(ra::BuildTdxEventLogItem(Table(area.size() + 1), area, &out).ok());
  EXPECT_FALSE(ra::BuildTdxEventLogItem(Table(area.size(), ra::kCcTypeSev), area, &out).ok());
}

TEST(TdxEventLogItem, TwoLogsRefused) {
  Bytes item = GcpItem();
  std::shared_ptr<const ra::TdxEventLogClaims> c;
  ra::Status s = ra::VerifyTdxEventLog(
      {{ra::kEvidenceTdxEventLog, item}, {ra::kEvidenceTdxEventLog, item}}, QuoteBody(kGcpQuote),
      &c);
  EXPECT_EQ(s.detail(), "more than one tdx-eventlog item");
  s = ra::VerifyTdxEventLog({{ra::kEvidenceTdxQuote, {1}}}, QuoteBody(kGcpQuote), &c);
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(c);  // no log: no claims
}

// Policy keywords -------------------------------------------------------

std::string Sha384Hex(const std::string& text) {
  uint8_t d[48];
  SHA384(reinterpret_cast<const uint8_t*>(text.data()), text.size(), d);
  return ra::HexEncode(ra::ByteView(d, sizeof d));
}

ra::Status ParsePolicy(const std::string& text, ra::Policy* p) {
  return ra::ParsePolicy(text, "test", p);
}

TEST(RtmrEventPolicy, KeywordsParseAndRefuseBadForms) {
  ra::Policy p;
  const std::string d = Sha384Hex("x");
  ASSERT_TRUE(ParsePolicy("RtmrEvent 1 " + d + "," + Sha384Hex("y") + "\nRtmrEvent 2 " + d + "\n",
                          &p)
                  .ok());
  const auto* v = static_cast<const ra::Policy&>(p).Section<ra::TdxEventLogPolicyValues>(
      ra::kTdxEventLogSection);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->pins.size(), 3u);
  EXPECT_TRUE(v->required);
  EXPECT_EQ(v->pins[2].rtmr, 2u);
  const std::vector<std::string> bads = {"RtmrEvent 4 " + d,        "RtmrEvent -1 " + d,
                                         "RtmrEvent 1 abcd",         "RtmrEvent 1",
                                         "RtmrEventLog maybe",
                                         "RtmrEvent 1 " + d + "\nRtmrEventLog optional"};
  for (const std::string& bad : bads) {
    ra::Policy q;
    EXPECT_FALSE(ParsePolicy(bad + "\n", &q).ok()) << bad;
  }
  ra::Policy r;
  ASSERT_TRUE(ParsePolicy("RtmrEventLog required\n", &r).ok());
  EXPECT_FALSE(ra::AppraiseTdxEventLog(nullptr, r).ok());
  EXPECT_TRUE(ra::AppraiseTdxEventLog(nullptr, ra::Policy()).ok());
}

TEST(RtmrEventPolicy, PinsMustBeInTheReplayedLog) {
  std::shared_ptr<const ra::TdxEventLogClaims> c;
  ASSERT_TRUE(Replay(GcpItem(), QuoteBody(kGcpQuote), &c).ok());
  // An event whose digest occurs once in the log (separators repeat).
  const ra::TdxLogEvent* unique = nullptr;
  for (const ra::TdxLogEvent& e : c->events) {
    size_t n = 0;
    for (const ra::TdxLogEvent& f : c->events) n += f.sha384 == e.sha384;
    if (n == 1) unique = &e;
  }
  ASSERT_NE(unique, nullptr);
  const ra::TdxLogEvent& kernel = *unique;
  const std::string line = "RtmrEvent " + std::to_string(kernel.rtmr) + " " +
                           ra::HexEncode(kernel.sha384) + "\n";
  ra::Policy p;
  ASSERT_TRUE(ParsePolicy(line, &p).ok());
  ra::Status s = ra::AppraiseTdxEventLog(c.get(), p);
  EXPECT_TRUE(s.ok()) << s.message();
  // The same digest pinned to another RTMR, or another digest: refused.
  ra::Policy q;
  ASSERT_TRUE(ParsePolicy("RtmrEvent " + std::to_string((kernel.rtmr + 1) % 4) + " " +
                              ra::HexEncode(kernel.sha384) + "\n",
                          &q)
                  .ok());
  s = ra::AppraiseTdxEventLog(c.get(), q);
  EXPECT_EQ(s.check(), "tdx eventlog policy");
  ra::Policy r;
  ASSERT_TRUE(ParsePolicy("RtmrEvent 1 " + Sha384Hex("not there") + "\n", &r).ok());
  s = ra::AppraiseTdxEventLog(c.get(), r);
  EXPECT_NE(s.detail().find("is not in the verified event log of RTMR1"), std::string::npos)
      << s.message();
  s = ra::AppraiseTdxEventLog(nullptr, r);
  EXPECT_NE(s.detail().find("sent no tdx-eventlog"), std::string::npos) << s.message();
}

// The provider side -------------------------------------------------------

void Put(const std::string& path, const Bytes& b) {
  ra_test::WriteFile(path, std::string(b.begin(), b.end()));
}

TEST(TdxEventLogSource, ReadsTheKernelsFilesOrNothing) {
  TempDir d;
  std::vector<ra::EvidenceItem> items;
  // No CCEL at all, then a table without its data: nothing, no error.
  ASSERT_TRUE(ra::AppendTdxEventLog(d / "none", &items).ok());
  Put(d / "CCEL", ra_tdx_test::ReadVector(kGcpTable));
  ASSERT_TRUE(ra::AppendTdxEventLog(d.path(), &items).ok());
  EXPECT_TRUE(items.empty());
  mkdir((d / "data").c_str(), 0700);
  Put(d / "data/CCEL", ra_tdx_test::ReadVector(kGcpArea));
  ra::Status s = ra::AppendTdxEventLog(d.path(), &items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "tdx-eventlog");
  EXPECT_EQ(items[0].data, GcpItem());
}

TEST(TdxEventLogSource, BrokenFilesAreErrors) {
  TempDir d;
  mkdir((d / "data").c_str(), 0700);
  std::vector<ra::EvidenceItem> items;
  Bytes area = ra_tdx_test::ReadVector(kGcpArea);
  // A table longer than a table.
  Bytes long_table = ra_tdx_test::ReadVector(kGcpTable);
  long_table.push_back(0);
  Put(d / "CCEL", long_table);
  Put(d / "data/CCEL", area);
  EXPECT_EQ(ra::AppendTdxEventLog(d.path(), &items).check(), "tdx eventlog");
  // An area that is not a log, and one over the bound.
  Put(d / "CCEL", ra_tdx_test::ReadVector(kGcpTable));
  Put(d / "data/CCEL", Bytes(area.size(), 0x5a));
  EXPECT_EQ(ra::AppendTdxEventLog(d.path(), &items).check(), "tdx eventlog");
  Put(d / "data/CCEL", Bytes(ra::kMaxTcgEventLogLen + 1, 0));
  ra::Status s = ra::AppendTdxEventLog(d.path(), &items);
  EXPECT_NE(s.detail().find("larger than"), std::string::npos) << s.message();
  // Unreadable: a directory where the area should be.
  unlink((d / "data/CCEL").c_str());
  mkdir((d / "data/CCEL").c_str(), 0700);
  EXPECT_FALSE(ra::AppendTdxEventLog(d.path(), &items).ok());
  EXPECT_TRUE(items.empty());
}

// The sim, through the front door -----------------------------------------

class SimEventLogTest : public ::testing::Test {
 protected:
  void Init(bool eventlog, const std::string& kernel = "vmlinuz") {
    ra::SimInitOptions o;
    o.eventlog = eventlog;
    o.kernel = kernel;
    ra::Status s = ra::SimInit(dir_ / "sim", o);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  std::vector<ra::EvidenceItem> Collect() {
    std::unique_ptr<ra::EvidenceProvider> p;
    ra::Status s = ra::OpenProvider("sim:" + dir_ / "sim", &p);
    EXPECT_TRUE(s.ok()) << s.message();
    std::vector<ra::EvidenceItem> items;
    if (p) s = p->Collect(binding_, &items);
    EXPECT_TRUE(s.ok()) << s.message();
    return items;
  }
  ra::Status Evaluate(const std::vector<ra::EvidenceItem>& items, const std::string& extra,
                      ra::Verdict* v = nullptr) {
    ra::Policy p;
    ra::Status s = ra::ParsePolicy("TrustAnchor tdx " + dir_ / "sim/root.pem\n" + extra, "t", &p);
    if (!s.ok()) return s;
    ra::Verdict local;
    return ra::Evaluate(items, p, &binding_, 0, v ? v : &local);
  }
  TempDir dir_;
  ra::Binding binding_ = ra_test::CountingBinding(0x31);
};

TEST_F(SimEventLogTest, LogReplaysAndPinsAreAppraised) {
  Init(true, "vmlinuz-6.8");
  auto items = Collect();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].type, "tdx-eventlog");
  ra::Verdict v;
  ra::Status s = Evaluate(items, "", &v);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(v.items.size(), 1u);
  EXPECT_EQ(ra::ClaimField(v.items[0].claims, "eventlog"),
            "replayed: 7 events, RTMR0,1,2,3");
  const std::string kernel = Sha384Hex("ra-ssh sim kernel vmlinuz-6.8");
  EXPECT_TRUE(Evaluate(items, "RtmrEvent 1 " + kernel + "\n").ok());
  s = Evaluate(items, "RtmrEvent 1 " + Sha384Hex("ra-ssh sim kernel vmlinuz-6.9") + "\n");
  EXPECT_EQ(s.check(), "tdx eventlog policy");
  s = Evaluate(items, "RtmrEvent 2 " + kernel + "\n");
  EXPECT_EQ(s.check(), "tdx eventlog policy");
  // Without the log: fine unless the policy wants it.
  std::vector<ra::EvidenceItem> quote_only{items[0]};
  EXPECT_TRUE(Evaluate(quote_only, "").ok());
  s = Evaluate(quote_only, "RtmrEvent 1 " + kernel + "\n");
  EXPECT_NE(s.detail().find("sent no tdx-eventlog"), std::string::npos) << s.message();
  EXPECT_FALSE(Evaluate(quote_only, "RtmrEventLog required\n").ok());
}

TEST_F(SimEventLogTest, TamperedLogRefused) {
  Init(true);
  const std::string area = dir_ / "sim/acpi/data/CCEL";
  std::string a = ra_test::ReadFile(area);
  // The first RTMR0 event's digest: after the 65-byte Spec ID record and
  // the event's pcr, type, count and algorithm.
  a[65 + 14 + 7] = static_cast<char>(a[65 + 14 + 7] ^ 0x01);
  ra_test::WriteFile(area, a);
  auto items = Collect();
  ASSERT_EQ(items.size(), 2u);
  ra::Status s = Evaluate(items, "");
  EXPECT_EQ(s.detail(), "the tdx-eventlog does not reproduce the quote's RTMR0");
}

TEST_F(SimEventLogTest, ReinitKeepsKeysAndFollowsTheOption) {
  Init(true);
  const std::string root = ra_test::ReadFile(dir_ / "sim/root.pem");
  ASSERT_EQ(Collect().size(), 2u);
  Init(false);  // same keys, no log any more
  EXPECT_EQ(ra_test::ReadFile(dir_ / "sim/root.pem"), root);
  auto items = Collect();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(Evaluate(items, "").ok());
  Init(true, "other");  // and back
  items = Collect();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(Evaluate(items, "RtmrEvent 1 " + Sha384Hex("ra-ssh sim kernel other") + "\n").ok());
  ra::SimInitOptions bad;
  bad.eventlog = true;
  bad.kernel = std::string("a\nb");
  EXPECT_FALSE(ra::SimInit(dir_ / "sim", bad).ok());
}

}  // namespace
