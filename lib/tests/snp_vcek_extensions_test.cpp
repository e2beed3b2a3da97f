// AMD's VCEK/VLEK extensions (parse/snp_vcek_extensions): the real
// certificates' values, and refusal of malformed or repeated extensions.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "parse/snp_vcek_extensions.h"
#include "snp_test_vectors.h"

namespace {

using namespace ra_snp_test;

TEST(SnpVcekExtensions, RealVcekAndVlek) {
  ra::X509Ptr vcek = LoadKeyCert("snp/gosev_milan_vcek.der");
  ra::SnpVcekExtensions e;
  ra::Status s = ra::ParseSnpVcekExtensions(vcek.get(), &e);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(e.product_name, "Milan-B0");
  EXPECT_TRUE(e.has_bl_spl && e.has_tee_spl && e.has_snp_spl && e.has_ucode_spl);
  EXPECT_FALSE(e.has_fmc_spl);
  EXPECT_EQ(e.bl_spl, 2);
  EXPECT_EQ(e.tee_spl, 0);
  EXPECT_EQ(e.snp_spl, 5);
  EXPECT_EQ(e.ucode_spl, 0x44);
  ASSERT_EQ(e.hwid.size(), 64u);
  EXPECT_EQ(ra::HexEncode(e.hwid).substr(0, 16), "3ac3fe21e13fb099");
  EXPECT_FALSE(e.has_csp_id);
  ra::X509Ptr vlek = LoadKeyCert("snp/trustee_vlek.der");
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(vlek.get(), &e).ok());
  EXPECT_EQ(e.product_name, "Milan");
  EXPECT_FALSE(e.has_hwid);
  EXPECT_EQ(e.csp_id, "CN=cc-us-east-2.amazonaws.com");
}

// A throwaway certificate with the given (oid, extnValue) extensions.
ra::X509Ptr CertWith(const std::vector<std::pair<const char*, ra::Bytes>>& exts) {
  ra::X509Ptr c(X509_new());
  for (const auto& e : exts) {
    ASN1_OBJECT* obj = OBJ_txt2obj(e.first, 1);
    ASN1_OCTET_STRING* oct = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(oct, e.second.data(), static_cast<int>(e.second.size()));
    X509_EXTENSION* x = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, oct);
    X509_add_ext(c.get(), x, -1);
    X509_EXTENSION_free(x);
    ASN1_OCTET_STRING_free(oct);
    ASN1_OBJECT_free(obj);
  }
  return c;
}

void ExpectRefused(const std::vector<std::pair<const char*, ra::Bytes>>& exts, const char* why) {
  ra::X509Ptr c = CertWith(exts);
  ra::SnpVcekExtensions e;
  ra::Status s = ra::ParseSnpVcekExtensions(c.get(), &e);
  EXPECT_FALSE(s.ok()) << why;
  EXPECT_EQ(s.check(), "snp vcek extensions") << why;
}

TEST(SnpVcekExtensions, MalformedRefused) {
  const char* bl = "1.3.6.1.4.1.3704.1.3.1";
  const char* name = "1.3.6.1.4.1.3704.1.2";
  ExpectRefused({{bl, {0x04, 0x01, 0x05}}}, "SPL as OCTET STRING");
  ExpectRefused({{bl, {0x02, 0x02, 0x01, 0x2C}}}, "SPL 300");
  ExpectRefused({{bl, {0x02, 0x01, 0xFF}}}, "SPL -1");
  ExpectRefused({{bl, {0x02, 0x01, 0x05, 0x00}}}, "trailing byte");
  ExpectRefused({{bl, {0x02, 0x01}}}, "truncated");
  ExpectRefused({{bl, {0x02, 0x01, 0x05}}, {bl, {0x02, 0x01, 0x06}}}, "SPL twice");
  ExpectRefused({{name, {0x02, 0x01, 0x05}}}, "productName as INTEGER");
  ExpectRefused({{"1.3.6.1.4.1.3704.1.4", ra::Bytes(65, 1)}}, "hwID of 65 bytes");
  ExpectRefused({{"1.3.6.1.4.1.3704.1.4", {}}}, "empty hwID");
  // Absent extensions are reported absent, not refused.
  ra::X509Ptr c = CertWith({{bl, {0x02, 0x02, 0x00, 0x80}}});
  ra::SnpVcekExtensions e;
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(c.get(), &e).ok());
  EXPECT_EQ(e.bl_spl, 0x80);
  EXPECT_FALSE(e.has_tee_spl);
  EXPECT_FALSE(e.has_hwid);
}

TEST(SnpVcekExtensions, HwidRawOrWrapped) {
  const char* hwid = "1.3.6.1.4.1.3704.1.4";
  ra::Bytes chip(64);
  for (size_t i = 0; i < chip.size(); i++) chip[i] = static_cast<uint8_t>(0x80 + i);
  ra::SnpVcekExtensions e;
  // Raw, as KDS writes it (Milan, Genoa), and Turin's 8 bytes.
  ra::X509Ptr c = CertWith({{hwid, chip}});
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(c.get(), &e).ok());
  EXPECT_EQ(e.hwid, chip);
  ra::Bytes turin(chip.begin(), chip.begin() + 8);
  c = CertWith({{hwid, turin}});
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(c.get(), &e).ok());
  EXPECT_EQ(e.hwid, turin);
  // A raw 64-byte id that happens to start like an OCTET STRING stays raw.
  ra::Bytes lookalike = chip;
  lookalike[0] = 0x04;
  lookalike[1] = 0x3E;
  c = CertWith({{hwid, lookalike}});
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(c.get(), &e).ok());
  EXPECT_EQ(e.hwid, lookalike);
  // Tagged as a DER OCTET STRING: unwrapped.
  ra::Bytes wrapped = {0x04, 0x40};
  wrapped.insert(wrapped.end(), chip.begin(), chip.end());
  c = CertWith({{hwid, wrapped}});
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(c.get(), &e).ok());
  EXPECT_EQ(e.hwid, chip);
  ra::Bytes wrapped8 = {0x04, 0x08};
  wrapped8.insert(wrapped8.end(), turin.begin(), turin.end());
  c = CertWith({{hwid, wrapped8}});
  ASSERT_TRUE(ra::ParseSnpVcekExtensions(c.get(), &e).ok());
  EXPECT_EQ(e.hwid, turin);
  // 66 bytes that are no OCTET STRING of 64: refused (over 64).
  wrapped[1] = 0x41;
  ExpectRefused({{hwid, wrapped}}, "66 bytes, wrong DER length");
}

}  // namespace
