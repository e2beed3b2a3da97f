// Every TD report field in the policy (MrConfigId, MrOwner, MrOwnerConfig,
// MrServiceTd, Xfam, TdAttributes, TeeTcbSvn), each accepted and refused
// on the real quotes of tests/vectors/tdx (offline: no binding, pinned
// times), and the claims that carry each field in full.  Sim quotes:
// sim_provider_test.cpp.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/tdx_quote.h"
#include "policy/known_attestations.h"
#include "policy/policy.h"
#include "policy/tdx_policy.h"
#include "tdx_test_vectors.h"
#include "verify/evaluate.h"
#include "verify/intel_sgx_root_ca.h"
#include "verify/tdx_quote_verifier.h"

namespace ra {
namespace {

using ra_tdx_test::ParsedQuotes;
using ra_tdx_test::ReadVector;

std::string Field(const VerifiedClaims& c, const std::string& k) {
  for (const auto& f : c.fields)
    if (f.first == k) return f.second;
  return "<absent>";
}

// Policy text -> verification of raw at t, through the front door.
Status VerifyUnder(const std::string& text, const Bytes& raw, std::time_t t) {
  Policy p;
  Status s = ParsePolicy(text, "test", &p);
  if (!s.ok()) return Status::Fail("policy parse", s.message());
  Verdict v;
  return Evaluate({EvidenceItem{kEvidenceTdxQuote, raw}}, p, nullptr, t, &v);
}

std::string IntelRootSha256() {
  BIO* bio = BIO_new_mem_buf(kIntelSgxRootCaPem, -1);
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char* der = nullptr;
  int len = x ? i2d_X509(x, &der) : -1;
  X509_free(x);
  if (len <= 0) return "";
  uint8_t md[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), md);
  OPENSSL_free(der);
  return HexEncode(ByteView(md, sizeof(md)));
}

// The quote's value with its first byte changed.
template <size_t N>
std::string Other(const std::array<uint8_t, N>& a) {
  std::array<uint8_t, N> b = a;
  b[0] ^= 0x01;
  return HexEncode(b);
}

TEST(TdxPolicyFields, ClaimsCarryEveryFieldInFull) {
  const std::string root = IntelRootSha256();
  ASSERT_EQ(root.size(), 64u);
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    VerifiedClaims c;
    Status s = VerifyTdxQuote(raw, nullptr, Policy(), v.pinned, &c);
    ASSERT_TRUE(s.ok()) << s.message();
    const TdReportBody& b = q.body;
    EXPECT_EQ(Field(c, "anchor"), root);
    EXPECT_EQ(Field(c, "body_type"), std::to_string(v.body_type));
    EXPECT_EQ(Field(c, "mrconfigid"), HexEncode(b.mr_config_id));
    EXPECT_EQ(Field(c, "mrowner"), HexEncode(b.mr_owner));
    EXPECT_EQ(Field(c, "mrownerconfig"), HexEncode(b.mr_owner_config));
    EXPECT_EQ(Field(c, "td_attributes"), HexEncode(b.td_attributes));
    EXPECT_EQ(Field(c, "xfam"), HexEncode(b.xfam));
    EXPECT_EQ(Field(c, "tee_tcb_svn"), HexEncode(b.tee_tcb_svn));
    EXPECT_EQ(Field(c, "mrsignerseam"), HexEncode(b.mr_signer_seam));
    EXPECT_EQ(Field(c, "seam_attributes"), HexEncode(b.seam_attributes));
    if (v.body_type == 3) {
      EXPECT_EQ(Field(c, "mrservicetd"), HexEncode(b.mr_service_td));
      EXPECT_EQ(Field(c, "tee_tcb_svn2"), HexEncode(b.tee_tcb_svn2));
    } else {
      EXPECT_EQ(Field(c, "mrservicetd"), "<absent>");
    }
    // The known-attestation record is made of these claims.
    known::Measurements m;
    ASSERT_TRUE(
        known::MeasurementsFromClaims(c, TdxQuoteKind()->KnownFields(), &m).ok());
    EXPECT_EQ(m.kind, "tdx");
    ASSERT_EQ(m.fields.size(), 8u);
    EXPECT_EQ(m.fields[0].second, root);
    EXPECT_EQ(m.fields[6].second, HexEncode(b.mr_owner));
  }
}

TEST(TdxPolicyFields, KnownRecordNeedsEveryField) {
  VerifiedClaims c;
  c.kind = kEvidenceTdxQuote;
  c.fields = {{"anchor", std::string(64, 'a')}, {"mrtd", std::string(96, 'b')}};
  known::Measurements m;
  Status s = known::MeasurementsFromClaims(c, TdxQuoteKind()->KnownFields(), &m);
  EXPECT_EQ(s.check(), "known attestations");
  EXPECT_NE(s.detail().find("lack 'rtmr0'"), std::string::npos) << s.message();
  EXPECT_EQ(known::MeasurementsFromClaims(c, KnownRecordSpec{}, &m).check(),
            "known attestations");
}

// Each keyword with the quote's own value accepts; with another refuses
// and names the field.
TEST(TdxPolicyFields, EachKeywordOnRealQuotes) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    const TdReportBody& b = q.body;
    const struct {
      std::string good, bad;
      const char* says;
    } cases[] = {
        {"MrConfigId " + HexEncode(b.mr_config_id), "MrConfigId " + Other(b.mr_config_id),
         "MRCONFIGID"},
        {"MrOwner " + Other(b.mr_owner) + "," + HexEncode(b.mr_owner),
         "MrOwner " + Other(b.mr_owner), "MROWNER"},
        {"MrOwnerConfig " + HexEncode(b.mr_owner_config),
         "MrOwnerConfig " + Other(b.mr_owner_config), "MROWNERCONFIG"},
        {"Xfam " + HexEncode(b.xfam), "Xfam " + Other(b.xfam), "XFAM"},
        {"TeeTcbSvn " + HexEncode(b.tee_tcb_svn), "", ""},
        {"TdAttributes ffffffffffffffff:" + HexEncode(b.td_attributes),
         "TdAttributes ffffffffffffffff:" + Other(b.td_attributes), "mask:value"},
    };
    for (const auto& c : cases) {
      Status s = VerifyUnder(c.good + "\n", raw, v.pinned);
      EXPECT_TRUE(s.ok()) << c.good << ": " << s.message();
      if (c.bad.empty()) continue;
      s = VerifyUnder(c.bad + "\n", raw, v.pinned);
      EXPECT_EQ(s.check(), "tdx policy") << c.bad << ": " << s.message();
      EXPECT_NE(s.detail().find(c.says), std::string::npos) << s.message();
    }
  }
}

// TEE_TCB_SVN is ordered component by component: every byte at least the
// minimum's.  One component above with another below is still below.
TEST(TdxPolicyFields, TeeTcbSvnPerComponent) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    auto svn = q.body.tee_tcb_svn;
    size_t nz = 0;
    while (nz < 16 && svn[nz] == 0) nz++;
    ASSERT_LT(nz, 16u) << "an all-zero TEE_TCB_SVN in a real quote";
    // Lower in one component: still accepted.
    auto lower = svn;
    lower[nz]--;
    EXPECT_TRUE(VerifyUnder("TeeTcbSvn " + HexEncode(lower) + "\n", raw, v.pinned).ok());
    // Higher in the last component only: refused, even though the first
    // byte is lower (no lexicographic shortcut).
    auto mixed = lower;
    mixed[15] = static_cast<uint8_t>(svn[15] + 1);
    if (svn[15] == 0xff) continue;
    Status s = VerifyUnder("TeeTcbSvn " + HexEncode(mixed) + "\n", raw, v.pinned);
    EXPECT_EQ(s.check(), "tdx policy") << s.message();
    EXPECT_NE(s.detail().find("component 15"), std::string::npos) << s.message();
  }
}

TEST(TdxPolicyFields, MrServiceTdOnlyInTdx15Bodies) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    std::string own = "MrServiceTd " + HexEncode(q.body.mr_service_td) + "\n";
    std::string other = "MrServiceTd " + Other(q.body.mr_service_td) + "\n";
    Status s = VerifyUnder(own, raw, v.pinned);
    if (v.body_type == 3) {
      EXPECT_TRUE(s.ok()) << s.message();
      s = VerifyUnder(other, raw, v.pinned);
      EXPECT_NE(s.detail().find("MRSERVICETD"), std::string::npos) << s.message();
    } else {
      // A v4 quote (TDX 1.0 body) has no MRSERVICETD: a pin refuses, even
      // for the zeros the parser fills in.
      EXPECT_EQ(s.check(), "tdx policy");
      EXPECT_NE(s.detail().find("no MRSERVICETD"), std::string::npos) << s.message();
    }
  }
}

// Named bits: the quote's own set bits by name accept; leaving one out
// refuses naming it.  Every bit set in these real quotes has a name.
TEST(TdxPolicyFields, TdAttributesNamedBitsOnRealQuotes) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    uint64_t attrs = Le64(q.body.td_attributes);
    std::vector<std::string> names;
    for (const auto& bit : kTdAttributeBits)
      if ((attrs >> bit.bit) & 1) names.push_back(bit.name);
    uint64_t named = 0;
    for (const auto& bit : kTdAttributeBits) named |= uint64_t{1} << bit.bit;
    EXPECT_EQ(attrs & ~named, 0u) << HexEncode(q.body.td_attributes);
    // Default (no TdAttributes): accepted, as before.
    EXPECT_TRUE(VerifyUnder("", raw, v.pinned).ok());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
    if (list.empty()) list = "PERFMON";  // some name, none set: still accepted
    Status s = VerifyUnder("TdAttributes " + list + "\n", raw, v.pinned);
    EXPECT_TRUE(s.ok()) << list << ": " << s.message();
    if (names.empty()) continue;
    std::string fewer = names.size() > 1 ? list.substr(list.find(',') + 1) : "KL";
    if (names.size() == 1 && names[0] == "KL") fewer = "PKS";
    s = VerifyUnder("TdAttributes " + fewer + "\n", raw, v.pinned);
    EXPECT_EQ(s.check(), "tdx policy") << fewer;
    EXPECT_NE(s.detail().find("(" + names[0] + ") set but not allowed"), std::string::npos)
        << s.message();
  }
}

// Reserved bits refuse by default; only a mask:value that names them lets
// them through.  DEBUG needs AllowDebug (or TdAttributes DEBUG).
TEST(TdxPolicyFields, ReservedAndDebugBits) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  TdxQuote r = q;
  r.body.td_attributes[1] |= 0x20;  // bit 13: reserved
  Policy p;
  Status s = CheckTdxPolicy(r, p);
  EXPECT_EQ(s.check(), "tdx policy");
  EXPECT_NE(s.detail().find("bit 13 (reserved)"), std::string::npos) << s.message();
  p.allow_debug = true;
  EXPECT_FALSE(CheckTdxPolicy(r, p).ok());
  Policy m;
  ASSERT_TRUE(ParsePolicy("TdAttributes SEPT_VE_DISABLE,PKS,KL,MIGRATABLE,PERFMON,"
                          "0020000000000000:0020000000000000\n",
                          "t", &m).ok());
  EXPECT_TRUE(CheckTdxPolicy(r, m).ok()) << CheckTdxPolicy(r, m).message();

  TdxQuote d = q;
  d.body.td_attributes[0] |= 0x01;
  Policy none;
  EXPECT_NE(CheckTdxPolicy(d, none).detail().find("debug TD"), std::string::npos);
  Policy named;
  ASSERT_TRUE(ParsePolicy("TdAttributes DEBUG,SEPT_VE_DISABLE,PKS,KL,MIGRATABLE,PERFMON\n", "t",
                          &named).ok());
  EXPECT_TRUE(CheckTdxPolicy(d, named).ok()) << CheckTdxPolicy(d, named).message();
  Policy allow;
  ASSERT_TRUE(ParsePolicy("AllowDebug yes\nTdAttributes SEPT_VE_DISABLE,PKS,KL,MIGRATABLE,"
                          "PERFMON\n", "t", &allow).ok());
  EXPECT_TRUE(CheckTdxPolicy(d, allow).ok());
  // The default allows the by_default bits only, never one of the TUD
  // group (bits 0-7); every named bit is accepted when the policy names it.
  for (const auto& bit : kTdAttributeBits) {
    TdxQuote b = q;
    b.body.td_attributes = {};
    b.body.td_attributes[bit.bit / 8] = static_cast<uint8_t>(1u << (bit.bit % 8));
    EXPECT_EQ(CheckTdxPolicy(b, Policy()).ok(), bit.by_default) << bit.name;
    if (bit.bit < 8) {
      EXPECT_FALSE(bit.by_default) << bit.name;
    }
    Policy named_bit;
    ASSERT_TRUE(ParsePolicy(std::string("TdAttributes ") + bit.name + "\n", "t", &named_bit).ok());
    EXPECT_TRUE(CheckTdxPolicy(b, named_bit).ok()) << bit.name;
  }
}

// The TDX module ABI names more bits than the first table had: LASS (27,
// a hardening a TDX 1.5+ module offers) on a production TD passes the
// default policy; the profiling bits of the TUD group (4-6: the TD is
// under debug) refuse by their name, as DEBUG does, even under
// AllowDebug; ICSSD (16) and TPA (62) refuse unless named.
TEST(TdxPolicyFields, TdAttributesModuleAbiNames) {
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(ReadVector("tdx/gotdx_quote_v5_EMR.dat"), &q).ok());
  TdxQuote lass = q;
  lass.body.td_attributes[3] |= 0x08;  // bit 27
  EXPECT_TRUE(CheckTdxPolicy(lass, Policy()).ok()) << CheckTdxPolicy(lass, Policy()).message();
  struct Case {
    unsigned bit;
    const char* name;
  } refused[] = {{4, "HGS_PLUS_PROF"}, {5, "PERF_PROF"}, {6, "PMT_PROF"}, {16, "ICSSD"},
                 {62, "TPA"}};
  for (const auto& c : refused) {
    TdxQuote b = q;
    b.body.td_attributes[c.bit / 8] |= static_cast<uint8_t>(1u << (c.bit % 8));
    Policy allow_debug;
    allow_debug.allow_debug = true;
    Status s = CheckTdxPolicy(b, allow_debug);
    EXPECT_EQ(s.check(), "tdx policy") << c.name;
    EXPECT_NE(s.detail().find("bit " + std::to_string(c.bit) + " (" + c.name + ")"),
              std::string::npos)
        << s.message();
    Policy named;
    ASSERT_TRUE(ParsePolicy(std::string("TdAttributes SEPT_VE_DISABLE,") + c.name + "\n", "t",
                            &named).ok());
    EXPECT_TRUE(CheckTdxPolicy(b, named).ok()) << c.name << ": " << CheckTdxPolicy(b, named).message();
  }
}

TEST(TdxPolicyFields, MalformedKeywordsRefused) {
  const std::string h48(96, 'a');
  const char* const kBad[] = {
      "Xfam e71a06\n",
      "Xfam e71a0600000000zz\n",
      "Xfam e71a060000000000,\n",
      "TdAttributes NOSUCHBIT\n",
      "TdAttributes 0100000000000000:0300000000000000\n",  // value outside mask
      "TdAttributes 01:01\n",
      "TdAttributes DEBUG\nTdAttributes PKS\n",  // once
      "TeeTcbSvn 0300\n",
      "TeeTcbSvn 03000500000000000000000000000000\nTeeTcbSvn 03000500000000000000000000000000\n",
      "MrOwner abcd\n",
      "MrConfigId zz\n",
      "MrServiceTd\n",
      "MrOwnerConfig a b\n",
  };
  for (const char* text : kBad) {
    Policy p;
    EXPECT_FALSE(ParsePolicy(text, "t", &p).ok()) << text;
  }
  Policy ok;
  Status s = ParsePolicy("mrowner " + h48 + "\nMROWNER " + h48 + "\nxfam e71a060000000000," +
                             "0300000000000000\ntdattributes sept_ve_disable\n",
                         "t", &ok);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ok.mrowner.size(), 2u);
  EXPECT_EQ(ok.xfam.size(), 2u);
  EXPECT_TRUE(ok.td_attributes_given);
  EXPECT_EQ(ok.td_attributes_allowed, uint64_t{1} << 28);
}

}  // namespace
}  // namespace ra
