// The TCG event-log parser and replay on real logs: four go-tpm-tools
// crypto-agile logs (SHA-1 and SHA-256 PCRs published with them), the
// legacy SHA-1 log of go-attestation's GCP shielded VM, the COS-85 log
// quoted by its attestation, and two TDX CCEL logs (RTMRs of a real quote
// and the ones trustee's test expects).
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>

#include "parse/ccel_table.h"
#include "parse/tcg_eventlog.h"
#include "parse/tdx_quote.h"
#include "parse/tpm_quote.h"
#include "tpm_test_vectors.h"
#include "verify/eventlog_replay.h"
#include "verify/tpm_quote_check.h"

namespace {

using ra::Bytes;
using namespace ra_tpm_test;

const char* kLogs[] = {"gotpmtools_rhel8_gce_secureboot", "gotpmtools_arch_linux_workstation",
                       "gotpmtools_glinux_laptop_locality3", "gotpmtools_ubuntu2404_gce_sevsnp"};

TEST(TcgEventLog, GoTpmToolsLogsReplayToTheirPcrs) {
  for (const char* name : kLogs) {
    SCOPED_TRACE(name);
    Bytes raw = ra_tdx_test::ReadVector(std::string("tpm/") + name + "_eventlog.bin");
    ra::TpmPcrValues want = PcrsVector(std::string("tpm/") + name + ".pcrs.json");
    ra::TcgEventLog log;
    ra::Status s = ra::ParseTcgEventLog(raw, &log);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(log.crypto_agile);
    EXPECT_GT(log.events.size(), 10u);
    for (uint16_t alg : {ra::kTpmAlgSha1, ra::kTpmAlgSha256}) {
      ASSERT_EQ(want.count(alg), 1u);
      ra::ReplayedPcrs r;
      s = ra::ReplayTcgEventLog(log, alg, &r);
      ASSERT_TRUE(s.ok()) << s.message();
      std::vector<uint32_t> pcrs;
      for (const auto& p : want[alg]) pcrs.push_back(p.first);
      s = ra::CheckReplayedPcrs(r, want, pcrs);
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }
}

TEST(TcgEventLog, StartupLocalitySetsPcr0) {
  Bytes raw = ra_tdx_test::ReadVector("tpm/gotpmtools_glinux_laptop_locality3_eventlog.bin");
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(raw, &log).ok());
  ra::ReplayedPcrs r;
  ASSERT_TRUE(ra::ReplayTcgEventLog(log, ra::kTpmAlgSha256, &r).ok());
  EXPECT_TRUE(r.has_startup_locality);
  EXPECT_EQ(r.startup_locality, 3);
  // Without the locality event PCR 0 no longer matches.
  ra::TcgEventLog no_loc = log;
  for (auto it = no_loc.events.begin(); it != no_loc.events.end(); ++it) {
    ra::TcgEventInfo info;
    if (ra::DecodeTcgEvent(*it, &info).ok() && info.has_startup_locality) {
      no_loc.events.erase(it);
      break;
    }
  }
  ASSERT_EQ(no_loc.events.size() + 1, log.events.size());
  ra::ReplayedPcrs r2;
  ASSERT_TRUE(ra::ReplayTcgEventLog(no_loc, ra::kTpmAlgSha256, &r2).ok());
  ra::TpmPcrValues want = PcrsVector("tpm/gotpmtools_glinux_laptop_locality3.pcrs.json");
  EXPECT_TRUE(ra::CheckReplayedPcrs(r, want, {0}).ok());
  EXPECT_EQ(ra::CheckReplayedPcrs(r2, want, {0}).detail(),
            "the log does not reproduce PCR 0 (sha256)");
}

TEST(TcgEventLog, DecodesCommonEventTypes) {
  Bytes raw = ra_tdx_test::ReadVector("tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin");
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(raw, &log).ok());
  std::set<std::string> vars;
  size_t separators = 0, images = 0;
  for (const auto& e : log.events) {
    ra::TcgEventInfo info;
    ra::Status s = ra::DecodeTcgEvent(e, &info);
    EXPECT_TRUE(s.ok()) << ra::TcgEventTypeName(e.event_type) << ": " << s.message();
    if (info.has_efi_variable) vars.insert(info.efi_name);
    if (info.has_separator) separators++;
    if (info.has_image_load) images++;
  }
  for (const char* v : {"SecureBoot", "PK", "KEK", "db", "dbx"}) EXPECT_EQ(vars.count(v), 1u) << v;
  EXPECT_GE(separators, 7u);
  EXPECT_GE(images, 1u);
}

TEST(TcgEventLog, OneByteChangeToADigestChangesThePcr) {
  Bytes raw = ra_tdx_test::ReadVector("tpm/gotpmtools_arch_linux_workstation_eventlog.bin");
  ra::TpmPcrValues want = PcrsVector("tpm/gotpmtools_arch_linux_workstation.pcrs.json");
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(raw, &log).ok());
  size_t tried = 0;
  for (size_t i = 0; i < log.events.size(); i++) {
    const ra::TcgEvent& e = log.events[i];
    if (e.event_type == ra::kEvNoAction || want[ra::kTpmAlgSha256].count(e.pcr_index) == 0) continue;
    // Flip a byte of the SHA-256 digest in the raw log, parse and replay.
    size_t off = e.offset + 12;
    for (const auto& d : e.digests) {
      off += 2;
      if (d.alg == ra::kTpmAlgSha256) break;
      off += d.digest.size();
    }
    Bytes bad = raw;
    bad[off + 7] ^= 0x01;
    ra::TcgEventLog l2;
    ASSERT_TRUE(ra::ParseTcgEventLog(bad, &l2).ok());
    ra::ReplayedPcrs r;
    ASSERT_TRUE(ra::ReplayTcgEventLog(l2, ra::kTpmAlgSha256, &r).ok());
    EXPECT_FALSE(ra::CheckReplayedPcrs(r, want, {e.pcr_index}).ok()) << i;
    ra::ReplayedPcrs r1;
    ASSERT_TRUE(ra::ReplayTcgEventLog(l2, ra::kTpmAlgSha1, &r1).ok());
    EXPECT_TRUE(ra::CheckReplayedPcrs(r1, want, {e.pcr_index}).ok()) << i;
    tried++;
  }
  EXPECT_GT(tried, 20u);
}

TEST(TcgEventLog, TruncationsAndBadCountsAreRefused) {
  Bytes raw = ra_tdx_test::ReadVector("tpm/gotpmtools_ubuntu2404_gce_sevsnp_eventlog.bin");
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(raw, &log).ok());
  // Cut inside every event: refused (cuts at an event boundary are a
  // shorter valid log, and are what the replay comparison catches).
  std::set<size_t> starts;
  for (const auto& e : log.events) starts.insert(e.offset);
  starts.insert(raw.size());
  for (size_t n = 1; n < raw.size(); n += 7) {
    if (starts.count(n)) continue;
    ra::TcgEventLog l;
    ra::Status s = ra::ParseTcgEventLog(ra::ByteView(raw.data(), n), &l);
    // A cut whose last bytes are zeros may end on padding-like bytes; only
    // accept it if it ends exactly at an event boundary.
    if (s.ok()) {
      EXPECT_TRUE(starts.count(l.used_len)) << n;
    }
  }
  const ra::TcgEvent& e = log.events.at(3);
  Bytes big = raw;
  big[e.offset + 8] = 0x10;  // digest count 16 > algorithms
  EXPECT_EQ(ra::ParseTcgEventLog(big, &log).check(), "event log format");
  Bytes zero = raw;
  std::memset(&zero[e.offset + 8], 0, 4);
  EXPECT_FALSE(ra::ParseTcgEventLog(zero, &log).ok());
  Bytes alg = raw;
  alg[e.offset + 12] = 0x99;  // an algorithm the Spec ID event does not declare
  EXPECT_FALSE(ra::ParseTcgEventLog(alg, &log).ok());
  Bytes huge = raw;
  size_t size_at = e.offset + 12;
  for (const auto& d : e.digests) size_at += 2 + d.digest.size();
  huge[size_at + 3] = 0x7f;  // event size beyond the log
  EXPECT_FALSE(ra::ParseTcgEventLog(huge, &log).ok());
  Bytes garbage = raw;
  garbage.insert(garbage.end(), {0x00, 0x00, 0x00, 0x00, 0x41});
  EXPECT_FALSE(ra::ParseTcgEventLog(garbage, &log).ok());
  Bytes specid = raw;
  specid[32 + 24] = 0x40;  // numberOfAlgorithms 64
  EXPECT_FALSE(ra::ParseTcgEventLog(specid, &log).ok());
  EXPECT_FALSE(ra::ParseTcgEventLog(Bytes(4096, 0), &log).ok());
  EXPECT_FALSE(ra::ParseTcgEventLog(Bytes(), &log).ok());
  // Padding after the last event is fine, either kind.
  for (uint8_t fill : {0x00, 0xff}) {
    Bytes padded = raw;
    padded.resize(raw.size() + 1000, fill);
    ra::TcgEventLog l;
    ASSERT_TRUE(ra::ParseTcgEventLog(padded, &l).ok());
    EXPECT_EQ(l.used_len, raw.size());
  }
}

// An unknown algorithm declared in the Spec ID event is skipped.
TEST(TcgEventLog, UnknownDeclaredAlgorithmIsSkipped) {
  // Spec ID event: SHA-256 and algorithm 0x0099 of 8 bytes.
  Bytes log = {0, 0, 0, 0, 3, 0, 0, 0};
  log.insert(log.end(), 20, 0);
  Bytes spec = {'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,
                0, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0x0b, 0, 32, 0, 0x99, 0, 8, 0, 0};
  log.insert(log.end(), {static_cast<uint8_t>(spec.size()), 0, 0, 0});
  log.insert(log.end(), spec.begin(), spec.end());
  Bytes ev = {4, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0x99, 0};
  ev.insert(ev.end(), 8, 0xaa);
  ev.insert(ev.end(), {0x0b, 0});
  ev.insert(ev.end(), 32, 0xbb);
  ev.insert(ev.end(), {4, 0, 0, 0, 0, 0, 0, 0});
  log.insert(log.end(), ev.begin(), ev.end());
  ra::TcgEventLog l;
  ra::Status s = ra::ParseTcgEventLog(log, &l);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(l.events.size(), 1u);
  ra::ReplayedPcrs r;
  ASSERT_TRUE(ra::ReplayTcgEventLog(l, ra::kTpmAlgSha256, &r).ok());
  EXPECT_EQ(ra::ExtendedPcrs(r), std::vector<uint32_t>{4});
  EXPECT_FALSE(ra::ReplayTcgEventLog(l, 0x0099, &r).ok());
  EXPECT_FALSE(ra::ReplayTcgEventLog(l, ra::kTpmAlgSha1, &r).ok());
}

TEST(TcgEventLog, LegacySha1LogReplaysToGoAttestationPcrs) {
  Json j = LoadJsonVector("tpm/goatt_windows_gcp_shielded_vm.json");
  ra::TcgEventLog log;
  ra::Status s = ra::ParseTcgEventLog(B64(Str(Path(j.get(), {"Log", "Raw"}))), &log);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(log.crypto_agile);
  ra::ReplayedPcrs r;
  ASSERT_TRUE(ra::ReplayTcgEventLog(log, ra::kTpmAlgSha1, &r).ok());
  ra::TpmPcrValues pcrs;
  const json_t* list = Path(j.get(), {"Log", "PCRs"});
  for (size_t i = 0; i < json_array_size(list); i++) {
    const json_t* e = json_array_get(list, i);
    pcrs[ra::kTpmAlgSha1][static_cast<uint32_t>(json_integer_value(json_object_get(e, "Index")))] =
        B64(Str(json_object_get(e, "Digest")));
  }
  std::vector<uint32_t> extended = ra::ExtendedPcrs(r);
  EXPECT_GE(extended.size(), 8u);
  s = ra::CheckReplayedPcrs(r, pcrs, extended);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(TcgEventLog, Cos85LogReplaysToItsQuotedPcrs) {
  Json j = LoadJsonVector("tpm/gotpmtools_gce_cos85_attestation_nonce9009.decoded.json");
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(B64(Str(Path(j.get(), {"event_log_b64"}))), &log).ok());
  const json_t* quotes = Path(j.get(), {"quotes"});
  for (size_t i = 0; i < json_array_size(quotes); i++) {
    const json_t* q = json_array_get(quotes, i);
    uint16_t alg = 0;
    ASSERT_TRUE(ra::TpmHashFromName(Str(Path(q, {"hash"})), &alg));
    ra::TpmPcrValues pcrs;
    const char* k;
    json_t* v;
    json_object_foreach(const_cast<json_t*>(Path(q, {"pcrs"})), k, v)
      pcrs[alg][static_cast<uint32_t>(std::stoul(k))] = Hex(Str(v));
    ra::ReplayedPcrs r;
    ASSERT_TRUE(ra::ReplayTcgEventLog(log, alg, &r).ok());
    ra::Status s = ra::CheckReplayedPcrs(r, pcrs, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14});
    EXPECT_TRUE(s.ok()) << ra::TpmHashName(alg) << ": " << s.message();
  }
}

std::array<ra::Rtmr, 4> QuoteRtmrs(const char* rel) {
  ra::TdxQuote q;
  EXPECT_TRUE(ra::ParseTdxQuote(ra_tdx_test::ReadVector(rel), &q).ok());
  std::array<ra::Rtmr, 4> out;
  for (size_t i = 0; i < 4; i++) out[i] = q.body.rtmr[i];
  return out;
}

TEST(CcelEventLog, GcpCos113ReplaysToItsQuoteRtmrs) {
  Bytes table = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_table.bin");
  Bytes area = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_data.bin");
  ra::CcelTable t;
  ra::TcgEventLog log;
  ra::Status s = ra::ParseCcelEventLog(table, area, &t, &log);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(t.cc_type, ra::kCcTypeTdx);
  EXPECT_EQ(t.laml, area.size());
  EXPECT_EQ(log.used_len, 18101u);
  std::array<ra::Rtmr, 4> rtmrs;
  ASSERT_TRUE(ra::ReplayCcelRtmrs(log, &rtmrs).ok());
  auto quoted = QuoteRtmrs("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  s = ra::CheckReplayedRtmrs(rtmrs, quoted);
  EXPECT_TRUE(s.ok()) << s.message();
  // One byte of a SHA-384 digest of an RTMR1 event.
  bool changed = false;
  for (const auto& e : log.events) {
    if (e.pcr_index != 2) continue;
    changed = true;
    Bytes bad = area;
    bad[e.offset + 12 + 2 + 20] ^= 0x01;  // byte 20 of the (only) SHA-384 digest
    ra::TcgEventLog l2;
    ASSERT_TRUE(ra::ParseCcelEventLog(table, bad, &t, &l2).ok());
    std::array<ra::Rtmr, 4> r2;
    ASSERT_TRUE(ra::ReplayCcelRtmrs(l2, &r2).ok());
    EXPECT_EQ(ra::CheckReplayedRtmrs(r2, quoted).detail(), "the log does not reproduce RTMR1");
    break;
  }
  EXPECT_TRUE(changed);
}

TEST(CcelEventLog, TableSizesMustAgree) {
  Bytes table = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_table.bin");
  Bytes area = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_data.bin");
  ra::CcelTable t;
  ra::TcgEventLog log;
  Bytes shorter(area.begin(), area.end() - 1);
  EXPECT_EQ(ra::ParseCcelEventLog(table, shorter, &t, &log).check(), "ccel table format");
  Bytes len = table;
  len[4] = 57;
  len[9] = static_cast<uint8_t>(len[9] - 1);  // keep the checksum right
  EXPECT_EQ(ra::ParseCcelTable(len, &t).detail(), "header length 57, not 56");
  Bytes sum = table;
  sum[20] ^= 1;
  EXPECT_EQ(ra::ParseCcelTable(sum, &t).detail(), "checksum");
  Bytes sig = table;
  sig[0] = 'X';
  EXPECT_FALSE(ra::ParseCcelTable(sig, &t).ok());
  Bytes type = table;
  type[36] = 3;
  type[9] = static_cast<uint8_t>(type[9] - 1);
  EXPECT_EQ(ra::ParseCcelTable(type, &t).detail(), "CC type 3");
  Bytes laml = table;
  laml[46] = 1;  // LAML 2^48 + 256 KiB
  laml[9] = static_cast<uint8_t>(laml[9] - 1);
  EXPECT_FALSE(ra::ParseCcelTable(laml, &t).ok());
  EXPECT_FALSE(ra::ParseCcelTable(ra::ByteView(table.data(), 55), &t).ok());
}

TEST(CcelEventLog, TrusteeGrubLogReplaysToExpectedRtmrs) {
  Bytes area = ra_tdx_test::ReadVector("tdx/ccel/trustee_ccel_grub.bin");
  Json want = LoadJsonVector("tdx/ccel/trustee_ccel_grub.rtmrs.json");
  ra::TcgEventLog log;
  ra::Status s = ra::ParseTcgEventLog(area, &log);
  ASSERT_TRUE(s.ok()) << s.message();
  std::array<ra::Rtmr, 4> rtmrs;
  ASSERT_TRUE(ra::ReplayCcelRtmrs(log, &rtmrs).ok());
  std::array<ra::Rtmr, 4> expected;
  for (size_t i = 0; i < 4; i++) {
    Bytes v = Hex(Str(Path(want.get(), {("RTMR" + std::to_string(i)).c_str()})));
    ASSERT_EQ(v.size(), 48u);
    std::copy(v.begin(), v.end(), expected[i].begin());
  }
  s = ra::CheckReplayedRtmrs(rtmrs, expected);
  EXPECT_TRUE(s.ok()) << s.message();
  size_t decoded = 0;
  for (const auto& e : log.events) {
    ra::TcgEventInfo info;
    if (ra::DecodeTcgEvent(e, &info).ok()) decoded++;
  }
  EXPECT_EQ(decoded, log.events.size());
}

}  // namespace

namespace {

// A 100 KiB log parses and replays (its time is make bench's to measure).
TEST(TcgEventLog, HundredKibLogReplays) {
  Bytes raw = ra_tdx_test::ReadVector("tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin");
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(raw, &log).ok());
  // The Spec ID event, then the events repeated up to 100 KiB.
  size_t first = log.events.at(0).offset;
  Bytes big(raw.begin(), raw.begin() + static_cast<long>(first));
  while (big.size() < 100 * 1024) big.insert(big.end(), raw.begin() + static_cast<long>(first), raw.end());
  ra::TcgEventLog parsed;
  ASSERT_TRUE(ra::ParseTcgEventLog(big, &parsed).ok());
  ra::ReplayedPcrs r;
  ASSERT_TRUE(ra::ReplayTcgEventLog(parsed, ra::kTpmAlgSha256, &r).ok());
  EXPECT_GT(parsed.events.size(), 2 * log.events.size());
}

}  // namespace

namespace {

TEST(TcgEventLog, EventDataMatchesItsDigest) {
  for (const char* name : kLogs) {
    SCOPED_TRACE(name);
    ra::TcgEventLog log;
    ASSERT_TRUE(ra::ParseTcgEventLog(ra_tdx_test::ReadVector(std::string("tpm/") + name + "_eventlog.bin"), &log).ok());
    size_t checked = 0;
    for (const auto& e : log.events) {
      ra::Status s = ra::CheckTcgEventDataDigest(e, ra::kTpmAlgSha256);
      if (s.ok()) {
        checked++;
        // The same event with one byte of data changed no longer matches.
        ra::TcgEvent bad = e;
        if (bad.data.empty()) continue;
        bad.data.back() ^= 0x01;
        EXPECT_EQ(ra::CheckTcgEventDataDigest(bad, ra::kTpmAlgSha256).check(), "event data digest");
      } else if (s.detail().find("not checkable") == std::string::npos) {
        ADD_FAILURE() << s.message();
      }
    }
    EXPECT_GE(checked, 8u);
  }
}

TEST(TcgEventLog, SecureBootState) {
  struct Case { const char* name; bool enabled; };
  for (const Case& c : {Case{"gotpmtools_rhel8_gce_secureboot", true},
                        Case{"gotpmtools_glinux_laptop_locality3", false}}) {
    SCOPED_TRACE(c.name);
    ra::TcgEventLog log;
    ASSERT_TRUE(ra::ParseTcgEventLog(ra_tdx_test::ReadVector(std::string("tpm/") + c.name + "_eventlog.bin"), &log).ok());
    bool on = !c.enabled;
    ra::Status s = ra::EfiSecureBootEnabled(log, ra::kTpmAlgSha256, &on);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(on, c.enabled);
    // Data flipped without its digest: refused, not believed.
    for (auto& e : log.events) {
      ra::TcgEventInfo info;
      if (e.pcr_index == 7 && ra::DecodeTcgEvent(e, &info).ok() && info.efi_name == "SecureBoot")
        e.data.back() ^= 0x01;
    }
    EXPECT_EQ(ra::EfiSecureBootEnabled(log, ra::kTpmAlgSha256, &on).check(), "event data digest");
  }
}

// --- a synthetic crypto-agile log of another firmware ----------------------

void Le32To(Bytes* b, uint32_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// TCG_PCR_EVENT2 with digests in the given order.
void AddEvent2(Bytes* log, uint32_t pcr, uint32_t type,
               const std::vector<std::pair<uint16_t, Bytes>>& digests, const Bytes& data) {
  Le32To(log, pcr);
  Le32To(log, type);
  Le32To(log, static_cast<uint32_t>(digests.size()));
  for (const auto& d : digests) {
    log->push_back(static_cast<uint8_t>(d.first));
    log->push_back(static_cast<uint8_t>(d.first >> 8));
    log->insert(log->end(), d.second.begin(), d.second.end());
  }
  Le32To(log, static_cast<uint32_t>(data.size()));
  log->insert(log->end(), data.begin(), data.end());
}

Bytes Hash(uint16_t alg, const Bytes& in) {
  Bytes out(ra::TpmHashSize(alg));
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out.data(), &n, ra::TpmHashMd(alg), nullptr);
  return out;
}

Bytes Extend(uint16_t alg, Bytes pcr, const Bytes& digest) {
  pcr.insert(pcr.end(), digest.begin(), digest.end());
  return Hash(alg, pcr);
}

// SHA-384 first, then SHA-1 and SHA-256 in the Spec ID event (with vendor
// info); events whose digests come in another order; a StartupLocality 3
// and another EV_NO_ACTION (all-zero digests, not extended); 0xFF after
// the last event.  Every bank replays as the TPM computed it.
TEST(TcgEventLog, ThreeBanksInAnyOrderWithLocalityAndPadding) {
  const std::vector<uint16_t> algs = {ra::kTpmAlgSha384, ra::kTpmAlgSha1, ra::kTpmAlgSha256};
  Bytes log;
  Le32To(&log, 0);
  Le32To(&log, ra::kEvNoAction);
  log.insert(log.end(), 20, 0);
  Bytes spec(std::begin("Spec ID Event03"), std::end("Spec ID Event03"));
  Le32To(&spec, 0);  // platform class
  spec.insert(spec.end(), {0, 2, 0, 2});
  Le32To(&spec, static_cast<uint32_t>(algs.size()));
  for (uint16_t a : algs) {
    spec.insert(spec.end(), {static_cast<uint8_t>(a), static_cast<uint8_t>(a >> 8),
                             static_cast<uint8_t>(ra::TpmHashSize(a)), 0});
  }
  spec.insert(spec.end(), {3, 'v', 'n', 'd'});
  Le32To(&log, static_cast<uint32_t>(spec.size()));
  log.insert(log.end(), spec.begin(), spec.end());
  auto zeros = [&] {
    std::vector<std::pair<uint16_t, Bytes>> d;
    for (uint16_t a : algs) d.push_back({a, Bytes(ra::TpmHashSize(a), 0)});
    return d;
  };
  Bytes locality(std::begin("StartupLocality"), std::end("StartupLocality"));
  locality.push_back(3);
  AddEvent2(&log, 0, ra::kEvNoAction, zeros(), locality);
  Bytes crtm = {'v', 0, '1', 0, 0, 0};
  Bytes sep = {0, 0, 0, 0};
  std::vector<std::pair<uint16_t, Bytes>> d_crtm, d_sep;
  for (uint16_t a : {ra::kTpmAlgSha256, ra::kTpmAlgSha1, ra::kTpmAlgSha384}) {
    d_crtm.push_back({a, Hash(a, crtm)});
    d_sep.push_back({a, Hash(a, sep)});
  }
  AddEvent2(&log, 0, ra::kEvSCrtmVersion, d_crtm, crtm);
  AddEvent2(&log, 3, ra::kEvNoAction, zeros(), Bytes(std::begin("NvIndexInstance"),
                                                     std::end("NvIndexInstance")));
  AddEvent2(&log, 7, ra::kEvSeparator, d_sep, sep);
  log.insert(log.end(), 300, 0xFF);
  ra::TcgEventLog l;
  ra::Status s = ra::ParseTcgEventLog(log, &l);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(l.vendor_info, (Bytes{'v', 'n', 'd'}));
  ASSERT_EQ(l.events.size(), 4u);
  for (uint16_t a : algs) {
    SCOPED_TRACE(ra::TpmHashName(a));
    ra::ReplayedPcrs r;
    s = ra::ReplayTcgEventLog(l, a, &r);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(ra::ExtendedPcrs(r), (std::vector<uint32_t>{0, 7}));
    Bytes pcr0(ra::TpmHashSize(a), 0);
    pcr0.back() = 3;
    ra::TpmPcrValues want;
    want[a][0] = Extend(a, pcr0, Hash(a, crtm));
    want[a][7] = Extend(a, Bytes(ra::TpmHashSize(a), 0), Hash(a, sep));
    want[a][3] = Bytes(ra::TpmHashSize(a), 0);
    s = ra::CheckReplayedPcrs(r, want, {0, 3, 7});
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(ra::CheckTcgEventDataDigest(l.events[3], a).ok());
  }
  // An event missing one bank's digest: that bank cannot be replayed.
  Bytes short_log(log.begin(), log.end() - 300);
  AddEvent2(&short_log, 4, ra::kEvSeparator, {d_sep[0], d_sep[1]}, sep);
  ASSERT_TRUE(ra::ParseTcgEventLog(short_log, &l).ok());
  ra::ReplayedPcrs r;
  EXPECT_EQ(ra::ReplayTcgEventLog(l, ra::kTpmAlgSha384, &r).check(), "event log replay");
  EXPECT_TRUE(ra::ReplayTcgEventLog(l, ra::kTpmAlgSha256, &r).ok());
  // Cut inside the last event, then padded: refused.
  Bytes cut(log.begin(), log.end() - 310);
  cut.insert(cut.end(), 64, 0xFF);
  EXPECT_FALSE(ra::ParseTcgEventLog(cut, &l).ok());
}

}  // namespace
