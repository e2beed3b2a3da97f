// TPMS_ATTEST / TPMT_SIGNATURE / TPMT_PUBLIC parsing and the quote checks,
// on real quotes: go-tpm-tools' GCE COS-85 attestation (three quotes, RSA
// AK with certificate), go-attestation's GCP shielded VM (SHA-1 quote) and
// an Azure TDX CVM's vTPM quote signed by HCLAkPub.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <functional>

#include "parse/hcl_report.h"
#include "parse/tpm_quote.h"
#include "tpm_test_vectors.h"
#include "verify/tpm_quote_check.h"

namespace {

using ra::Bytes;
using namespace ra_tpm_test;

const char* kGoatt = "tpm/goatt_windows_gcp_shielded_vm.json";

struct QuoteCase {
  Bytes attest;
  Bytes signature;
  ra::TpmPcrValues pcrs;
};

std::vector<QuoteCase> Cos85Quotes(Bytes* ak_pub, Bytes* ak_cert) {
  Json j = LoadJsonVector(kCos85);
  *ak_pub = Hex(Str(Path(j.get(), {"ak_pub_tpmt_public"})));
  *ak_cert = B64(Str(Path(j.get(), {"ak_cert_der_b64"})));
  std::vector<QuoteCase> out;
  const json_t* quotes = Path(j.get(), {"quotes"});
  for (size_t i = 0; i < json_array_size(quotes); i++) {
    const json_t* q = json_array_get(quotes, i);
    QuoteCase c;
    c.attest = Hex(Str(Path(q, {"tpms_attest"})));
    c.signature = Hex(Str(Path(q, {"tpmt_signature"})));
    uint16_t alg = 0;
    EXPECT_TRUE(ra::TpmHashFromName(Str(Path(q, {"hash"})), &alg));
    const char* k;
    json_t* v;
    json_object_foreach(const_cast<json_t*>(Path(q, {"pcrs"})), k, v)
      c.pcrs[alg][static_cast<uint32_t>(std::stoul(k))] = Hex(Str(v));
    out.push_back(std::move(c));
  }
  EXPECT_EQ(out.size(), 3u);
  return out;
}

TEST(TpmQuote, Cos85QuotesVerifyWithTheirAk) {
  Bytes ak_raw, cert_der;
  auto quotes = Cos85Quotes(&ak_raw, &cert_der);
  ra::TpmPublic ak;
  ASSERT_TRUE(ra::ParseTpmPublic(ak_raw, &ak).ok());
  EXPECT_EQ(ak.type, ra::kTpmAlgRsa);
  EXPECT_EQ(ak.key_bits, 2048u);
  EXPECT_EQ(ak.name.size(), 2 + ra::TpmHashSize(ak.name_alg));
  std::set<uint16_t> banks;
  for (const auto& c : quotes) {
    ra::TpmQuote q;
    ra::TpmSignature sig;
    ASSERT_TRUE(ra::ParseTpmQuote(c.attest, &q).ok());
    ASSERT_TRUE(ra::ParseTpmSignature(c.signature, &sig).ok());
    EXPECT_EQ(sig.sig_alg, ra::kTpmAlgRsassa);
    ASSERT_EQ(q.pcr_select.size(), 1u);
    EXPECT_EQ(q.pcr_select[0].pcrs.size(), 24u);
    banks.insert(q.pcr_select[0].hash_alg);
    EXPECT_EQ(ra::HexEncode(q.extra_data), "9009");
    ra::TpmQuoteCheckOptions opt;
    ra::Status s = ra::CheckTpmQuoteSignature(q, sig, ak.key.get(), opt);
    EXPECT_TRUE(s.ok()) << s.message();
    s = ra::CheckTpmPcrDigest(q, c.pcrs, sig.hash_alg, opt);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(ra::CheckTpmQuoteExtraData(q, Bytes{0x90, 0x09}).ok());
    EXPECT_EQ(ra::CheckTpmQuoteExtraData(q, Bytes{0x90, 0x0a}).check(), "tpm quote binding");
    EXPECT_FALSE(ra::CheckTpmQuoteExtraData(q, Bytes{0x90}).ok());
  }
  EXPECT_EQ(banks, (std::set<uint16_t>{ra::kTpmAlgSha1, ra::kTpmAlgSha256, ra::kTpmAlgSha384}));
}

TEST(TpmQuote, Cos85AkCertificateHoldsTheAkPublicArea) {
  Bytes ak_raw, cert_der;
  Cos85Quotes(&ak_raw, &cert_der);
  ra::TpmPublic ak;
  ASSERT_TRUE(ra::ParseTpmPublic(ak_raw, &ak).ok());
  const unsigned char* p = cert_der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  ASSERT_NE(cert, nullptr);
  EVP_PKEY* cert_key = X509_get0_pubkey(cert);
  ASSERT_NE(cert_key, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(cert_key, ak.key.get()), 1);
  X509_free(cert);
}

// What a signature's bytes stand for (a TPMT_SIGNATURE, or a raw RSA
// value of a known scheme); false if they do not parse.
using SigOf = std::function<bool(const Bytes&, ra::TpmSignature*)>;
struct Flips {
  uint8_t attest_mask;
  size_t sig_first, sig_step;
  uint8_t sig_mask;
};

// Every byte of attest changed (attest_mask) leaves it unparsable or no
// longer what the signature signs with key; every sig_step-th byte of the
// signature changed (sig_mask) is refused.  *q: attest, parsed.
void ExpectEveryByteCovered(const Bytes& attest, const Bytes& sig_bytes, const SigOf& sig_of,
                            const Flips& f, EVP_PKEY* key, ra::TpmQuote* q) {
  ra::TpmQuoteCheckOptions opt;
  ra::TpmSignature sig;
  ASSERT_TRUE(sig_of(sig_bytes, &sig));
  for (size_t i = 0; i < attest.size(); i++) {
    Bytes a = attest;
    a[i] ^= f.attest_mask;
    ra::TpmQuote changed;
    if (!ra::ParseTpmQuote(a, &changed).ok()) continue;
    EXPECT_FALSE(ra::CheckTpmQuoteSignature(changed, sig, key, opt).ok()) << i;
  }
  ASSERT_TRUE(ra::ParseTpmQuote(attest, q).ok());
  for (size_t i = f.sig_first; i < sig_bytes.size(); i += f.sig_step) {
    Bytes s = sig_bytes;
    s[i] ^= f.sig_mask;
    ra::TpmSignature changed;
    ASSERT_TRUE(sig_of(s, &changed));
    EXPECT_EQ(ra::CheckTpmQuoteSignature(*q, changed, key, opt).check(), "tpm quote signature")
        << i;
  }
}

TEST(TpmQuote, Cos85OneByteChangesAreRefused) {
  Bytes ak_raw, cert_der;
  auto quotes = Cos85Quotes(&ak_raw, &cert_der);
  ra::TpmPublic ak;
  ASSERT_TRUE(ra::ParseTpmPublic(ak_raw, &ak).ok());
  const QuoteCase& c = quotes.at(1);
  ra::TpmQuoteCheckOptions opt;
  ra::TpmQuote q;
  ExpectEveryByteCovered(
      c.attest, c.signature,
      [](const Bytes& b, ra::TpmSignature* sig) { return ra::ParseTpmSignature(b, sig).ok(); },
      {0x01, 6, 17, 0x80}, ak.key.get(), &q);
  for (const auto& bank : c.pcrs)
    for (const auto& pcr : bank.second) {
      ra::TpmPcrValues pcrs = c.pcrs;
      pcrs[bank.first][pcr.first][5] ^= 0x01;
      EXPECT_EQ(ra::CheckTpmPcrDigest(q, pcrs, ra::kTpmAlgSha256, opt).check(),
                "tpm pcr digest");
    }
  // Values shifted by a byte between two PCRs concatenate to the same
  // bytes: refused by size.
  ra::TpmPcrValues shifted = c.pcrs;
  auto& bank = shifted.begin()->second;
  bank[1].push_back(bank[2].front());
  bank[2].erase(bank[2].begin());
  EXPECT_NE(ra::CheckTpmPcrDigest(q, shifted, ra::kTpmAlgSha256, opt).detail().find("is not"),
            std::string::npos);
  ra::TpmPcrValues extra = c.pcrs;
  extra[ra::kTpmAlgSha512][0] = Bytes(64, 0);
  EXPECT_EQ(ra::CheckTpmPcrDigest(q, extra, ra::kTpmAlgSha256, opt).detail(),
            "PCR 0 (sha512) given but not quoted");
  ra::TpmPcrValues missing = c.pcrs;
  missing.begin()->second.erase(7);
  EXPECT_EQ(ra::CheckTpmPcrDigest(q, missing, ra::kTpmAlgSha256, opt).check(), "tpm pcr digest");
}

TEST(TpmQuote, GoAttestationSha1QuoteNeedsSha1Allowed) {
  Json j = LoadJsonVector(kGoatt);
  ra::TpmPublic ak;
  ASSERT_TRUE(ra::ParseTpmPublic(B64(Str(Path(j.get(), {"AK", "Public"}))), &ak).ok());
  ra::TpmQuote q;
  ra::TpmSignature sig;
  ASSERT_TRUE(ra::ParseTpmQuote(B64(Str(Path(j.get(), {"Quote", "Quote"}))), &q).ok());
  ASSERT_TRUE(ra::ParseTpmSignature(B64(Str(Path(j.get(), {"Quote", "Signature"}))), &sig).ok());
  EXPECT_EQ(sig.hash_alg, ra::kTpmAlgSha1);
  ra::TpmPcrValues pcrs;
  const json_t* list = Path(j.get(), {"Log", "PCRs"});
  for (size_t i = 0; i < json_array_size(list); i++) {
    const json_t* e = json_array_get(list, i);
    ASSERT_EQ(json_integer_value(json_object_get(e, "DigestAlg")), 3);  // Go crypto.SHA1
    pcrs[ra::kTpmAlgSha1][static_cast<uint32_t>(json_integer_value(json_object_get(e, "Index")))] =
        B64(Str(json_object_get(e, "Digest")));
  }
  ra::TpmQuoteCheckOptions strict;
  EXPECT_EQ(ra::CheckTpmQuoteSignature(q, sig, ak.key.get(), strict).detail(), "SHA-1 not allowed");
  EXPECT_FALSE(ra::CheckTpmPcrDigest(q, pcrs, ra::kTpmAlgSha1, strict).ok());
  ra::TpmQuoteCheckOptions sha1;
  sha1.allow_sha1 = true;
  ra::Status s = ra::CheckTpmQuoteSignature(q, sig, ak.key.get(), sha1);
  EXPECT_TRUE(s.ok()) << s.message();
  s = ra::CheckTpmPcrDigest(q, pcrs, ra::kTpmAlgSha1, sha1);
  EXPECT_TRUE(s.ok()) << s.message();
}

// The Azure vTPM quote: signature (raw RSASSA-SHA256) by HCLAkPub from the
// HCL report's runtime JSON, pcrDigest over the 24 SHA-256 PCRs given.
struct AzureQuote {
  Bytes message, signature;
  std::vector<Bytes> pcrs;
  std::shared_ptr<EVP_PKEY> ak;
};

AzureQuote LoadAzure() {
  AzureQuote a;
  Json j = LoadJsonVector(kAzure);
  a.message = Hex(Str(Path(j.get(), {"tpm_quote", "message"})));
  a.signature = Hex(Str(Path(j.get(), {"tpm_quote", "signature"})));
  const json_t* list = Path(j.get(), {"tpm_quote", "pcrs"});
  for (size_t i = 0; i < json_array_size(list); i++) a.pcrs.push_back(Hex(Str(json_array_get(list, i))));
  ra::HclReport hcl;
  ra::AzureRuntimeData rt;
  EXPECT_TRUE(ra::ParseHclReport(ra_tdx_test::AzureEvidenceMember("hcl_report"), &hcl).ok());
  EXPECT_TRUE(ra::ParseAzureRuntimeJson(hcl.runtime_json, &rt).ok());
  Bytes n, e;
  EXPECT_TRUE(ra::Base64UrlDecode(rt.ak_pub_n, &n).ok());
  EXPECT_TRUE(ra::Base64UrlDecode(rt.ak_pub_e, &e).ok());
  EXPECT_TRUE(ra::RsaPublicKeyFromBytes(n, e, &a.ak).ok());
  return a;
}

ra::TpmPcrValues AzurePcrs(const AzureQuote& a, const ra::TpmQuote& q) {
  ra::TpmPcrValues pcrs;
  for (const auto& sel : q.pcr_select)
    for (uint32_t pcr : sel.pcrs)
      if (pcr < a.pcrs.size()) pcrs[sel.hash_alg][pcr] = a.pcrs[pcr];
  return pcrs;
}

TEST(TpmQuote, AzureVtpmQuoteVerifiesWithHclAkPub) {
  AzureQuote a = LoadAzure();
  ASSERT_TRUE(a.ak);
  ra::TpmQuote q;
  ASSERT_TRUE(ra::ParseTpmQuote(a.message, &q).ok());
  ASSERT_EQ(q.pcr_select.size(), 1u);
  EXPECT_EQ(q.pcr_select[0].hash_alg, ra::kTpmAlgSha256);
  EXPECT_EQ(q.pcr_select[0].pcrs.size(), 24u);
  ra::TpmSignature sig = ra::TpmRsaSignature(ra::kTpmAlgRsassa, ra::kTpmAlgSha256, a.signature);
  ra::TpmQuoteCheckOptions opt;
  ra::Status s = ra::CheckTpmQuoteSignature(q, sig, a.ak.get(), opt);
  EXPECT_TRUE(s.ok()) << s.message();
  ra::TpmPcrValues pcrs = AzurePcrs(a, q);
  s = ra::CheckTpmPcrDigest(q, pcrs, ra::kTpmAlgSha256, opt);
  EXPECT_TRUE(s.ok()) << s.message();
  // Not PSS, and not another key.
  ra::TpmSignature pss = ra::TpmRsaSignature(ra::kTpmAlgRsapss, ra::kTpmAlgSha256, a.signature);
  EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, pss, a.ak.get(), opt).ok());
  Bytes ak_raw, cert;
  Cos85Quotes(&ak_raw, &cert);
  ra::TpmPublic other;
  ASSERT_TRUE(ra::ParseTpmPublic(ak_raw, &other).ok());
  EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, sig, other.key.get(), opt).ok());
}

TEST(TpmQuote, AzureVtpmQuoteOneByteChangesAreRefused) {
  AzureQuote a = LoadAzure();
  ASSERT_TRUE(a.ak);
  ra::TpmQuoteCheckOptions opt;
  ra::TpmQuote q;
  ExpectEveryByteCovered(
      a.message, a.signature,
      [](const Bytes& b, ra::TpmSignature* sig) {
        *sig = ra::TpmRsaSignature(ra::kTpmAlgRsassa, ra::kTpmAlgSha256, b);
        return true;
      },
      {0x04, 0, 13, 0x01}, a.ak.get(), &q);
  for (size_t pcr = 0; pcr < a.pcrs.size(); pcr++) {
    AzureQuote b = a;
    b.pcrs[pcr][31] ^= 0x01;
    EXPECT_EQ(ra::CheckTpmPcrDigest(q, AzurePcrs(b, q), ra::kTpmAlgSha256, opt).check(),
              "tpm pcr digest") << pcr;
  }
}

TEST(TpmQuote, MalformedStructuresAreRefused) {
  Bytes ak_raw, cert;
  auto quotes = Cos85Quotes(&ak_raw, &cert);
  const Bytes& attest = quotes.at(0).attest;
  ra::TpmQuote q;
  for (size_t n = 0; n < attest.size(); n++)
    EXPECT_FALSE(ra::ParseTpmQuote(ra::ByteView(attest.data(), n), &q).ok()) << n;
  Bytes longer = attest;
  longer.push_back(0);
  EXPECT_EQ(ra::ParseTpmQuote(longer, &q).detail(), "1 trailing bytes");
  Bytes magic = attest;
  magic[0] = 0xfe;
  EXPECT_EQ(ra::ParseTpmQuote(magic, &q).check(), "tpm quote magic");
  Bytes type = attest;
  type[5] = 0x17;  // TPM_ST_ATTEST_CERTIFY
  EXPECT_FALSE(ra::ParseTpmQuote(type, &q).ok());

  const Bytes& sigb = quotes.at(0).signature;
  ra::TpmSignature sig;
  for (size_t n = 0; n < sigb.size(); n++)
    EXPECT_FALSE(ra::ParseTpmSignature(ra::ByteView(sigb.data(), n), &sig).ok()) << n;
  Bytes hmac = sigb;
  hmac[1] = 0x05;  // TPM_ALG_HMAC
  EXPECT_FALSE(ra::ParseTpmSignature(hmac, &sig).ok());
  Bytes sm3 = sigb;
  sm3[3] = 0x12;  // SM3_256
  EXPECT_FALSE(ra::ParseTpmSignature(sm3, &sig).ok());

  ra::TpmPublic pub;
  for (size_t n = 0; n < ak_raw.size(); n++)
    EXPECT_FALSE(ra::ParseTpmPublic(ra::ByteView(ak_raw.data(), n), &pub).ok()) << n;
  Bytes two_b = {static_cast<uint8_t>(ak_raw.size() >> 8), static_cast<uint8_t>(ak_raw.size())};
  two_b.insert(two_b.end(), ak_raw.begin(), ak_raw.end());
  EXPECT_TRUE(ra::ParseTpm2bPublic(two_b, &pub).ok());
  two_b[1] ^= 1;
  EXPECT_FALSE(ra::ParseTpm2bPublic(two_b, &pub).ok());
  Bytes keyed = ak_raw;
  keyed[1] = 0x08;  // TPM_ALG_KEYEDHASH
  EXPECT_FALSE(ra::ParseTpmPublic(keyed, &pub).ok());
}

TEST(TpmQuote, EccKeyAndSignature) {
  // An ECDSA P-256 AK made here: its TPMT_PUBLIC, and a TPMT_SIGNATURE
  // over a quote, built as a TPM lays them out.
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  size_t plen = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key, "pub", nullptr, 0, &plen), 1);
  Bytes point(plen);
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key, "pub", point.data(), plen, &plen), 1);
  ASSERT_EQ(plen, 65u);
  Bytes pub = {0x00, 0x23, 0x00, 0x0b, 0x00, 0x05, 0x00, 0x72, 0x00, 0x00,  // ecc, sha256, attrs, no policy
               0x00, 0x10,  // symmetric NULL
               0x00, 0x18, 0x00, 0x0b,  // ECDSA-SHA256
               0x00, 0x03, 0x00, 0x10,  // P-256, kdf NULL
               0x00, 0x20};
  pub.insert(pub.end(), point.begin() + 1, point.begin() + 33);
  pub.insert(pub.end(), {0x00, 0x20});
  pub.insert(pub.end(), point.begin() + 33, point.end());
  ra::TpmPublic ak;
  ra::Status st = ra::ParseTpmPublic(pub, &ak);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(ak.curve, ra::kTpmEccNistP256);
  EXPECT_EQ(ak.scheme, ra::kTpmAlgEcdsa);
  EXPECT_EQ(EVP_PKEY_eq(ak.key.get(), key), 1);
  Bytes bad_point = pub;
  bad_point[30] ^= 1;
  EXPECT_FALSE(ra::ParseTpmPublic(bad_point, &ak).ok());
  ASSERT_TRUE(ra::ParseTpmPublic(pub, &ak).ok());

  Bytes ak_raw, cert;
  ra::TpmQuote q;
  ASSERT_TRUE(ra::ParseTpmQuote(Cos85Quotes(&ak_raw, &cert).at(1).attest, &q).ok());
  size_t siglen = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  Bytes der(128);
  siglen = der.size();
  ASSERT_EQ(EVP_DigestSign(ctx, der.data(), &siglen, q.raw.data(), q.raw.size()), 1);
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der.data();
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(siglen));
  ASSERT_NE(es, nullptr);
  Bytes r(32), s(32);
  BN_bn2binpad(ECDSA_SIG_get0_r(es), r.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), s.data(), 32);
  ECDSA_SIG_free(es);
  Bytes tsig = {0x00, 0x18, 0x00, 0x0b, 0x00, 0x20};
  tsig.insert(tsig.end(), r.begin(), r.end());
  tsig.insert(tsig.end(), {0x00, 0x20});
  tsig.insert(tsig.end(), s.begin(), s.end());
  ra::TpmSignature sig;
  ASSERT_TRUE(ra::ParseTpmSignature(tsig, &sig).ok());
  ra::TpmQuoteCheckOptions opt;
  st = ra::CheckTpmQuoteSignature(q, sig, ak.key.get(), opt);
  EXPECT_TRUE(st.ok()) << st.message();
  tsig[10] ^= 1;
  ASSERT_TRUE(ra::ParseTpmSignature(tsig, &sig).ok());
  EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, sig, ak.key.get(), opt).ok());
  // An ECDSA signature checked with an RSA key is refused by type.
  Bytes rsa_raw;
  ra::TpmPublic rsa;
  Cos85Quotes(&rsa_raw, &cert);
  ASSERT_TRUE(ra::ParseTpmPublic(rsa_raw, &rsa).ok());
  EXPECT_EQ(ra::CheckTpmQuoteSignature(q, sig, rsa.key.get(), opt).detail(),
            "key type does not match the signature algorithm");
  EVP_PKEY_free(key);
}

// Signatures other TPMs make: ECDSA P-384 with SHA-384 (r and s as TPM2B,
// a leading zero byte dropped or not), RSASSA-PSS with the salt as long as
// the key allows (TPM 2.0 Part 1, B.7) or, as FIPS-mode TPMs make it, the
// digest size, with SHA-256 or SHA-384.
TEST(TpmQuote, EcdsaP384AndRsaPssSignaturesVerify) {
  Bytes ak_raw, cert;
  ra::TpmQuote q;
  ASSERT_TRUE(ra::ParseTpmQuote(Cos85Quotes(&ak_raw, &cert).at(2).attest, &q).ok());
  ra::TpmQuoteCheckOptions opt;
  auto sign = [&](EVP_PKEY* key, const EVP_MD* md, int pss_salt) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, md, nullptr, key), 1);
    if (pss_salt != 0) {
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt), 1);
    }
    size_t n = 0;
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &n, q.raw.data(), q.raw.size()), 1);
    Bytes sig(n);
    EXPECT_EQ(EVP_DigestSign(ctx, sig.data(), &n, q.raw.data(), q.raw.size()), 1);
    sig.resize(n);
    EVP_MD_CTX_free(ctx);
    return sig;
  };
  // ECDSA P-384 / SHA-384.
  EVP_PKEY* ec = EVP_EC_gen("P-384");
  ASSERT_NE(ec, nullptr);
  for (int attempt = 0; attempt < 4; attempt++) {
    Bytes der = sign(ec, EVP_sha384(), 0);
    const unsigned char* p = der.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    ASSERT_NE(es, nullptr);
    // Minimal-length r and s, as some TPMs give them.
    Bytes r(static_cast<size_t>(BN_num_bytes(ECDSA_SIG_get0_r(es))));
    Bytes s(static_cast<size_t>(BN_num_bytes(ECDSA_SIG_get0_s(es))));
    BN_bn2bin(ECDSA_SIG_get0_r(es), r.data());
    BN_bn2bin(ECDSA_SIG_get0_s(es), s.data());
    ECDSA_SIG_free(es);
    Bytes tsig = {0x00, 0x18, 0x00, 0x0c, 0x00, static_cast<uint8_t>(r.size())};
    tsig.insert(tsig.end(), r.begin(), r.end());
    tsig.insert(tsig.end(), {0x00, static_cast<uint8_t>(s.size())});
    tsig.insert(tsig.end(), s.begin(), s.end());
    ra::TpmSignature sig;
    ra::Status st = ra::ParseTpmSignature(tsig, &sig);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(sig.hash_alg, ra::kTpmAlgSha384);
    st = ra::CheckTpmQuoteSignature(q, sig, ec, opt);
    EXPECT_TRUE(st.ok()) << st.message();
    sig.ecc_s.back() ^= 1;
    EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, sig, ec, opt).ok());
  }
  EVP_PKEY_free(ec);
  // RSASSA-PSS, both salt lengths, SHA-256 and SHA-384.
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  ASSERT_NE(rsa, nullptr);
  for (uint16_t alg : {ra::kTpmAlgSha256, ra::kTpmAlgSha384}) {
    const EVP_MD* md = ra::TpmHashMd(alg);
    for (int salt : {RSA_PSS_SALTLEN_MAX, RSA_PSS_SALTLEN_DIGEST}) {
      Bytes raw = sign(rsa, md, salt);
      Bytes tsig = {0x00, 0x16, 0x00, static_cast<uint8_t>(alg), 0x01, 0x00};
      tsig.insert(tsig.end(), raw.begin(), raw.end());
      ra::TpmSignature sig;
      ASSERT_TRUE(ra::ParseTpmSignature(tsig, &sig).ok());
      EXPECT_EQ(sig.sig_alg, ra::kTpmAlgRsapss);
      ra::Status st = ra::CheckTpmQuoteSignature(q, sig, rsa, opt);
      EXPECT_TRUE(st.ok()) << alg << " " << salt << ": " << st.message();
      // The same bytes as RSASSA, or under the other hash, do not verify.
      ra::TpmSignature ssa = sig;
      ssa.sig_alg = ra::kTpmAlgRsassa;
      EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, ssa, rsa, opt).ok());
      ra::TpmSignature other = sig;
      other.hash_alg = alg == ra::kTpmAlgSha256 ? ra::kTpmAlgSha384 : ra::kTpmAlgSha256;
      EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, other, rsa, opt).ok());
    }
  }
  EVP_PKEY_free(rsa);
}

TEST(TpmPcrs, JsonRoundTripAndRefusals) {
  std::string h20(40, 'a'), h32(64, 'b');
  ra::TpmPcrValues pcrs;
  ra::Status s = ra::ParseTpmPcrsJson(
      "{\"sha1\":{\"0\":\"" + h20 + "\",\"23\":\"" + h20 + "\"},\"sha256\":{\"7\":\"" + h32 + "\"}}", &pcrs);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(pcrs[ra::kTpmAlgSha1].size(), 2u);
  EXPECT_EQ(pcrs[ra::kTpmAlgSha256][7].size(), 32u);
  ra::TpmPcrValues again;
  ASSERT_TRUE(ra::ParseTpmPcrsJson(ra::TpmPcrsToJson(pcrs), &again).ok());
  EXPECT_EQ(again, pcrs);
  const std::vector<std::string> bad = {
      "", "[]", "{\"sha1\":[]}", "{\"md5\":{}}", "{\"SHA256\":{}}",
      "{\"sha1\":{\"0\":\"" + h32 + "\"}}",             // wrong length
      "{\"sha1\":{\"0\":\"" + h20 + "\",\"0\":\"" + h20 + "\"}}",  // duplicate PCR
      "{\"sha1\":{},\"sha1\":{}}",                       // duplicate bank
      "{\"sha1\":{\"32\":\"" + h20 + "\"}}", "{\"sha1\":{\"07\":\"" + h20 + "\"}}",
      "{\"sha1\":{\"-1\":\"" + h20 + "\"}}", "{\"sha1\":{\"\":\"" + h20 + "\"}}",
      "{\"sha1\":{\"1\":\"" + std::string(39, 'a') + "g\"}}", "{\"sha1\":{\"1\":5}}",
      "{\"sha1\":{}} x", std::string(ra::kMaxTpmPcrsJsonLen + 1, ' ')};
  for (const auto& t : bad) {
    ra::TpmPcrValues out;
    EXPECT_EQ(ra::ParseTpmPcrsJson(t, &out).check(), "tpm pcrs format") << t;
  }
}

}  // namespace
