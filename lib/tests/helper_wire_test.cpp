// ssh-attest-helper's messages and process (issue 14, least library
// surface): every field round-trips; truncated, oversized, wrongly typed
// or versioned messages and frames are refused by name; the real helper
// answers a provider request, and a helper that misbehaves (echoes, dies,
// hangs) fails the one exchange.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>

#include "common/helper_client.h"
#include "common/helper_wire.h"
#include "provider/sim_tdx_authority.h"
#include "ra_test_util.h"

namespace {

using ra_test::TempDir;

ra::Bytes SampleFetch(std::string* post, std::map<std::string, std::string>* hdrs) {
  ra::HttpsRequest req;
  req.url = "https://127.0.0.1:8443/sgx/certification/v4/tcb?fmspc=00906ED50000";
  req.label = "PCS";
  req.ca_file = "/etc/ssl/ca.pem";
  req.post_json = post;
  req.connect_timeout_s = 4;
  req.total_timeout_s = 9;
  req.total_timeout_ms = 2500;
  req.max_body = 1 << 20;
  req.response_headers = hdrs;
  req.max_headers = 1000;
  return ra::EncodeFetchRequest(req, "collateral fetch");
}

TEST(HelperWire, FetchRequestRoundTrips) {
  std::string post = "{\"quote\":\"AAAA\"}";
  std::map<std::string, std::string> hdrs;
  ra::HelperRequest got;
  ASSERT_TRUE(ra::DecodeRequest(SampleFetch(&post, &hdrs), &got).ok());
  ASSERT_EQ(got.type, ra::HelperMsg::kFetch);
  EXPECT_EQ(got.fetch.req.url.substr(0, 22), "https://127.0.0.1:8443");
  EXPECT_EQ(got.fetch.req.label, "PCS");
  EXPECT_EQ(got.fetch.req.ca_file, "/etc/ssl/ca.pem");
  EXPECT_TRUE(got.fetch.has_post);
  EXPECT_EQ(got.fetch.post_json, post);
  EXPECT_EQ(got.fetch.req.connect_timeout_s, 4);
  EXPECT_EQ(got.fetch.req.total_timeout_s, 9);
  EXPECT_EQ(got.fetch.req.total_timeout_ms, 2500);
  EXPECT_EQ(got.fetch.req.max_body, 1u << 20);
  EXPECT_TRUE(got.fetch.want_headers);
  EXPECT_EQ(got.fetch.req.max_headers, 1000u);
  EXPECT_EQ(got.fetch.check, "collateral fetch");

  ASSERT_TRUE(ra::DecodeRequest(SampleFetch(nullptr, nullptr), &got).ok());
  EXPECT_FALSE(got.fetch.has_post);
  EXPECT_FALSE(got.fetch.want_headers);
}

TEST(HelperWire, ProviderRequestAndAnswersRoundTrip) {
  ra::Binding b = ra_test::CountingBinding(7);
  ra::HelperRequest got;
  ASSERT_TRUE(ra::DecodeRequest(
      ra::EncodeProviderRequest(ra::HelperMsg::kCollect, "tpm;tcti=swtpm", &b), &got).ok());
  EXPECT_EQ(got.type, ra::HelperMsg::kCollect);
  EXPECT_EQ(got.spec, "tpm;tcti=swtpm");
  EXPECT_EQ(got.binding, b);

  std::vector<ra::EvidenceItem> items = {{"tpm-quote", {1, 2, 3}}, {"tpm-signature", {}}};
  std::vector<ra::EvidenceItem> back;
  ASSERT_TRUE(ra::DecodeCollectAnswer(ra::EncodeCollectAnswer(items), &back).ok());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].type, "tpm-quote");
  EXPECT_EQ(back[0].data, (ra::Bytes{1, 2, 3}));
  EXPECT_TRUE(back[1].data.empty());

  std::string body;
  std::map<std::string, std::string> hdrs;
  ASSERT_TRUE(ra::DecodeFetchAnswer(ra::EncodeFetchAnswer("{}", {{"tcb-info-issuer-chain", "x"}}),
                                    1024, &body, &hdrs).ok());
  EXPECT_EQ(body, "{}");
  EXPECT_EQ(hdrs["tcb-info-issuer-chain"], "x");
  std::string der("\x30\x82\x00\x00", 4);  // a body is bytes, NULs and all
  ASSERT_TRUE(ra::DecodeFetchAnswer(ra::EncodeFetchAnswer(der, {}), 1024, &body, nullptr).ok());
  EXPECT_EQ(body, der);
  EXPECT_TRUE(ra::DecodeOpenAnswer(ra::EncodeOpenAnswer()).ok());
}

TEST(HelperWire, FailAnswerCarriesTheHelpersCheck) {
  ra::Status st = ra::DecodeOpenAnswer(
      ra::EncodeFailAnswer(ra::Status::Fail("tpm provider", "no TPM at /dev/tpmrm0")));
  EXPECT_EQ(st.check(), "tpm provider");
  EXPECT_EQ(st.detail(), "no TPM at /dev/tpmrm0");
  std::vector<ra::EvidenceItem> items;
  EXPECT_EQ(ra::DecodeCollectAnswer(ra::EncodeFailAnswer(ra::Status::Fail("x", "y")), &items)
                .check(), "x");
}

// Every proper prefix of a valid message is refused as truncated.
TEST(HelperWire, TruncatedMessagesAreRefused) {
  std::string post = "{}";
  std::map<std::string, std::string> hdrs;
  ra::Bytes fetch = SampleFetch(&post, &hdrs);
  for (size_t n = 0; n < fetch.size(); n++) {
    ra::HelperRequest got;
    ra::Status st = ra::DecodeRequest(ra::ByteView(fetch.data(), n), &got);
    ASSERT_FALSE(st.ok()) << n;
    EXPECT_EQ(st.check(), "attestation helper message");
    EXPECT_NE(st.detail().find("truncated"), std::string::npos) << n << ": " << st.detail();
  }
  ra::Bytes answer = ra::EncodeCollectAnswer({{"tdx-quote", ra::Bytes(100, 9)}});
  for (size_t n = 0; n < answer.size(); n++) {
    std::vector<ra::EvidenceItem> items;
    ra::Status st = ra::DecodeCollectAnswer(ra::ByteView(answer.data(), n), &items);
    ASSERT_FALSE(st.ok()) << n;
    EXPECT_NE(st.detail().find("truncated"), std::string::npos) << n << ": " << st.detail();
  }
}

TEST(HelperWire, OversizedFieldsAreRefused) {
  ra::Binding b{};
  std::string long_spec(ra::kMaxHelperSpec + 1, 'a');
  ra::HelperRequest got;
  ra::Status st = ra::DecodeRequest(
      ra::EncodeProviderRequest(ra::HelperMsg::kOpen, long_spec, nullptr), &got);
  EXPECT_NE(st.detail().find("spec of 4097 bytes, over 4096"), std::string::npos) << st.message();

  std::string body;
  st = ra::DecodeFetchAnswer(ra::EncodeFetchAnswer(std::string(2000, 'x'), {}), 1999, &body,
                             nullptr);
  EXPECT_NE(st.detail().find("body of 2000 bytes, over 1999"), std::string::npos) << st.message();

  std::vector<ra::EvidenceItem> many(RA_MAX_EVIDENCE_ITEMS + 1, {"tdx-quote", {1}});
  std::vector<ra::EvidenceItem> items;
  st = ra::DecodeCollectAnswer(ra::EncodeCollectAnswer(many), &items);
  EXPECT_NE(st.detail().find("item count"), std::string::npos) << st.message();

  ra::HttpsRequest req;
  req.url = "https://x/";
  req.max_body = ra::kMaxHelperFetchBody + 1;
  st = ra::DecodeRequest(ra::EncodeFetchRequest(req, "c"), &got);
  EXPECT_NE(st.detail().find("max_body"), std::string::npos) << st.message();

  // A binding that is not 64 bytes.
  ra::Bytes collect = ra::EncodeProviderRequest(ra::HelperMsg::kCollect, "tpm", &b);
  collect[collect.size() - 65] = 63;  // the binding's length, low byte
  collect.pop_back();
  st = ra::DecodeRequest(collect, &got);
  EXPECT_NE(st.detail().find("binding of 63 bytes"), std::string::npos) << st.message();
}

TEST(HelperWire, WrongTypeVersionAndTrailingBytesAreRefused) {
  ra::Binding b{};
  ra::Bytes req = ra::EncodeProviderRequest(ra::HelperMsg::kCollect, "tpm", &b);
  ra::Status st = ra::DecodeOpenAnswer(req);  // a request where an answer belongs
  EXPECT_EQ(st.check(), "attestation helper message");
  EXPECT_NE(st.detail().find("type 3, expected OK or FAIL"), std::string::npos) << st.detail();

  ra::HelperRequest got;
  st = ra::DecodeRequest(ra::EncodeOpenAnswer(), &got);
  EXPECT_NE(st.detail().find("expected FETCH, OPEN or COLLECT"), std::string::npos);

  ra::Bytes v2 = req;
  v2[0] = 2;
  st = ra::DecodeRequest(v2, &got);
  EXPECT_NE(st.detail().find("version 2, expected 1"), std::string::npos) << st.detail();

  ra::Bytes trailing = req;
  trailing.push_back(0);
  st = ra::DecodeRequest(trailing, &got);
  EXPECT_NE(st.detail().find("1 trailing bytes"), std::string::npos) << st.detail();

  ra::Bytes nul = ra::EncodeProviderRequest(ra::HelperMsg::kOpen, std::string("tpm\0x", 5),
                                            nullptr);
  EXPECT_NE(ra::DecodeRequest(nul, &got).detail().find("NUL"), std::string::npos);
}

// Frames on a pipe: length bounds before any allocation, truncation, EOF.
TEST(HelperWire, FramesAreBounded) {
  auto read_from = [](const ra::Bytes& bytes) {
    int p[2];
    EXPECT_EQ(pipe(p), 0);
    EXPECT_EQ(write(p[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(p[1]);
    ra::Bytes payload;
    ra::Status st = ra::ReadHelperFrame(p[0], ra::MonotonicMs() + 2000, &payload);
    close(p[0]);
    return st;
  };
  EXPECT_TRUE(read_from({0, 0, 0, 2, 1, 0x80}).ok());
  EXPECT_NE(read_from({0xff, 0xff, 0xff, 0xff}).detail().find("frame length 4294967295"),
            std::string::npos);
  EXPECT_NE(read_from({0, 0, 0, 1, 1}).detail().find("outside 2.."), std::string::npos);
  EXPECT_NE(read_from({0, 0, 0, 9, 1, 0x80}).detail().find("truncated frame"), std::string::npos);
  EXPECT_NE(read_from({}).detail().find("no message"), std::string::npos);
  EXPECT_NE(read_from({0, 0}).detail().find("truncated frame"), std::string::npos);

  ra::Bytes big(ra::kMaxHelperMessage + 1);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_FALSE(ra::WriteHelperFrame(p[1], big, ra::MonotonicMs() + 1000).ok());
  close(p[0]);
  close(p[1]);
}

class HelperProcess : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("SSH_ATTEST_HELPER"); ra::SetHelperPath(RA_ATTEST_HELPER); }
  void TearDown() override { ra::SetHelperPath(""); }
  ra::Status Open(const std::string& spec) {
    ra::Bytes answer;
    RA_RETURN_IF_ERROR(ra::RunHelper(
        ra::EncodeProviderRequest(ra::HelperMsg::kOpen, spec, nullptr),
        ra::MonotonicMs() + 20000, &answer));
    return ra::DecodeOpenAnswer(answer);
  }
  TempDir dir_;
};

TEST_F(HelperProcess, RealHelperOpensAndCollectsFromTheSim) {
  std::string sim = dir_.path() + "/sim";
  ASSERT_TRUE(ra::SimInit(sim, {}).ok());
  EXPECT_TRUE(Open("sim:" + sim).ok());
  ra::Status st = Open("sim:" + dir_.path() + "/absent");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.detail().find("attestation helper"), std::string::npos) << st.message();

  ra::Binding b = ra_test::CountingBinding(3);
  ra::Bytes answer;
  ASSERT_TRUE(ra::RunHelper(ra::EncodeProviderRequest(ra::HelperMsg::kCollect, "sim:" + sim, &b),
                            ra::MonotonicMs() + 20000, &answer).ok());
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(ra::DecodeCollectAnswer(answer, &items).ok());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "tdx-quote");
  EXPECT_GT(items[0].data.size(), 1000u);
}

TEST_F(HelperProcess, RealHelperAnswersAMalformedRequestWithFail) {
  ra::Bytes answer;
  ASSERT_TRUE(ra::RunHelper(ra::Bytes{1, 9}, ra::MonotonicMs() + 20000, &answer).ok());
  ra::Status st = ra::DecodeOpenAnswer(answer);
  EXPECT_EQ(st.check(), "attestation helper message");
  EXPECT_NE(st.detail().find("type 9"), std::string::npos) << st.detail();
}

// A caller with closed standard descriptors (the socketpair then takes
// them) still gets a clean exchange: nothing the helper logs lands in the
// frames.
TEST_F(HelperProcess, CallerWithClosedStandardDescriptors) {
  std::string sim = dir_.path() + "/sim";
  ASSERT_TRUE(ra::SimInit(sim, {}).ok());
  for (int closed : {0, 2}) {
    pid_t pid = fork();
    ASSERT_NE(pid, -1);
    if (pid == 0) {
      close(closed);
      if (closed == 0) close(1);
      // A failing open: the helper's answer is FAIL with the sim's check,
      // never bytes of its stderr.
      ra::Status bad = Open("sim:" + dir_.path() + "/absent");
      ra::Status good = Open("sim:" + sim);
      _exit(good.ok() && !bad.ok() && bad.check() != "attestation helper message" ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "closed fd " << closed;
  }
}

TEST_F(HelperProcess, HelperTakesNoArguments) {
  std::string cmd = std::string(RA_ATTEST_HELPER) + " -v </dev/null 2>/dev/null";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
}

TEST_F(HelperProcess, MisbehavingHelpersFailTheExchange) {
  ra::SetHelperPath("/bin/cat");  // echoes the request: not an answer
  ra::Status st = Open("tpm");
  EXPECT_NE(st.detail().find("type 2, expected OK or FAIL"), std::string::npos) << st.message();

  ra::SetHelperPath("/bin/true");  // exits without answering
  st = Open("tpm");
  EXPECT_FALSE(st.ok());
  // EOF or, with the request unread, a reset: either way the helper's.
  EXPECT_EQ(st.check().rfind("attestation helper", 0), 0u) << st.message();

  std::string hang = dir_.path() + "/hang";
  ra_test::WriteFile(hang, "#!/bin/sh\nexec sleep 30\n");
  chmod(hang.c_str(), 0755);
  ra::SetHelperPath(hang);
  int64_t t0 = ra::MonotonicMs();
  ra::Bytes answer;
  st = ra::RunHelper(ra::EncodeOpenAnswer(), t0 + 300, &answer);
  EXPECT_NE(st.detail().find("timed out"), std::string::npos) << st.message();
  EXPECT_LT(ra::MonotonicMs() - t0, 5000);

  ra::SetHelperPath("relative/helper");
  EXPECT_NE(Open("tpm").detail().find("no absolute helper path"), std::string::npos);
  ra::SetHelperPath(dir_.path() + "/absent");
  EXPECT_FALSE(Open("tpm").ok());
  setenv("SSH_ATTEST_HELPER", RA_ATTEST_HELPER, 1);  // overrides the path
  EXPECT_FALSE(Open("sim:" + dir_.path() + "/absent").ok());
  EXPECT_EQ(ra::HelperPath(), RA_ATTEST_HELPER);
  unsetenv("SSH_ATTEST_HELPER");
}

}  // namespace
