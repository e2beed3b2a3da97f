// The software SEV-SNP (provider/sim_snp_authority) through the real
// verifier: its reports verify only under its own ARK, carry what the
// guest configured, and every mismatch the verifier looks for is caught
// (TCB, chip, binding, revoked ASK, expired CRL, AMD's roots).
#include <gtest/gtest.h>

#include <algorithm>

#include "parse/snp_cert_table.h"
#include "provider/sim_snp_authority.h"
#include "snp_test_vectors.h"
#include "verify/x509_util.h"

namespace {

using namespace ra_snp_test;

const std::time_t kNow = Utc(2026, 6, 1);

ra::SimSnpGuest Guest(ra::SnpProduct p) {
  ra::SimSnpGuest g;
  g.product = p;
  if (p == ra::SnpProduct::kTurin) g.tcb = ra::SnpTcbParts{3, 4, 1, 5, 77};
  for (size_t i = 0; i < 64; i++) g.chip_id[i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t i = 0; i < 48; i++) g.measurement[i] = static_cast<uint8_t>(0xA0 + i);
  return g;
}

// Chains are generated once per product (RSA key generation is slow).
const ra::SimSnpChain& Chain(ra::SnpProduct p) {
  static ra::SimSnpChain chains[3];
  static bool made[3] = {false, false, false};
  int i = p == ra::SnpProduct::kMilan ? 0 : p == ra::SnpProduct::kGenoa ? 1 : 2;
  if (!made[i]) {
    ra::SimSnpChainOptions o;
    o.rsa_bits = 2048;
    o.not_before = Utc(2026, 1, 1);
    ra::Status s = ra::SimSnpMakeChain(Guest(p), o, &chains[i]);
    if (!s.ok()) ADD_FAILURE() << s.message();
    made[i] = true;
  }
  return chains[i];
}

struct Verified {
  ra::Status status;
  ra::SnpClaims claims;
};

Verified Verify(const ra::Bytes& report, const ra::Bytes& table, ra::SnpVerifyOptions o) {
  Verified v;
  ra::SnpReport r;
  v.status = ra::ParseSnpReport(report, &r);
  ra::SnpCertTable t;
  if (v.status.ok()) v.status = ra::ParseSnpCertTable(table, &t);
  ra::SnpCertificates certs;
  if (v.status.ok()) v.status = ra::SnpCertificatesFromTable(t, &certs);
  if (v.status.ok()) v.status = ra::VerifySnpReport(r, certs.view(), o, &v.claims);
  return v;
}

ra::SnpVerifyOptions SimOptions(const ra::SimSnpChain& c, const std::array<uint8_t, 64>* rd) {
  ra::SnpVerifyOptions o;
  o.now = kNow;
  o.trust_anchors = {c.ark.get()};
  o.expected_report_data = rd;
  return o;
}

std::array<uint8_t, 64> Binding(uint8_t seed) {
  std::array<uint8_t, 64> b;
  for (size_t i = 0; i < 64; i++) b[i] = static_cast<uint8_t>(seed + i);
  return b;
}

TEST(SnpSim, ReportsOfEveryProductVerifyUnderTheSimArk) {
  for (ra::SnpProduct p : {ra::SnpProduct::kMilan, ra::SnpProduct::kGenoa, ra::SnpProduct::kTurin}) {
    SCOPED_TRACE(ra::SnpProductName(p));
    const ra::SimSnpChain& c = Chain(p);
    std::array<uint8_t, 64> rd = Binding(3);
    ra::Bytes report, table;
    ASSERT_TRUE(ra::SimSnpSignReport(Guest(p), rd, c.vcek_key.get(), &report).ok());
    ASSERT_TRUE(ra::SimSnpCertTable(c, &table).ok());
    Verified v = Verify(report, table, SimOptions(c, &rd));
    ASSERT_TRUE(v.status.ok()) << v.status.message();
    EXPECT_EQ(v.claims.product, p);
    EXPECT_EQ(v.claims.report.version, 3u);
    EXPECT_EQ(v.claims.report.measurement, Guest(p).measurement);
    EXPECT_EQ(v.claims.reported_tcb.microcode, Guest(p).tcb.microcode);
    EXPECT_EQ(v.claims.reported_tcb.fmc, p == ra::SnpProduct::kTurin ? 3 : 0);
    EXPECT_FALSE(v.claims.policy.debug);
    // The report's bytes at the spec's offsets, read here.
    EXPECT_EQ(report[0x188], p == ra::SnpProduct::kTurin ? 0x1A : 0x19);
    // Turin: CHIP_ID is 8 bytes zero-extended, the VCEK's hwID those 8.
    const bool turin = p == ra::SnpProduct::kTurin;
    EXPECT_EQ(std::all_of(report.begin() + 0x1A8, report.begin() + 0x1E0,
                          [](uint8_t b) { return b == 0; }),
              turin);
    EXPECT_EQ(0, memcmp(report.data() + 0x50, rd.data(), 64));
  }
}

TEST(SnpSim, AmdsRootsRefuseTheSim) {
  const ra::SimSnpChain& c = Chain(ra::SnpProduct::kMilan);
  std::array<uint8_t, 64> rd = Binding(1);
  ra::Bytes report, table;
  ASSERT_TRUE(ra::SimSnpSignReport(Guest(ra::SnpProduct::kMilan), rd, c.vcek_key.get(), &report).ok());
  ASSERT_TRUE(ra::SimSnpCertTable(c, &table).ok());
  ra::SnpVerifyOptions o;
  o.now = kNow;
  Verified v = Verify(report, table, o);
  EXPECT_EQ(v.status.check(), "snp cert chain") << v.status.message();
  // Another sim's ARK refuses too.
  v = Verify(report, table, SimOptions(Chain(ra::SnpProduct::kGenoa), &rd));
  EXPECT_FALSE(v.status.ok());
}

TEST(SnpSim, MismatchesRefuse) {
  const ra::SimSnpChain& c = Chain(ra::SnpProduct::kGenoa);
  ra::Bytes table;
  ASSERT_TRUE(ra::SimSnpCertTable(c, &table).ok());
  std::array<uint8_t, 64> rd = Binding(9);
  ra::SimSnpGuest g = Guest(ra::SnpProduct::kGenoa);
  ra::Bytes report;
  g.tcb.snp++;  // the chip now runs other firmware than the VCEK was issued for
  ASSERT_TRUE(ra::SimSnpSignReport(g, rd, c.vcek_key.get(), &report).ok());
  EXPECT_EQ(Verify(report, table, SimOptions(c, &rd)).status.check(), "snp vcek tcb");
  g = Guest(ra::SnpProduct::kGenoa);
  g.chip_id[5] ^= 1;  // another chip's id
  ASSERT_TRUE(ra::SimSnpSignReport(g, rd, c.vcek_key.get(), &report).ok());
  EXPECT_EQ(Verify(report, table, SimOptions(c, &rd)).status.check(), "snp chip id");
  g = Guest(ra::SnpProduct::kGenoa);
  ASSERT_TRUE(ra::SimSnpSignReport(g, rd, c.vcek_key.get(), &report).ok());
  std::array<uint8_t, 64> other = Binding(10);
  EXPECT_EQ(Verify(report, table, SimOptions(c, &other)).status.check(), "snp report data");
  // Signed by a key other than the VCEK's.
  ASSERT_TRUE(ra::SimSnpSignReport(g, rd, Chain(ra::SnpProduct::kMilan).vcek_key.get(), &report).ok());
  EXPECT_EQ(Verify(report, table, SimOptions(c, &rd)).status.check(), "snp report signature");
  // A debug guest verifies; the claim says so (policy/ refuses it).
  g.policy |= uint64_t{1} << 19;
  ASSERT_TRUE(ra::SimSnpSignReport(g, rd, c.vcek_key.get(), &report).ok());
  Verified v = Verify(report, table, SimOptions(c, &rd));
  ASSERT_TRUE(v.status.ok()) << v.status.message();
  EXPECT_TRUE(v.claims.policy.debug);
}

TEST(SnpSim, MaskedChipIdVerifiesUnderItsVcek) {
  // MASK_CHIP_ID set by the host: CHIP_ID is zero in every report, the
  // VCEK still names the chip; the VCEK's signature is what binds it.
  for (ra::SnpProduct p : {ra::SnpProduct::kMilan, ra::SnpProduct::kTurin}) {
    SCOPED_TRACE(ra::SnpProductName(p));
    const ra::SimSnpChain& c = Chain(p);
    ra::Bytes table, report;
    ASSERT_TRUE(ra::SimSnpCertTable(c, &table).ok());
    std::array<uint8_t, 64> rd = Binding(11);
    ra::SimSnpGuest g = Guest(p);
    g.chip_id.fill(0);
    ASSERT_TRUE(ra::SimSnpSignReport(g, rd, c.vcek_key.get(), &report).ok());
    Verified v = Verify(report, table, SimOptions(c, &rd));
    ASSERT_TRUE(v.status.ok()) << v.status.message();
    // One nonzero byte is a chip id again, and not this VCEK's.
    g.chip_id[0] = 0xEE;
    ASSERT_TRUE(ra::SimSnpSignReport(g, rd, c.vcek_key.get(), &report).ok());
    EXPECT_EQ(Verify(report, table, SimOptions(c, &rd)).status.check(), "snp chip id");
  }
}

TEST(SnpSim, CrlOfTheArk) {
  const ra::SimSnpChain& c = Chain(ra::SnpProduct::kMilan);
  std::array<uint8_t, 64> rd = Binding(4);
  ra::Bytes report, table, der;
  ASSERT_TRUE(ra::SimSnpSignReport(Guest(ra::SnpProduct::kMilan), rd, c.vcek_key.get(), &report).ok());
  ASSERT_TRUE(ra::SimSnpCertTable(c, &table).ok());
  auto with_crl = [&](const std::vector<X509*>& revoked, std::time_t issued) {
    ra::Bytes crl_der;
    ra::Status s = ra::SimSnpMakeCrl(c, revoked, issued, &crl_der);
    EXPECT_TRUE(s.ok()) << s.message();
    ra::X509CrlPtr crl;
    s = ra::LoadCrl(crl_der, "crl", &crl);
    EXPECT_TRUE(s.ok()) << s.message();
    ra::SnpVerifyOptions o = SimOptions(c, &rd);
    o.crls = {crl.get()};
    o.require_crl = true;
    return Verify(report, table, o).status;
  };
  ra::Status s = with_crl({}, kNow - 86400);
  EXPECT_TRUE(s.ok()) << s.message();
  s = with_crl({c.ask.get()}, kNow - 86400);
  EXPECT_EQ(s.check(), "snp crl");
  EXPECT_NE(s.detail().find("revoked"), std::string::npos);
  s = with_crl({}, kNow - 30 * 86400);  // nextUpdate a week after: expired
  EXPECT_EQ(s.check(), "snp crl");
  s = with_crl({}, kNow + 86400);  // not yet valid
  EXPECT_EQ(s.check(), "snp crl");
  // A CRL from another ARK.
  ra::Bytes other_der;
  ASSERT_TRUE(ra::SimSnpMakeCrl(Chain(ra::SnpProduct::kGenoa), {}, kNow - 86400, &other_der).ok());
  ra::X509CrlPtr other;
  ASSERT_TRUE(ra::LoadCrl(other_der, "crl", &other).ok());
  ra::SnpVerifyOptions o = SimOptions(c, &rd);
  o.crls = {other.get()};
  EXPECT_EQ(Verify(report, table, o).status.check(), "snp crl");
}

TEST(SnpSim, InitThenGetReportFromADirectory) {
  ra_tdx_test::ScratchDir dir;
  std::string d = dir.path() + "/snp";
  ra::SimSnpInitOptions io;
  io.product = ra::SnpProduct::kGenoa;
  io.measurement_hex = std::string(96, 'c');
  io.rsa_bits = 2048;
  ra::Status s = ra::SimSnpInit(d, io);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(ra::SimSnpInit(d, io).ok());  // never replaces keys
  std::array<uint8_t, 64> rd = Binding(7);
  ra::Bytes report, table;
  s = ra::SimSnpGetReport(d, rd, &report, &table);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<ra::X509Ptr> ark;
  ASSERT_TRUE(ra::LoadPemCertFile(d + "/" + ra::kSimSnpArkPem, &ark).ok());
  ra::SnpVerifyOptions o;
  o.now = std::time(nullptr);
  o.trust_anchors = {ark[0].get()};
  o.expected_report_data = &rd;
  Verified v = Verify(report, table, o);
  ASSERT_TRUE(v.status.ok()) << v.status.message();
  EXPECT_EQ(ra::HexEncode(ra::ByteView(v.claims.report.measurement.data(), 48)), std::string(96, 'c'));
  EXPECT_EQ(v.claims.product, ra::SnpProduct::kGenoa);
}

}  // namespace
