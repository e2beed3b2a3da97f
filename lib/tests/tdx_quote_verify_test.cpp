// Signature-chain verification of the real TDX quotes against the real
// Intel SGX Root CA at pinned times, and the negative cases: any change
// to signed or certified bytes, a wrong binding, a foreign trust anchor,
// a time outside the certificates' validity.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "common/bytes_util.h"
#include "common/evidence.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "policy/tdx_policy.h"
#include "tdx_test_vectors.h"
#include "verify/intel_sgx_root_ca.h"
#include "verify/tdx_quote_verifier.h"
#include "verify/x509_util.h"
#include "provider/ossl_util.h"

namespace ra {
namespace {

using ra_tdx_test::AllQuotes;
using ra_tdx_test::ParsedQuotes;
using ra_tdx_test::ReadVector;
using ra_tdx_test::ScratchDir;
using ra_tdx_test::Utc;
using ra_tdx_test::VectorPath;

using ra_tdx_test::kSprTime;

Status Verify(const Bytes& q, std::time_t now, const Policy& p = Policy(),
              const Binding* b = nullptr) {
  VerifiedClaims c;
  return VerifyTdxQuote(q, b, p, now, &c);
}

std::string Field(const VerifiedClaims& c, const std::string& k) {
  for (const auto& f : c.fields)
    if (f.first == k) return f.second;
  return "<absent>";
}

TEST(TdxVerify, BuiltInRootIsTheReferenceRoot) {
  Bytes ref = ReadVector("roots/Intel_SGX_Root_CA.pem");
  ASSERT_FALSE(ref.empty());
  EXPECT_EQ(std::string(kIntelSgxRootCaPem), ra_tdx_test::ToString(ref));
}

TEST(TdxVerify, EveryVectorVerifiesAtItsPinnedTime) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    VerifiedClaims c;
    Status s = VerifyTdxQuote(raw, nullptr, Policy(), v.pinned, &c);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(c.kind, "tdx-quote");
    EXPECT_EQ(Field(c, "fmspc"), v.fmspc);
    EXPECT_EQ(Field(c, "tcb_status"), "not evaluated");
    EXPECT_EQ(Field(c, "debug"), "no");
    EXPECT_EQ(Field(c, "mrtd").size(), 96u);
  }
}

TEST(TdxVerify, RegistryVerifierChecksBinding) {
  const EvidenceVerifier* v = FindVerifier("tdx-quote");
  ASSERT_NE(v, nullptr);
  EXPECT_STREQ(v->type(), "tdx-quote");
  EXPECT_EQ(FindVerifier("no-such-kind"), nullptr);

  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  Policy p;
  VerifyContext ctx;
  ctx.policy = &p;
  ctx.now = kSprTime;
  memcpy(ctx.binding.data(), q.body.report_data.data(), 64);
  EvidenceItem item{"tdx-quote", raw};
  VerifiedClaims c;
  Status s = v->Verify(item, {item}, ctx, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(c, "binding_checked"), "yes");

  // Any other binding (here: one bit off, and all zero) is refused.
  ctx.binding[63] ^= 1;
  s = v->Verify(item, {item}, ctx, &c);
  EXPECT_EQ(s.check(), "report data binding") << s.message();
  ctx.binding.fill(0);
  EXPECT_EQ(v->Verify(item, {item}, ctx, &c).check(), "report data binding");
}

TEST(TdxVerify, WrongBindingRefusedForEveryVector) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    Binding b;
    b.fill(0x5a);
    Status s = Verify(raw, v.pinned, Policy(), &b);
    EXPECT_EQ(s.check(), "report data binding") << s.message();
  }
}

// Flipping any byte the signatures cover must fail verification.
TEST(TdxVerify, FlippedSignedBytesRefused) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    const size_t signed_len = q.signed_region.size();
    const size_t hdr_len = signed_len - q.body_size;  // header (+ v5 descr.)
    const size_t sig = signed_len + 4;
    const size_t key = sig + 64;
    const size_t qe_report = key + 64 + 6;
    const size_t qe_sig = qe_report + 384;
    const size_t auth = qe_sig + 64 + 2;
    std::vector<size_t> offsets;
    for (size_t i = 0; i < hdr_len; i++) offsets.push_back(i);  // every byte
    for (size_t i = hdr_len; i < signed_len; i += 5) offsets.push_back(i);
    offsets.push_back(signed_len - 1);
    for (size_t i = sig; i < key + 64; i++) offsets.push_back(i);  // sig, key
    for (size_t i = qe_report; i < qe_sig + 64; i++) offsets.push_back(i);
    for (size_t i = auth; i < auth + q.qe_auth_data.size(); i++)
      offsets.push_back(i);
    for (size_t off : offsets) {
      for (uint8_t mask : {0x01, 0x80}) {
        Bytes b = raw;
        b[off] ^= mask;
        Status s = Verify(b, v.pinned);
        ASSERT_FALSE(s.ok()) << "offset " << off << " mask " << int(mask);
      }
    }
  }
}

// Re-encodes the PCK leaf with one DER byte flipped, keeping the PEM the
// same length so every length field in the quote stays valid.
Bytes WithFlippedLeafByte(const Bytes& raw, const TdxQuote& q, size_t der_off,
                          bool* ok) {
  *ok = false;
  const std::string& pem = q.pck_chain_pem;
  size_t b = pem.find("-----BEGIN CERTIFICATE-----");
  size_t e = pem.find("-----END CERTIFICATE-----");
  if (b == std::string::npos || e == std::string::npos) return raw;
  b += strlen("-----BEGIN CERTIFICATE-----");
  std::string b64;
  std::vector<size_t> pos;
  for (size_t i = b; i < e; i++)
    if (pem[i] != '\n' && pem[i] != '\r') {
      b64.push_back(pem[i]);
      pos.push_back(i);
    }
  std::vector<unsigned char> der(b64.size());
  int n = EVP_DecodeBlock(der.data(),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n <= 0) return raw;
  size_t pad = 0;
  while (pad < b64.size() && b64[b64.size() - 1 - pad] == '=') pad++;
  size_t der_len = static_cast<size_t>(n) - pad;
  if (der_off >= der_len) return raw;
  der[der_off] ^= 0x01;
  std::string out(b64.size() + 1, '\0');
  int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), der.data(),
                          static_cast<int>(der_len));
  if (m != static_cast<int>(b64.size())) return raw;
  std::string new_pem = pem;
  for (size_t i = 0; i < pos.size(); i++) new_pem[pos[i]] = out[i];
  size_t at = raw.size() - q.trailing_bytes - pem.size();
  Bytes res = raw;
  memcpy(res.data() + at, new_pem.data(), new_pem.size());
  *ok = true;
  return res;
}

TEST(TdxVerify, FlippedPckCertificateRefused) {
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    // Sanity: the re-encoding itself is lossless.
    size_t tested = 0;
    for (size_t off = 0; off < 1200; off += 7) {
      bool ok = false;
      Bytes b = WithFlippedLeafByte(raw, q, off, &ok);
      if (!ok) break;
      ASSERT_NE(b, raw);
      Status s = Verify(b, v.pinned);
      ASSERT_FALSE(s.ok()) << "DER offset " << off;
      tested++;
    }
    EXPECT_GT(tested, 100u);
  }
}

TEST(TdxVerify, VerifyOnEveryTruncationFailsCleanly) {
  Bytes raw = ReadVector("tdx/trustee_tdx_quote_5_v5.dat");
  ASSERT_FALSE(raw.empty());
  for (size_t n = 0; n < raw.size(); n++) {
    Bytes cut(raw.begin(), raw.begin() + n);
    ASSERT_FALSE(Verify(cut, Utc(2025, 10, 1)).ok()) << n;
  }
}

TEST(TdxVerify, OutsideCertificateValidityRefused) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  // PCK leaf valid 2022-09-20 .. 2029-09-20.
  Status s = Verify(raw, Utc(2022, 9, 1));
  EXPECT_EQ(s.check(), "pck chain");
  EXPECT_NE(s.detail().find("not yet valid"), std::string::npos) << s.message();
  s = Verify(raw, Utc(2029, 10, 1));
  EXPECT_EQ(s.check(), "pck chain");
  EXPECT_NE(s.detail().find("expired"), std::string::npos) << s.message();
  // The EMR quote's PCK certificate was only issued in 2026.
  Bytes emr = ReadVector("tdx/gotdx_quote_v5_EMR.dat");
  EXPECT_EQ(Verify(emr, Utc(2025, 10, 1)).check(), "pck chain");
}

// A self-made CA with the same name as Intel's root: the policy names it
// as the anchor, so the quote's own (real) root must not be accepted.
std::string MakeSelfSignedRoot() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600L * 24 * 365 * 10);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365 * 30);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(
                                 "Intel SGX Root CA"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(
      name, "O", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("Intel Corporation"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  X509_sign(x, key, EVP_sha256());
  std::string pem = ra_test::CertPem(x);
  X509_free(x);
  EVP_PKEY_free(key);
  return pem;
}

TEST(TdxVerify, QuotesOwnRootNotTrustedUnderForeignAnchor) {
  ScratchDir dir;
  dir.Write("root.pem", MakeSelfSignedRoot());
  Policy p;
  p.tdx_trust_anchor = dir.path() + "/root.pem";
  for (const auto& [v, raw, q] : ParsedQuotes()) {
    SCOPED_TRACE(v.file);
    Status s = Verify(raw, v.pinned, p);
    EXPECT_EQ(s.check(), "pck chain") << s.message();
  }
  // Naming the reference copy of Intel's root explicitly works.
  Policy real;
  real.tdx_trust_anchor = VectorPath("roots/Intel_SGX_Root_CA.pem");
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  Status s = Verify(raw, kSprTime, real);
  EXPECT_TRUE(s.ok()) << s.message();
  // A missing anchor file is an error, not a fallback to the built-in.
  Policy missing;
  missing.tdx_trust_anchor = dir.path() + "/nope.pem";
  EXPECT_EQ(Verify(raw, kSprTime, missing).check(), "trust anchor");
}

TEST(TdxVerify, IntermediateAsAnchorDoesNotHelpForeignChains) {
  // Anchoring on the PCK Platform CA instead of the root is refused:
  // OpenSSL must not accept a partial chain.
  ScratchDir dir;
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  size_t second = q.pck_chain_pem.find("-----BEGIN CERTIFICATE-----", 10);
  size_t third = q.pck_chain_pem.find("-----BEGIN CERTIFICATE-----", second + 10);
  ASSERT_NE(third, std::string::npos);
  dir.Write("inter.pem", q.pck_chain_pem.substr(second, third - second));
  Policy p;
  p.tdx_trust_anchor = dir.path() + "/inter.pem";
  EXPECT_EQ(Verify(raw, kSprTime, p).check(), "pck chain");
}

TEST(TdxVerify, ChainWithoutLeafRefused) {
  // Drop the leaf from the PEM (replace it by spaces): no PCK key.
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  size_t second = q.pck_chain_pem.find("-----BEGIN CERTIFICATE-----", 10);
  size_t at = raw.size() - q.trailing_bytes - q.pck_chain_pem.size();
  Bytes b = raw;
  memset(b.data() + at, ' ', second);
  EXPECT_FALSE(Verify(b, kSprTime).ok());
}

TEST(TdxPolicy, ReferenceValues) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  Bytes mrtd(q.body.mr_td.begin(), q.body.mr_td.end());
  Bytes other(48, 0xab);

  Policy p;
  EXPECT_TRUE(CheckTdxPolicy(q, p).ok());
  p.mrtd = {other, mrtd};
  EXPECT_TRUE(CheckTdxPolicy(q, p).ok());
  p.mrtd = {other};
  Status s = CheckTdxPolicy(q, p);
  EXPECT_EQ(s.message(), "tdx policy: MRTD " + HexEncode(mrtd) + " not in policy");
  EXPECT_EQ(Verify(raw, kSprTime, p).message(), s.message());

  for (int i = 0; i < 4; i++) {
    Policy r;
    r.rtmr[i] = {other};
    s = CheckTdxPolicy(q, r);
    EXPECT_NE(s.message().find("RTMR" + std::to_string(i)), std::string::npos);
    r.rtmr[i] = {Bytes(q.body.rtmr[i].begin(), q.body.rtmr[i].end())};
    EXPECT_TRUE(CheckTdxPolicy(q, r).ok());
  }
  Policy m;
  m.mrseam = {other};
  EXPECT_NE(CheckTdxPolicy(q, m).message().find("MRSEAM"), std::string::npos);
  m.mrseam = {Bytes(q.body.mr_seam.begin(), q.body.mr_seam.end())};
  EXPECT_TRUE(CheckTdxPolicy(q, m).ok());
  // A 32-byte entry can never match a 48-byte field.
  Policy shortp;
  shortp.mrtd = {Bytes(mrtd.begin(), mrtd.begin() + 32)};
  EXPECT_FALSE(CheckTdxPolicy(q, shortp).ok());
}

TEST(TdxPolicy, DebugRefusedUnlessAllowed) {
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  TdxQuote q;
  ASSERT_TRUE(ParseTdxQuote(raw, &q).ok());
  EXPECT_FALSE(TdxIsDebug(q));
  q.body.td_attributes[0] |= 1;
  Policy p;
  Status s = CheckTdxPolicy(q, p);
  EXPECT_EQ(s.check(), "tdx policy");
  EXPECT_NE(s.detail().find("debug"), std::string::npos);
  p.allow_debug = true;
  EXPECT_TRUE(CheckTdxPolicy(q, p).ok());
  // In a signed quote the bit cannot be set without breaking the signature.
  Bytes b = raw;
  b[48 + 120] |= 1;
  EXPECT_EQ(Verify(b, kSprTime, p).check(), "quote signature");
}

}  // namespace
}  // namespace ra

// The quote's attestation key (raw X||Y): a point on P-256 is taken, the
// same point with a changed coordinate, (0,0) and coordinates >= p are not.
TEST(TdxVerify, RawP256KeyMustBeOnTheCurve) {
  ra::ossl::PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(k);
  std::array<uint8_t, 64> xy{};
  ASSERT_TRUE(ra::ossl::P256PublicRaw(k.get(), &xy).ok());
  ra::EvpPkeyPtr out;
  ASSERT_TRUE(ra::P256KeyFromRaw(ra::ByteView(xy.data(), xy.size()), "ak", &out).ok());
  EXPECT_EQ(EVP_PKEY_eq(out.get(), k.get()), 1);

  auto refused = [](std::array<uint8_t, 64> v, const char* what) {
    ra::EvpPkeyPtr o;
    ra::Status s = ra::P256KeyFromRaw(ra::ByteView(v.data(), v.size()), "ak", &o);
    EXPECT_FALSE(s.ok()) << what;
    EXPECT_EQ(s.message().find("ak"), 0u) << s.message();
  };
  std::array<uint8_t, 64> v = xy;
  v[63] ^= 1;
  refused(v, "y changed");
  v = xy;
  v[0] ^= 0x80;
  refused(v, "x changed");
  refused(std::array<uint8_t, 64>{}, "(0,0)");
  v.fill(0xff);  // both coordinates above p
  refused(v, "coordinates >= p");
  EXPECT_FALSE(ra::P256KeyFromRaw(ra::ByteView(xy.data(), 63), "ak", &out).ok());
}
