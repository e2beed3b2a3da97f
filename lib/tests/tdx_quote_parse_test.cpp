// Structure of the real TDX quotes: every vector parses, known fields come
// out where Intel's layout puts them, and no truncation or corruption of
// the length fields makes the parser read out of bounds.
#include <gtest/gtest.h>
#include <jansson.h>
#include <openssl/err.h>

#include <cstring>

#include "common/bytes_util.h"
#include "parse/pck_extensions.h"
#include "parse/tdx_quote.h"
#include "tdx_test_vectors.h"

namespace ra {
namespace {

using ra_tdx_test::AllQuotes;
using ra_tdx_test::ParsedQuotes;
using ra_tdx_test::ReadVector;

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

TEST(TdxQuoteParse, EveryVectorParsesWithKnownFields) {
  for (const auto& v : AllQuotes()) {
    SCOPED_TRACE(v.file);
    Bytes raw = ReadVector(v.file);
    ASSERT_FALSE(raw.empty());
    TdxQuote q;
    Status s = ParseTdxQuote(raw, &q);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(q.version, v.version);
    EXPECT_EQ(q.att_key_type, 2);
    EXPECT_EQ(q.tee_type, 0x81u);
    EXPECT_EQ(q.body_type, v.body_type);
    EXPECT_EQ(q.body_size, v.body_type == 3 ? 648u : 584u);
    EXPECT_EQ(q.trailing_bytes, v.trailing_bytes);
    EXPECT_EQ(q.cert_data_type, 6);
    EXPECT_EQ(q.pck_cert_data_type, 5);
    EXPECT_EQ(q.qe_report_raw.size(), 384u);
    EXPECT_EQ(q.qe_auth_data.size(), 32u);
    EXPECT_EQ(q.signed_region.size(),
              48u + (v.version == 5 ? 6u : 0u) + q.body_size);
    // Intel's QE vendor id for the DCAP quoting enclave.
    EXPECT_EQ(Hex(q.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
    // The QE report data commits to a 32-byte hash, upper half zero.
    for (size_t i = 32; i < 64; i++) EXPECT_EQ(q.qe_report.report_data[i], 0);
    EXPECT_NE(q.pck_chain_pem.find("-----BEGIN CERTIFICATE-----"),
              std::string::npos);
    PckExtensions ext;
    Status es = PckExtensionsFromPem(q.pck_chain_pem, &ext);
    ASSERT_TRUE(es.ok()) << es.message();
    EXPECT_EQ(Hex(ext.fmspc), v.fmspc);
  }
}

TEST(TdxQuoteParse, FieldOffsetsOfSprQuote) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  // DESIGN "Formats": MRTD at 184, RTMR0 at 376, REPORTDATA at 568.
  EXPECT_EQ(0, memcmp(q.body.mr_td.data(), raw.data() + 184, 48));
  EXPECT_EQ(0, memcmp(q.body.rtmr[0].data(), raw.data() + 376, 48));
  EXPECT_EQ(0, memcmp(q.body.rtmr[3].data(), raw.data() + 376 + 144, 48));
  EXPECT_EQ(0, memcmp(q.body.report_data.data(), raw.data() + 568, 64));
  EXPECT_EQ(LoadLe32(raw.data() + 632), q.signature_data_len);
  EXPECT_EQ(0, memcmp(q.signature.data(), raw.data() + 636, 64));
  EXPECT_EQ(0, memcmp(q.attestation_key.data(), raw.data() + 700, 64));
  EXPECT_EQ(Hex(q.body.tee_tcb_svn), "03000400000000000000000000000000");
  EXPECT_EQ(Hex(q.body.mr_td).substr(0, 16), "6363b8043668a3ad");
  EXPECT_EQ(q.signature_data_len, 4299u);
  // The 39 bytes after the signature data are ASCII, recorded not parsed.
  EXPECT_EQ(std::string(raw.end() - 39, raw.end()),
            "\nextra bytes(only for testing purpose)\n");
}

TEST(TdxQuoteParse, V5Tdx15BodyFields) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v5_EMR.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  EXPECT_EQ(q.body_type, 3);
  EXPECT_EQ(LoadLe16(raw.data() + 48), 3);
  EXPECT_EQ(LoadLe32(raw.data() + 50), 648u);
  EXPECT_EQ(0, memcmp(q.body.mr_td.data(), raw.data() + 54 + 136, 48));
  EXPECT_EQ(0, memcmp(q.body.tee_tcb_svn2.data(), raw.data() + 54 + 584, 16));
  EXPECT_EQ(0, memcmp(q.body.mr_service_td.data(), raw.data() + 54 + 600, 48));
  EXPECT_EQ(Hex(q.body.tee_tcb_svn), "0b010400000000000000000000000000");
}

TEST(TdxQuoteParse, JsonHasEveryField) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    std::string js = TdxQuoteToJson(q);
    json_error_t err;
    json_t* j = json_loads(js.c_str(), 0, &err);
    ASSERT_NE(j, nullptr) << err.text;
    EXPECT_EQ(json_integer_value(json_object_get(j, "version")), v.version);
    EXPECT_EQ(json_integer_value(json_object_get(j, "tee_type")), 0x81);
    EXPECT_EQ(json_integer_value(json_object_get(j, "body_type")), v.body_type);
    EXPECT_STREQ(json_string_value(json_object_get(j, "fmspc")), v.fmspc);
    EXPECT_EQ(json_integer_value(json_object_get(j, "trailing_bytes")),
              static_cast<json_int_t>(v.trailing_bytes));
    EXPECT_EQ(json_string_value(json_object_get(j, "mrtd")), Hex(q.body.mr_td));
    for (const char* k : {"rtmr0", "rtmr1", "rtmr2", "rtmr3", "mrseam",
                          "mrsignerseam", "mrconfigid", "mrowner",
                          "mrownerconfig"})
      EXPECT_EQ(strlen(json_string_value(json_object_get(j, k))), 96u) << k;
    for (const char* k : {"td_attributes", "xfam"})
      EXPECT_EQ(strlen(json_string_value(json_object_get(j, k))), 16u) << k;
    EXPECT_EQ(strlen(json_string_value(json_object_get(j, "report_data"))),
              128u);
    EXPECT_EQ(strlen(json_string_value(json_object_get(j, "tee_tcb_svn"))),
              32u);
    bool v15 = v.body_type == 3;
    EXPECT_EQ(json_object_get(j, "tee_tcb_svn2") != nullptr, v15);
    EXPECT_EQ(json_object_get(j, "mrservicetd") != nullptr, v15);
    json_decref(j);
  }
}

TEST(TdxQuoteParse, FmspcEmptyWhenChainUnreadable) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  q.pck_chain_pem = "not a certificate";
  std::string js = TdxQuoteToJson(q);
  EXPECT_NE(js.find("\"fmspc\": \"\""), std::string::npos) << js;
}

// An unreadable chain (fuzz finding: tdx_quote_fuzzer ran leak checks on
// almost every input because of this) leaves nothing on OpenSSL's error
// queue, which a later, unrelated failure would otherwise report.
TEST(TdxQuoteParse, UnreadableChainLeavesNoOpenSslError) {
  ERR_clear_error();
  PckExtensions ext;
  EXPECT_FALSE(PckExtensionsFromPem("not a certificate", &ext).ok());
  EXPECT_FALSE(PckExtensionsFromPem("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                    "-----END CERTIFICATE-----\n", &ext).ok());
  const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  EXPECT_FALSE(PckExtensionsFromCertDer(ByteView(junk, sizeof(junk)), &ext).ok());
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// Truncation at every offset must fail cleanly; only cuts inside the
// trailing bytes (which are never parsed) still parse.
TEST(TdxQuoteParse, TruncationAtEveryOffsetFails) {
  for (const auto& v : AllQuotes()) {
    SCOPED_TRACE(v.file);
    Bytes raw = ReadVector(v.file);
    ASSERT_FALSE(raw.empty());
    size_t end_of_sig = raw.size() - v.trailing_bytes;
    for (size_t n = 0; n < raw.size(); n++) {
      // A copy of exactly n bytes, so ASan would see any over-read.
      Bytes cut(raw.begin(), raw.begin() + n);
      TdxQuote q;
      Status s = ParseTdxQuote(ByteView(cut.data(), cut.size()), &q);
      if (n < end_of_sig) {
        ASSERT_FALSE(s.ok()) << "parsed at length " << n;
        ASSERT_EQ(s.check(), "tdx quote");
      } else {
        ASSERT_TRUE(s.ok()) << n << ": " << s.message();
        ASSERT_EQ(q.trailing_bytes, n - end_of_sig);
      }
    }
  }
}

TEST(TdxQuoteParse, ErrorsNameTheField) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  Status s = ParseTdxQuote(ByteView(raw.data(), 700), &q);
  EXPECT_EQ(s.message(),
            "tdx quote: signature data truncated (need 4299, have 64)");
  s = ParseTdxQuote(ByteView(raw.data(), 10), &q);
  EXPECT_EQ(s.message(), "tdx quote: header truncated (need 48, have 10)");
  // Certification data size larger than what the signature data holds.
  Bytes bad = raw;
  bad[636 + 128 + 2] = 0xff;
  s = ParseTdxQuote(bad, &q);
  EXPECT_NE(s.message().find("certification data truncated"),
            std::string::npos)
      << s.message();
}

TEST(TdxQuoteParse, RefusesWrongHeaderValues) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  ASSERT_GE(raw.size(), 48u);
  TdxQuote q;
  Bytes b = raw;
  b[0] = 3;
  EXPECT_NE(ParseTdxQuote(b, &q).message().find("version 3"), std::string::npos);
  b = raw;
  b[2] = 3;
  EXPECT_NE(ParseTdxQuote(b, &q).message().find("attestation key type"),
            std::string::npos);
  b = raw;
  b[4] = 0;  // SGX
  EXPECT_NE(ParseTdxQuote(b, &q).message().find("tee type"), std::string::npos);
  b = raw;
  b[636 + 128] = 5;  // certification data type
  EXPECT_NE(ParseTdxQuote(b, &q).message().find("certification data type 5"),
            std::string::npos);
}

TEST(TdxQuoteParse, RefusesV5BodyDescriptorMismatch) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v5_EMR.dat");
  ASSERT_GE(raw.size(), 54u);
  TdxQuote q;
  Bytes b = raw;
  b[48] = 2;  // says TDX 1.0 but size is 648
  EXPECT_NE(ParseTdxQuote(b, &q).message().find("body size 648"),
            std::string::npos);
  b = raw;
  b[48] = 1;  // SGX body
  EXPECT_NE(ParseTdxQuote(b, &q).message().find("body type 1"),
            std::string::npos);
  b = raw;
  b[50] = 0xff;
  b[51] = 0xff;
  b[52] = 0xff;
  b[53] = 0xff;
  EXPECT_FALSE(ParseTdxQuote(b, &q).ok());
}

// Every nested length field set to extreme values: an error, never a crash.
TEST(TdxQuoteParse, HostileLengthFields) {
  for (const auto& [v, raw, q0] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    size_t sigdata = q0.signed_region.size();
    size_t cert = sigdata + 4 + 128;
    size_t auth = cert + 6 + 384 + 64;
    size_t inner = auth + 2 + q0.qe_auth_data.size();
    struct Field {
      size_t off, width;
    } fields[] = {{sigdata, 4}, {cert + 2, 4}, {auth, 2}, {inner + 2, 4}};
    for (const auto& f : fields) {
      for (uint32_t val : {0u, 1u, 0x7fffffffu, 0xffffffffu, 0xfffffff0u}) {
        Bytes b = raw;
        for (size_t i = 0; i < f.width; i++)
          b[f.off + i] = static_cast<uint8_t>(val >> (8 * i));
        TdxQuote q;
        EXPECT_FALSE(ParseTdxQuote(b, &q).ok()) << f.off << " = " << val;
      }
    }
  }
}

TEST(TdxQuoteParse, NullAndEmptyInput) {
  TdxQuote q;
  EXPECT_FALSE(ParseTdxQuote(ByteView(), &q).ok());
  uint8_t one = 4;
  EXPECT_FALSE(ParseTdxQuote(ByteView(&one, 1), &q).ok());
  EXPECT_FALSE(ParseTdxQuote(ByteView(&one, 1), nullptr).ok());
}

}  // namespace
}  // namespace ra
