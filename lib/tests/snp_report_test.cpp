// SEV-SNP report parsing (parse/snp_report) against the real reports in
// tests/vectors/snp, read independently here at the specification's
// offsets, and negative cases for every format rule.
#include <gtest/gtest.h>

#include "snp_test_vectors.h"

namespace {

using namespace ra_snp_test;

template <size_t N>
std::string Hx(const std::array<uint8_t, N>& a) {
  return ra::HexEncode(ra::ByteView(a.data(), N));
}

std::string HexAt(const ra::Bytes& b, size_t off, size_t len) {
  return ra::HexEncode(ra::ByteView(b.data() + off, len));
}

TEST(SnpReport, RealReportsParseAndMatchTheSpecOffsets) {
  for (const SnpVector& v : AllSnpVectors()) {
    SCOPED_TRACE(v.report);
    ra::Bytes b = ReadVector(v.report);
    ASSERT_EQ(b.size(), 0x4A0u);
    ra::SnpReport r;
    ra::Status s = ra::ParseSnpReport(b, &r);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(r.version, v.version);
    EXPECT_EQ(r.version, Le32At(b, 0));
    EXPECT_EQ(r.vmpl, v.vmpl);
    EXPECT_EQ(r.signature_algo, 1u);
    EXPECT_EQ(r.signing_key, static_cast<uint8_t>(v.signer));
    EXPECT_EQ(Hx(r.measurement), HexAt(b, 0x90, 48));
    EXPECT_EQ(Hx(r.report_data), HexAt(b, 0x50, 64));
    EXPECT_EQ(Hx(r.host_data), HexAt(b, 0xC0, 32));
    EXPECT_EQ(Hx(r.chip_id), HexAt(b, 0x1A0, 64));
    EXPECT_EQ(Hx(r.signature_r), HexAt(b, 0x2A0, 72));
    EXPECT_EQ(Hx(r.signature_s), HexAt(b, 0x2E8, 72));
    EXPECT_EQ(r.reported_tcb & 0xFF, b[0x180]);
    EXPECT_EQ(r.reported_tcb >> 56, b[0x187]);
    EXPECT_EQ(r.guest_svn, Le32At(b, 4));
    EXPECT_EQ(r.has_cpuid, v.version >= 3);
    EXPECT_EQ(r.has_mit_vectors, v.version >= 5);
    EXPECT_EQ(ra::SnpReportProduct(r), v.version >= 3 ? v.product : ra::SnpProduct::kUnknown);
  }
}

TEST(SnpReport, KnownFieldsOfTheGoSevMilanReport) {
  ra::Bytes b = ReadVector("snp/gosev_milan_report.bin");
  ra::SnpReport r;
  ASSERT_TRUE(ra::ParseSnpReport(b, &r).ok());
  // Read off the bytes with a hex dump, not with the parser.
  EXPECT_EQ(r.policy, 0xb0000u);
  EXPECT_EQ(Hx(r.measurement).substr(0, 16), "b07af9620f3b839b");
  EXPECT_EQ(Hx(r.chip_id).substr(0, 16), "3ac3fe21e13fb099");
  ra::SnpTcbParts t;
  ASSERT_TRUE(ra::DecodeSnpTcb(r.reported_tcb, ra::SnpProduct::kMilan, &t).ok());
  EXPECT_EQ(t.bootloader, 2);
  EXPECT_EQ(t.tee, 0);
  EXPECT_EQ(t.snp, 5);
  EXPECT_EQ(t.microcode, 0x44);
  EXPECT_EQ(r.current_major, 1);
  EXPECT_EQ(r.current_minor, 0x31);
  EXPECT_EQ(r.current_build, 3);
  ra::SnpGuestPolicy p = ra::DecodeSnpGuestPolicy(r.policy);
  EXPECT_TRUE(p.smt);
  EXPECT_TRUE(p.debug);
  EXPECT_FALSE(p.migrate_ma);
}

TEST(SnpReport, V5MitigationVectorsAndGenoaCpuid) {
  ra::Bytes b = ReadVector("snp/teekit_gcp_milan_report_v5.bin");
  ra::SnpReport r;
  ASSERT_TRUE(ra::ParseSnpReport(b, &r).ok());
  EXPECT_EQ(r.launch_mit_vector, 0x0bu);
  EXPECT_EQ(r.current_mit_vector, 0x0bu);
  ra::Bytes g = ReadVector("snp/trustee_azure_genoa_report_v3.bin");
  ASSERT_TRUE(ra::ParseSnpReport(g, &r).ok());
  EXPECT_EQ(r.cpuid_fam_id, 0x19);
  EXPECT_EQ(r.cpuid_mod_id, 0x11);
  EXPECT_EQ(ra::SnpReportProduct(r), ra::SnpProduct::kGenoa);
}

TEST(SnpReport, TruncationsAndExtensionsRefused) {
  ra::Bytes b = ReadVector("snp/gosev_milan_report.bin");
  for (size_t n : {size_t{0}, size_t{1}, size_t{0x2A0}, size_t{0x49F}}) {
    ra::SnpReport r;
    ra::Status s = ra::ParseSnpReport(ra::ByteView(b.data(), n), &r);
    EXPECT_FALSE(s.ok()) << n;
    EXPECT_EQ(s.check(), "snp report");
  }
  ra::Bytes longer = b;
  longer.push_back(0);
  ra::SnpReport r;
  EXPECT_FALSE(ra::ParseSnpReport(longer, &r).ok());
}

TEST(SnpReport, VersionsOutside2To5Refused) {
  ra::Bytes b = ReadVector("snp/dstack_milan_report_v3.bin");
  // Version 4 is what some firmware emits for the version 3 layout.
  ra::Bytes v4 = b;
  v4[0] = 4;
  ra::SnpReport r4;
  ASSERT_TRUE(ra::ParseSnpReport(v4, &r4).ok());
  EXPECT_TRUE(r4.has_cpuid);
  EXPECT_FALSE(r4.has_mit_vectors);
  // Version 4 firmware may fill where version 5 has the mitigation
  // vectors: signed, not judged, not decoded.  Past them is reserved.
  v4[0x1F8] = 0x0b;
  v4[0x200] = 0x0b;
  ASSERT_TRUE(ra::ParseSnpReport(v4, &r4).ok());
  EXPECT_FALSE(r4.has_mit_vectors);
  EXPECT_EQ(r4.launch_mit_vector, 0u);
  v4[0x208] = 1;
  EXPECT_FALSE(ra::ParseSnpReport(v4, &r4).ok());
  ra::Bytes v3 = b;
  v3[0x1F8] = 1;  // reserved in version 3
  EXPECT_FALSE(ra::ParseSnpReport(v3, &r4).ok());
  for (uint8_t v : {0, 1, 6, 255}) {
    ra::Bytes m = b;
    m[0] = v;
    ra::SnpReport r;
    ra::Status s = ra::ParseSnpReport(m, &r);
    EXPECT_FALSE(s.ok()) << int(v);
    EXPECT_NE(s.detail().find("version"), std::string::npos);
  }
}

TEST(SnpReport, ReservedBytesMustBeZero) {
  ra::Bytes v2 = ReadVector("snp/gosev_milan_report.bin");
  ra::Bytes v3 = ReadVector("snp/dstack_milan_report_v3.bin");
  // (report, offset): reserved in that version.
  const std::pair<const ra::Bytes*, size_t> cases[] = {
      {&v2, 0x4C}, {&v2, 0x188}, {&v2, 0x19F}, {&v3, 0x18B}, {&v2, 0x1EB},
      {&v2, 0x1EF}, {&v2, 0x1F8}, {&v3, 0x200}, {&v3, 0x208}, {&v3, 0x29F},
      {&v3, 0x2A0 + 144}, {&v3, 0x49F}};
  for (const auto& c : cases) {
    ra::Bytes m = *c.first;
    m[c.second] = 1;
    ra::SnpReport r;
    ra::Status s = ra::ParseSnpReport(m, &r);
    EXPECT_FALSE(s.ok()) << std::hex << c.second;
    EXPECT_NE(s.detail().find("reserved"), std::string::npos) << s.message();
  }
  // Bits 31:5 of the key-info word.
  ra::Bytes m = v3;
  m[0x48] |= 0x20;
  ra::SnpReport r;
  EXPECT_FALSE(ra::ParseSnpReport(m, &r).ok());
  // The CPUID bytes are fields in v3 but reserved in v2 (checked above);
  // the mitigation vectors are fields in v5 only.
  ra::Bytes v5 = ReadVector("snp/teekit_gcp_milan_report_v5.bin");
  m = v5;
  m[0x200] = 0x42;
  EXPECT_TRUE(ra::ParseSnpReport(m, &r).ok());
}

TEST(SnpTcb, LayoutsPerProduct) {
  // Bytes 0..7 = 01 02 03 04 05 06 07 08 (little-endian u64).
  const uint64_t milan_ok = 0x0807000000000201ull;
  ra::SnpTcbParts t;
  ASSERT_TRUE(ra::DecodeSnpTcb(milan_ok, ra::SnpProduct::kGenoa, &t).ok());
  EXPECT_EQ(t.bootloader, 1);
  EXPECT_EQ(t.tee, 2);
  EXPECT_EQ(t.snp, 7);
  EXPECT_EQ(t.microcode, 8);
  EXPECT_EQ(ra::EncodeSnpTcb(t, ra::SnpProduct::kGenoa), milan_ok);
  const uint64_t turin_ok = 0x0800000004030201ull;
  ASSERT_TRUE(ra::DecodeSnpTcb(turin_ok, ra::SnpProduct::kTurin, &t).ok());
  EXPECT_EQ(t.fmc, 1);
  EXPECT_EQ(t.bootloader, 2);
  EXPECT_EQ(t.tee, 3);
  EXPECT_EQ(t.snp, 4);
  EXPECT_EQ(t.microcode, 8);
  EXPECT_EQ(ra::EncodeSnpTcb(t, ra::SnpProduct::kTurin), turin_ok);
  EXPECT_FALSE(ra::DecodeSnpTcb(turin_ok, ra::SnpProduct::kMilan, &t).ok());
  EXPECT_FALSE(ra::DecodeSnpTcb(milan_ok, ra::SnpProduct::kTurin, &t).ok());
  EXPECT_FALSE(ra::DecodeSnpTcb(milan_ok, ra::SnpProduct::kUnknown, &t).ok());
}

TEST(SnpProduct, FromCpuidAndNames) {
  EXPECT_EQ(ra::SnpProductFromCpuid(0x19, 0x01), ra::SnpProduct::kMilan);
  EXPECT_EQ(ra::SnpProductFromCpuid(0x19, 0x11), ra::SnpProduct::kGenoa);
  EXPECT_EQ(ra::SnpProductFromCpuid(0x19, 0xA0), ra::SnpProduct::kGenoa);
  EXPECT_EQ(ra::SnpProductFromCpuid(0x1A, 0x02), ra::SnpProduct::kTurin);
  EXPECT_EQ(ra::SnpProductFromCpuid(0x1A, 0x11), ra::SnpProduct::kTurin);
  EXPECT_EQ(ra::SnpProductFromCpuid(0x17, 0x31), ra::SnpProduct::kUnknown);
  EXPECT_EQ(ra::SnpProductFromCpuid(0x19, 0x21), ra::SnpProduct::kUnknown);
  EXPECT_EQ(ra::SnpProductFromCertName("Milan-B0"), ra::SnpProduct::kMilan);
  EXPECT_EQ(ra::SnpProductFromCertName("Milan"), ra::SnpProduct::kMilan);
  EXPECT_EQ(ra::SnpProductFromCertName("Genoa"), ra::SnpProduct::kGenoa);
  EXPECT_EQ(ra::SnpProductFromCertName("SEV-VLEK-Genoa"), ra::SnpProduct::kGenoa);
  EXPECT_EQ(ra::SnpProductFromCertName("ARK-Turin"), ra::SnpProduct::kTurin);
  EXPECT_EQ(ra::SnpProductFromCertName("Siena-B0"), ra::SnpProduct::kGenoa);  // Genoa's keys
  EXPECT_EQ(ra::SnpProductFromCertName("Rome"), ra::SnpProduct::kUnknown);
  EXPECT_EQ(ra::SnpProductFromCertName(""), ra::SnpProduct::kUnknown);
}

}  // namespace
