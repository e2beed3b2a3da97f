// `ssh-attest eventlog` as a user runs it: the real CCEL (table + area,
// the tdx-eventlog item form, the area alone), a TPM log and an IMA list,
// text and JSON; the replayed registers are the quote's (CCEL) or the
// published PCRs (TPM); broken input fails with one line on stderr.
#include <gtest/gtest.h>
#include <jansson.h>

#include <cctype>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "parse/ima_log.h"
#include "parse/tdx_eventlog.h"
#include "parse/tdx_quote.h"
#include "ra_test_util.h"
#include "ssh_attest_runner.h"
#include "tdx_test_vectors.h"

namespace {

using ra::Bytes;
using ra_test::TempDir;

using Result = ra_test::CliResult;

Result Attest(const std::vector<std::string>& args) { return ra_test::RunSshAttest(args); }

const std::string kTable = ra_tdx_test::VectorPath("tdx/ccel/gotdx_gcp_cos113_ccel_table.bin");
const std::string kArea = ra_tdx_test::VectorPath("tdx/ccel/gotdx_gcp_cos113_ccel_data.bin");

// The RTMR lines of the GCP quote, as eventlog prints them.
std::string QuoteRtmrLines() {
  ra::TdxQuote q;
  EXPECT_TRUE(
      ra::ParseTdxQuote(ra_tdx_test::ReadVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat"),
                        &q)
          .ok());
  std::string s;
  for (size_t i = 0; i < 4; i++)
    s += "  RTMR" + std::to_string(i) + " sha384:" + ra::HexEncode(q.body.rtmr[i]) + "\n";
  return s;
}

TEST(SshAttestEventlog, CcelTableAndAreaReplayToTheQuote) {
  Result r = Attest({"eventlog", "--text", "--ccel", kTable, kArea});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind(kTable + " + " + kArea + ": crypto-agile CCEL event log, 43 events", 0),
            0u)
      << r.out.substr(0, 200);
  EXPECT_NE(r.out.find(" RTMR1 EV_EFI_BOOT_SERVICES_APPLICATION\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    sha384:"), std::string::npos);
  const std::string want = "replayed:\n" + QuoteRtmrLines();
  ASSERT_GE(r.out.size(), want.size());
  EXPECT_EQ(r.out.substr(r.out.size() - want.size()), want);
  // Without --ccel the table is recognised; the item form says the same.
  Result auto_r = Attest({"eventlog", "--text", kTable, kArea});
  EXPECT_EQ(auto_r.out.substr(auto_r.out.find("replayed:")), want);
  TempDir d;
  Bytes item;
  ASSERT_TRUE(ra::BuildTdxEventLogItem(ra_tdx_test::ReadVector(
                                           "tdx/ccel/gotdx_gcp_cos113_ccel_table.bin"),
                                       ra_tdx_test::ReadVector(
                                           "tdx/ccel/gotdx_gcp_cos113_ccel_data.bin"),
                                       &item)
                  .ok());
  ra_test::WriteFile(d / "item", std::string(item.begin(), item.end()));
  Result item_r = Attest({"eventlog", "--text", d / "item"});
  ASSERT_EQ(item_r.code, 0) << item_r.err;
  EXPECT_EQ(item_r.out.substr(item_r.out.find("replayed:")), want);
  // The area alone, with --ccel.
  Result area_r = Attest({"eventlog", "--text", "--ccel", kArea});
  ASSERT_EQ(area_r.code, 0) << area_r.err;
  EXPECT_EQ(area_r.out.substr(area_r.out.find("replayed:")), want);
}

TEST(SshAttestEventlog, JsonHasEventsAndReplay) {
  Result r = Attest({"eventlog", "--json", "--ccel", kTable, kArea});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"kind\": \"ccel\""), std::string::npos);
  EXPECT_NE(r.out.find("\"events\": ["), std::string::npos);
  ra::TdxQuote q;
  ASSERT_TRUE(ra::ParseTdxQuote(
                  ra_tdx_test::ReadVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat"), &q)
                  .ok());
  EXPECT_NE(r.out.find("\"RTMR2\": \"" + ra::HexEncode(q.body.rtmr[2]) + "\""), std::string::npos)
      << r.out.substr(r.out.size() > 800 ? r.out.size() - 800 : 0);
}

// JSON is the default (issue 11: "the events as JSON"): one object for
// one log, an array for several, whole or nothing.
TEST(SshAttestEventlog, JsonIsTheDefault) {
  const std::string log =
      ra_tdx_test::VectorPath("tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin");
  Result r = Attest({"eventlog", log});
  ASSERT_EQ(r.code, 0) << r.err;
  json_error_t err;
  json_t* one = json_loads(r.out.c_str(), 0, &err);
  ASSERT_NE(one, nullptr) << err.text;
  EXPECT_STREQ(json_string_value(json_object_get(one, "kind")), "tpm");
  EXPECT_NE(json_object_get(json_object_get(json_object_get(one, "replayed"), "sha256"), "PCR7"),
            nullptr);
  json_decref(one);
  Result two = Attest({"eventlog", log, kTable, kArea});
  ASSERT_EQ(two.code, 0) << two.err;
  json_t* arr = json_loads(two.out.c_str(), 0, &err);
  ASSERT_NE(arr, nullptr) << err.text;
  ASSERT_EQ(json_array_size(arr), 2u);
  EXPECT_STREQ(json_string_value(json_object_get(json_array_get(arr, 1), "kind")), "ccel");
  json_decref(arr);
  Result bad = Attest({"eventlog", log, kArea + ".missing"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(Attest({"eventlog", "--json", "--text", log}).code, 2);
}

TEST(SshAttestEventlog, TpmLogReplaysToPublishedPcrs) {
  const std::string log =
      ra_tdx_test::VectorPath("tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin");
  Result r = Attest({"eventlog", "--text", log});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("crypto-agile TCG event log"), std::string::npos);
  EXPECT_NE(r.out.find(" PCR7 EV_EFI_VARIABLE_DRIVER_CONFIG\n"), std::string::npos);
  EXPECT_NE(r.out.find("\"SecureBoot (8be4df61-93ca-11d2-aa0d-00e098032b8c, 1 bytes)\""),
            std::string::npos);
  std::string pcrs = ra_test::ReadFile(
      ra_tdx_test::VectorPath("tpm/gotpmtools_rhel8_gce_secureboot.pcrs.json"));
  // PCR 0 in the SHA-256 bank, as published beside the log.
  size_t at = pcrs.find("\"sha256\"");
  ASSERT_NE(at, std::string::npos);
  size_t p0 = pcrs.find("\"0\"", at);
  ASSERT_NE(p0, std::string::npos);
  size_t q1 = pcrs.find('"', pcrs.find(':', p0) + 1);
  std::string v = pcrs.substr(q1 + 1, 64);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(r.out.find("  PCR0 sha256:" + v), std::string::npos) << v;
}

TEST(SshAttestEventlog, ImaListReplays) {
  ra::ImaLog ascii;
  ASSERT_TRUE(ra::ParseImaAsciiLog(
                  ra_test::ReadFile(ra_tdx_test::VectorPath(
                      "ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt")),
                  &ascii)
                  .ok());
  std::string bin;
  auto le32 = [&](size_t v) {
    for (int i = 0; i < 4; i++) bin.push_back(static_cast<char>(v >> (8 * i)));
  };
  for (size_t i = 0; i < 20; i++) {
    const ra::ImaEntry& e = ascii.entries[i];
    le32(e.pcr);
    bin.append(e.template_hash.begin(), e.template_hash.end());
    le32(e.template_name.size());
    bin += e.template_name;
    le32(e.template_data.size());
    bin.append(e.template_data.begin(), e.template_data.end());
  }
  TempDir d;
  ra_test::WriteFile(d / "ima", bin);
  Result r = Attest({"eventlog", "--text", d / "ima"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("IMA measurement list, 20 entries"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" boot_aggregate\n"), std::string::npos);
  EXPECT_NE(r.out.find("  PCR10 sha1:"), std::string::npos);
  // Issue 11's form: a TPM log, then --ima and the list.
  const std::string log =
      ra_tdx_test::VectorPath("tpm/gotpmtools_rhel8_gce_secureboot_eventlog.bin");
  Result both = Attest({"eventlog", "--text", log, "--ima", d / "ima"});
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_NE(both.out.find("crypto-agile TCG event log"), std::string::npos);
  EXPECT_NE(both.out.find("IMA measurement list, 20 entries"), std::string::npos);
}

TEST(SshAttestEventlog, BrokenInputFails) {
  TempDir d;
  Bytes area = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_data.bin");
  ra_test::WriteFile(d / "cut", std::string(area.begin(), area.begin() + 18000));
  Result r = Attest({"eventlog", "--ccel", d / "cut"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("ssh-attest: " + d / "cut" + ": ", 0), 0u) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  // A table whose area disagrees with its LAML.
  r = Attest({"eventlog", "--ccel", kTable, d / "cut"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("ccel table format"), std::string::npos) << r.err;
  // A table with no area after it, and no file at all: usage.
  EXPECT_EQ(Attest({"eventlog", "--ccel", kTable}).code, 1);
  EXPECT_EQ(Attest({"eventlog"}).code, 2);
  EXPECT_EQ(Attest({"eventlog", "--ccel", "--ima", kArea}).code, 2);
  ra_test::WriteFile(d / "junk", std::string(100, 'j'));
  EXPECT_EQ(Attest({"eventlog", d / "junk"}).code, 1);
}

// The ASCII list as the kernel prints it (ascii_runtime_measurements):
// Keylime's real list replays to the PCR 10 Keylime computes; a line
// that is not a measurement fails.
TEST(SshAttestEventlog, AsciiImaListReplays) {
  const std::string list =
      ra_tdx_test::VectorPath("ima/rustkeylime_ascii_runtime_measurements_ima-ng_sha1.txt");
  Result r = Attest({"eventlog", "--text", list});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("IMA measurement list, 826 entries"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" /init\n"), std::string::npos);
  EXPECT_NE(r.out.find("  PCR10 sha1:82231c67a69da98dc5b3aa10f6343d33109225fc\n"),
            std::string::npos);
  Result j = Attest({"eventlog", "--json", "--ima", list});
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_NE(j.out.find("\"kind\": \"ima\""), std::string::npos);
  EXPECT_NE(j.out.find("\"PCR10\": \"82231c67a69da98dc5b3aa10f6343d33109225fc\""),
            std::string::npos);
  TempDir d;
  std::string text = ra_test::ReadFile(list);
  ra_test::WriteFile(d / "bad", text.substr(0, text.find('\n') + 1) + "10 zz ima-ng sha1:00 /x\n");
  Result bad = Attest({"eventlog", "--ima", d / "bad"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.err.rfind("ssh-attest: " + d / "bad" + ": ", 0), 0u) << bad.err;
}

}  // namespace
