// TCB status from Intel's collateral.  Intel's own signatures are checked
// on every collateral file; the full pipeline runs end to end where the
// vectors allow (2023-06: SPR quote, whose platform Intel's TCB info does
// not support).  The TCB Signing certificate in the vectors expired on
// 2025-05-21, so for the 2025 collateral the end-to-end tests re-sign
// Intel's exact TCB info / QE identity text with a test "Intel SGX TCB
// Signing" certificate under a test root that the policy names beside the
// real Intel root.
#include <gtest/gtest.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "common/bytes_util.h"
#include "parse/pck_extensions.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "policy/tdx_policy.h"
#include "tdx_test_vectors.h"
#include "verify/tdx_quote_verifier.h"
#include "verify/tdx_tcb.h"
#include "verify/x509_util.h"

namespace ra {
namespace {

using ra_tdx_test::ReadVector;
using ra_tdx_test::ScratchDir;
using ra_tdx_test::ToString;
using ra_tdx_test::Utc;
using ra_tdx_test::VectorPath;

const char kCol[] = "tdx/collateral/";
const std::time_t k2023 = Utc(2023, 6, 20);
// Inside tcbinfo_tdx_00806f050000_2025-09 (to 10-29 18:04) and
// qeidentity_td_qe_2025-10 (from 10-28 06:45), and the _2025-10 TCB info.
const std::time_t k2025 = Utc(2025, 10, 28, 12, 0);

std::string Col(const std::string& name) {
  return ToString(ReadVector(std::string(kCol) + name));
}

std::string Claim(const VerifiedClaims& c, const std::string& k) {
  for (const auto& f : c.fields)
    if (f.first == k) return f.second;
  return "<absent>";
}

struct Parsed {
  TdxQuote q;
  PckExtensions pck;
};
Parsed ParseVector(const std::string& file) {
  Parsed p;
  Bytes raw = ReadVector(file);
  EXPECT_TRUE(ParseTdxQuote(raw, &p.q).ok());
  EXPECT_TRUE(PckExtensionsFromPem(p.q.pck_chain_pem, &p.pck).ok());
  return p;
}

// The signed body `member` of a collateral vector, parsed by `parse`.
template <typename T>
T CollateralOf(const std::string& name, const char* member,
               Status (*parse)(const std::string&, T*)) {
  std::string body;
  Bytes sig;
  T t;
  Status s = ExtractSignedCollateral(Col(name), member, &body, &sig);
  EXPECT_TRUE(s.ok()) << s.message();
  s = parse(body, &t);
  EXPECT_TRUE(s.ok()) << s.message();
  return t;
}
TdxTcbInfo TcbInfoOf(const std::string& name) {
  return CollateralOf<TdxTcbInfo>(name, "tcbInfo", ParseTdxTcbInfo);
}
QeIdentity QeOf(const std::string& name) {
  return CollateralOf<QeIdentity>(name, "enclaveIdentity", ParseQeIdentity);
}

// Intel's signatures over the raw text of every collateral file verify
// with the TCB Signing key: the signed-bytes extraction is exact.
TEST(TdxTcb, IntelCollateralSignaturesVerifyOverRawText) {
  std::vector<X509Ptr> chain;
  ASSERT_TRUE(LoadPemCertFile(VectorPath(std::string(kCol) +
                                         "tcb_signing_chain.pem"),
                              &chain)
                  .ok());
  EvpPkeyPtr key;
  ASSERT_TRUE(P256KeyOfCert(chain[0].get(), "k", &key).ok());
  const char* files[] = {
      "tcbinfo_tdx_00806f050000_2025-09.json",
      "tcbinfo_tdx_00a06d080000_2025-10.json",
      "tcbinfo_tdx_50806f000000_2023-06.json",
      "tcbinfo_tdx_50806f000000_2025-09.json",
      "tcbinfo_tdx_90c06f000000_2025-09.json",
      "tcbinfo_tdx_90c06f000000_2026-02.json",
      "tcbinfo_tdx_b0c06f000000_2025-09.json",
      "qeidentity_td_qe_2023-06.json",
      "qeidentity_td_qe_2025-10.json",
  };
  for (const char* f : files) {
    SCOPED_TRACE(f);
    bool tcb = strncmp(f, "tcbinfo", 7) == 0;
    std::string body;
    Bytes sig;
    Status s = ExtractSignedCollateral(Col(f), tcb ? "tcbInfo" : "enclaveIdentity",
                                       &body, &sig);
    ASSERT_TRUE(s.ok()) << s.message();
    s = VerifyEcdsaP256Raw(key.get(),
                           ByteView(reinterpret_cast<const uint8_t*>(body.data()),
                                    body.size()),
                           sig, "sig");
    EXPECT_TRUE(s.ok()) << s.message();
    if (tcb) {
      TdxTcbInfo t;
      s = ParseTdxTcbInfo(body, &t);
      EXPECT_TRUE(s.ok()) << s.message();
    } else {
      QeIdentity q;
      s = ParseQeIdentity(body, &q);
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }
}

// The status computation itself, on Intel's real TCB info, by hand-checked
// expectations (tcbLevels of each file vs. the quote's PCK TCB and
// TEE_TCB_SVN).
TEST(TdxTcb, StatusOfRealPlatforms) {
  QeIdentity qe = QeOf("qeidentity_td_qe_2025-10.json");
  struct Case {
    const char* quote;
    const char* tcbinfo;
    const char* want;  // "" = not supported
  } cases[] = {
      // PCK TCB 07 07 02 02 03 01 00 03, PCESVN 11, TEE_TCB_SVN 04 01 07:
      // first level; module TDX_01 SVN 4 UpToDate; QE SVN 6 UpToDate.
      {"tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat",
       "tcbinfo_tdx_00806f050000_2025-09.json", "UpToDate"},
      // PCESVN 11 < 13 skips the first level; the PCESVN-5 level is OutOfDate.
      {"tdx/trustee_tdx_quote_6_v4.dat", "tcbinfo_tdx_00a06d080000_2025-10.json",
       "OutOfDate"},
      {"tdx/gotdx_quote_v5_EMR.dat", "tcbinfo_tdx_90c06f000000_2026-02.json",
       "UpToDate"},
      // SGX components 03 03 < 05 05 of every level: not supported.
      {"tdx/gotdx_quote_v4_SPR_E4.dat", "tcbinfo_tdx_50806f000000_2023-06.json",
       ""},
      {"tdx/trustee_tdx_quote_5_v5.dat", "tcbinfo_tdx_90c06f000000_2025-09.json",
       ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.quote);
    Parsed p = ParseVector(c.quote);
    TdxTcbInfo info = TcbInfoOf(c.tcbinfo);
    EXPECT_EQ(info.fmspc, p.pck.fmspc);
    std::string status;
    Status s = ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &status);
    if (*c.want) {
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(status, c.want);
    } else {
      EXPECT_EQ(s.check(), "tcb status");
      EXPECT_NE(s.detail().find("not supported"), std::string::npos)
          << s.message();
    }
  }
}

TEST(TdxTcb, ComponentStatusesConverge) {
  Parsed p = ParseVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  TdxTcbInfo info = TcbInfoOf("tcbinfo_tdx_00806f050000_2025-09.json");
  QeIdentity qe = QeOf("qeidentity_td_qe_2025-10.json");
  std::string st;
  // QE below the newest level: OutOfDate pulls UpToDate down.
  qe.levels = {{99, "UpToDate"}, {0, "OutOfDate"}};
  ASSERT_TRUE(ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &st).ok());
  EXPECT_EQ(st, "OutOfDate");
  info.levels[0].status = "ConfigurationNeeded";
  ASSERT_TRUE(ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &st).ok());
  EXPECT_EQ(st, "OutOfDateConfigurationNeeded");
  info.levels[0].status = "SWHardeningNeeded";
  ASSERT_TRUE(ComputeTdxTcbStatus(p.q, p.pck, info, nullptr, &st).ok());
  EXPECT_EQ(st, "SWHardeningNeeded");
  qe.levels = {{0, "Revoked"}};
  ASSERT_TRUE(ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &st).ok());
  EXPECT_EQ(st, "Revoked");
  // QE SVN below every level: not supported.
  qe.levels = {{99, "UpToDate"}};
  EXPECT_FALSE(ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &st).ok());
  // The TDX module (major version 1 -> TDX_01): its SVN 4 against levels.
  info = TcbInfoOf("tcbinfo_tdx_00806f050000_2025-09.json");
  for (auto& m : info.module_identities)
    if (m.id == "TDX_01") m.levels = {{9, "UpToDate"}, {0, "OutOfDate"}};
  ASSERT_TRUE(ComputeTdxTcbStatus(p.q, p.pck, info, nullptr, &st).ok());
  EXPECT_EQ(st, "OutOfDate");
  // No identity for the module's version: not supported.
  info.module_identities.clear();
  EXPECT_FALSE(ComputeTdxTcbStatus(p.q, p.pck, info, nullptr, &st).ok());
  // A module signer other than Intel's listed one: mismatch.
  info = TcbInfoOf("tcbinfo_tdx_00806f050000_2025-09.json");
  p.q.body.mr_signer_seam[0] = 1;
  Status s = ComputeTdxTcbStatus(p.q, p.pck, info, nullptr, &st);
  EXPECT_NE(s.detail().find("TDX module mismatch"), std::string::npos)
      << s.message();
}

// Intel's matching walks the levels highest first; a document that lists
// them in another order (the platform's, the TDX module's, the QE's) gives
// the same status (before: the first level in file order that the
// platform reached, here the lowest, OutOfDate).
TEST(TdxTcb, LevelsAreMatchedHighestFirstWhateverTheirOrder) {
  Parsed p = ParseVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  // extra: a level put first (Intel's TD QE identities have one level).
  auto reversed = [](const std::string& text, const char* member, const char* inner,
                     json_t* extra = nullptr) {
    std::string body;
    Bytes sig;
    EXPECT_TRUE(ExtractSignedCollateral(text, member, &body, &sig).ok());
    json_error_t err;
    json_t* j = json_loadb(body.data(), body.size(), 0, &err);
    EXPECT_NE(j, nullptr);
    auto reverse = [](json_t* arr) {
      for (size_t i = 0, n = json_array_size(arr); i < n / 2; i++) {
        json_t* a = json_incref(json_array_get(arr, i));
        json_array_set(arr, i, json_array_get(arr, n - 1 - i));
        json_array_set_new(arr, n - 1 - i, a);
      }
    };
    reverse(json_object_get(j, "tcbLevels"));
    if (extra) json_array_insert_new(json_object_get(j, "tcbLevels"), 0, extra);
    json_t* ids = json_object_get(j, inner);
    for (size_t i = 0; i < json_array_size(ids); i++)
      reverse(json_object_get(json_array_get(ids, i), "tcbLevels"));
    char* out = json_dumps(j, JSON_COMPACT);
    std::string r(out);
    free(out);
    json_decref(j);
    return r;
  };
  TdxTcbInfo info;
  Status s = ParseTdxTcbInfo(
      reversed(Col("tcbinfo_tdx_00806f050000_2025-09.json"), "tcbInfo", "tdxModuleIdentities"),
      &info);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(info.levels.size(), TcbInfoOf("tcbinfo_tdx_00806f050000_2025-09.json").levels.size());
  EXPECT_EQ(info.levels.front().status, "UpToDate");
  QeIdentity qe;
  s = ParseQeIdentity(reversed(Col("qeidentity_td_qe_2025-10.json"), "enclaveIdentity", "-",
                               json_pack("{s:{s:i},s:s,s:s}", "tcb", "isvsvn", 2, "tcbDate",
                                         "2023-02-15T00:00:00Z", "tcbStatus", "OutOfDate")),
                      &qe);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_GT(qe.levels.size(), 1u);
  EXPECT_GT(qe.levels.front().first, qe.levels.back().first);
  std::string st;
  s = ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &st);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(st, "UpToDate");
}

// TD 1.5 after a TD-preserving module update: TEE_TCB_SVN (the module the
// TD was launched on) is OutOfDate, TEE_TCB_SVN2 (the one it runs on)
// reaches the newest level: Intel's QVL says TDRelaunchAdvised (we said
// OutOfDate).  Real EMR v5 quote (TDX_01, SVN2 0d 01 04) and its TCB info,
// whose TDX_01 levels are 6 UpToDate, 4 and 2 OutOfDate.
TEST(TdxTcb, TdRelaunchAdvisedForAnUpdatedModule) {
  Parsed p = ParseVector("tdx/gotdx_quote_v5_EMR.dat");
  ASSERT_EQ(p.q.body_type, kTdxBodyTypeTdx15);
  TdxTcbInfo info = TcbInfoOf("tcbinfo_tdx_90c06f000000_2026-02.json");
  QeIdentity qe = QeOf("qeidentity_td_qe_2025-10.json");
  std::string st;
  ASSERT_TRUE(ComputeTdxTcbStatus(p.q, p.pck, info, &qe, &st).ok());
  EXPECT_EQ(st, "UpToDate");
  TdxQuote launched_old = p.q;
  launched_old.body.tee_tcb_svn[0] = 5;  // launched on module SVN 5: OutOfDate
  Status s = ComputeTdxTcbStatus(launched_old, p.pck, info, &qe, &st);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(st, "TDRelaunchAdvised");
  ASSERT_TRUE(ComputeTdxTcbStatus(launched_old, p.pck, info, nullptr, &st).ok());
  EXPECT_EQ(st, "TDRelaunchAdvised");
  // A platform level that needs configuration says so.
  TdxTcbInfo config = info;
  for (auto& L : config.levels) L.status = "ConfigurationNeeded";
  ASSERT_TRUE(ComputeTdxTcbStatus(launched_old, p.pck, config, &qe, &st).ok());
  EXPECT_EQ(st, "TDRelaunchAdvisedConfigurationNeeded");
  // Not when the current module is old too, nor for a TD 1.0 body (no
  // SVN2), nor when the QE is out of date (relaunching would not help).
  TdxQuote still_old = launched_old;
  still_old.body.tee_tcb_svn2[0] = 5;
  ASSERT_TRUE(ComputeTdxTcbStatus(still_old, p.pck, info, &qe, &st).ok());
  EXPECT_EQ(st, "OutOfDate");
  TdxQuote v10 = launched_old;
  v10.body_type = kTdxBodyTypeTdx10;
  ASSERT_TRUE(ComputeTdxTcbStatus(v10, p.pck, info, &qe, &st).ok());
  EXPECT_EQ(st, "OutOfDate");
  QeIdentity old_qe = qe;
  old_qe.levels = {{99, "UpToDate"}, {0, "OutOfDate"}};
  ASSERT_TRUE(ComputeTdxTcbStatus(launched_old, p.pck, info, &old_qe, &st).ok());
  EXPECT_EQ(st, "OutOfDate");
  // The policy: named, or accepted wherever OutOfDate is.
  TdxClaims c;
  c.tcb_evaluated = true;
  c.tcb_status = "TDRelaunchAdvised";
  c.body = p.q.body;
  Policy strict;
  ASSERT_TRUE(ParsePolicy("AllowedTcbStatus UpToDate\n", "t", &strict).ok());
  EXPECT_EQ(AppraiseTdxClaims(c, strict).check(), "tcb status");
  for (const char* allow : {"UpToDate,TDRelaunchAdvised", "UpToDate,OutOfDate"}) {
    Policy p2;
    ASSERT_TRUE(ParsePolicy(std::string("AllowedTcbStatus ") + allow + "\n", "t", &p2).ok());
    Status a = AppraiseTdxClaims(c, p2);
    EXPECT_TRUE(a.ok()) << allow << ": " << a.message();
  }
}

// ---- Collateral directories ----

std::string Dir2023(ScratchDir* d) {
  for (const char* f :
       {"tcbinfo_tdx_50806f000000_2023-06.json", "qeidentity_td_qe_2023-06.json",
        "tcb_signing_chain.pem", "pckcrl_platform_2023-06.der",
        "rootca_crl_2023-04.der"})
    d->Link(std::string(kCol) + f);
  return d->path();
}

Policy AllowAll(const std::string& dir) {
  Policy p;
  p.collateral_dir = dir;
  p.allowed_tcb_status = {"UpToDate",
                          "SWHardeningNeeded",
                          "ConfigurationNeeded",
                          "ConfigurationAndSWHardeningNeeded",
                          "OutOfDate",
                          "OutOfDateConfigurationNeeded",
                          "Revoked"};
  return p;
}

// All Intel-signed, with CRLs: the chain, both CRLs, both collateral
// signatures and the QE identity pass; Intel's TCB info then has no level
// for this (early) platform, which DCAP reports as TCB not supported.
TEST(TdxTcb, EndToEndIntelSigned2023) {
  ScratchDir d;
  Policy p = AllowAll(Dir2023(&d));
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  VerifiedClaims c;
  Status s = VerifyTdxQuote(raw, nullptr, p, k2023, &c);
  EXPECT_EQ(s.check(), "tcb status") << s.message();
  EXPECT_NE(s.detail().find("not supported"), std::string::npos);
}

TEST(TdxTcb, WrongCollateralSignatureRefused) {
  std::string tcb = Col("tcbinfo_tdx_50806f000000_2023-06.json");
  std::string qe = Col("qeidentity_td_qe_2023-06.json");
  Bytes raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  auto flip_sig = [](std::string t) {
    size_t at = t.find("\"signature\":\"") + 13;
    t[at] = t[at] == '0' ? '1' : '0';
    return t;
  };
  struct Case {
    std::string tcb, qe, want;
  } cases[] = {
      {flip_sig(tcb), qe, "tcb info signature"},
      {tcb, flip_sig(qe), "qe identity signature"},
      // The signed text changed (one more space inside the signed value).
      {std::string(tcb).insert(tcb.find("\"version\""), " "), qe,
       "tcb info signature"},
      {tcb, std::string(qe).insert(qe.find("\"version\""), " "),
       "qe identity signature"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    ScratchDir d;
    d.Write("tcbinfo_x.json", c.tcb);
    d.Write("qeidentity_x.json", c.qe);
    d.Link(std::string(kCol) + "tcb_signing_chain.pem");
    Policy p = AllowAll(d.path());
    p.check_revocation = false;  // about signatures: no CRLs in the directory
    Status s = VerifyTdxQuote(raw, nullptr, p, k2023, nullptr);
    EXPECT_EQ(s.check().substr(0, c.want.size()), c.want) << s.message();
  }
}

TEST(TdxTcb, ExpiredTcbSigningCertificateRefused) {
  // Intel's 2025 collateral with the vectors' TCB Signing certificate,
  // which expired on 2025-05-21: refused, not silently accepted.
  ScratchDir d;
  for (const char* f : {"tcbinfo_tdx_00806f050000_2025-09.json",
                        "qeidentity_td_qe_2025-10.json", "tcb_signing_chain.pem"})
    d.Link(std::string(kCol) + f);
  Bytes raw = ReadVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  Policy p = AllowAll(d.path());
  p.check_revocation = false;  // no CRLs here: the signing chain is the point
  Status s = VerifyTdxQuote(raw, nullptr, p, k2025, nullptr);
  EXPECT_EQ(s.check(), "tcb signing chain") << s.message();
  EXPECT_NE(s.detail().find("expired"), std::string::npos) << s.message();
}

TEST(TdxTcb, ExpiredCrlRefused) {
  // Intel's 2023 CRLs at a 2025 verification time: expired, refused (not
  // skipped), whatever else the directory holds.
  ScratchDir d;
  for (const char* f : {"tcbinfo_tdx_00806f050000_2025-09.json", "qeidentity_td_qe_2025-10.json",
                        "tcb_signing_chain.pem", "pckcrl_platform_2023-06.der",
                        "rootca_crl_2023-04.der"})
    d.Link(std::string(kCol) + f);
  Bytes raw = ReadVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  Status s = VerifyTdxQuote(raw, nullptr, AllowAll(d.path()), k2025, nullptr);
  EXPECT_NE(s.check().find("crl"), std::string::npos) << s.message();
  EXPECT_NE(s.detail().find("expired"), std::string::npos) << s.message();
  // Only the root CRL: the PCK CA CRL is missing, which is refused too.
  ScratchDir d2;
  for (const char* f : {"tcbinfo_tdx_50806f000000_2023-06.json", "qeidentity_td_qe_2023-06.json",
                        "tcb_signing_chain.pem", "rootca_crl_2023-04.der"})
    d2.Link(std::string(kCol) + f);
  raw = ReadVector("tdx/gotdx_quote_v4_SPR_E4.dat");
  s = VerifyTdxQuote(raw, nullptr, AllowAll(d2.path()), k2023, nullptr);
  EXPECT_EQ(s.check(), "crl") << s.message();
  EXPECT_NE(s.detail().find("PCK CA CRL"), std::string::npos) << s.message();
}

// ---- A stand-in TCB signer for the 2025 collateral ----

struct TestSigner {
  EvpPkeyPtr root_key, signing_key;
  X509Ptr root, signing;
};

X509Ptr MakeCert(EVP_PKEY* subject_key, const char* cn, X509* issuer,
                 EVP_PKEY* issuer_key, bool ca) {
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ca ? 1 : 2);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600L * 24 * 365 * 10);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365 * 20);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1,
                             0);
  X509_set_issuer_name(x.get(),
                       issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(x.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  const char* bc = ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  const char* ku = ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature";
  for (auto [nid, val] : {std::pair<int, const char*>{NID_basic_constraints, bc},
                          {NID_key_usage, ku},
                          {NID_subject_key_identifier, "hash"},
                          {NID_authority_key_identifier, "keyid:always"}}) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, val);
    if (e) {
      X509_add_ext(x.get(), e, -1);
      X509_EXTENSION_free(e);
    }
  }
  X509_sign(x.get(), issuer_key, EVP_sha256());
  return x;
}

TestSigner MakeSigner(const char* signer_cn = "Intel SGX TCB Signing") {
  TestSigner t;
  t.root_key.reset(EVP_EC_gen("P-256"));
  t.signing_key.reset(EVP_EC_gen("P-256"));
  t.root = MakeCert(t.root_key.get(), "ra-ssh test collateral root", nullptr,
                    t.root_key.get(), true);
  t.signing = MakeCert(t.signing_key.get(), signer_cn, t.root.get(),
                       t.root_key.get(), false);
  return t;
}

// Intel's format: hex of r || s over the exact signed text.
std::string SignHex(EVP_PKEY* key, const std::string& text) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(md, nullptr, &len,
                 reinterpret_cast<const unsigned char*>(text.data()),
                 text.size());
  std::vector<unsigned char> der(len);
  EVP_DigestSign(md, der.data(), &len,
                 reinterpret_cast<const unsigned char*>(text.data()),
                 text.size());
  EVP_MD_CTX_free(md);
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  uint8_t rs[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32);
  ECDSA_SIG_free(sig);
  return HexEncode(ByteView(rs, 64));
}

// Intel's exact signed text, re-signed by the test signer.
std::string Resign(const std::string& file, const char* key,
                   const TestSigner& t,
                   const std::string& replace_from = "",
                   const std::string& replace_to = "") {
  std::string body;
  Bytes sig;
  EXPECT_TRUE(ExtractSignedCollateral(Col(file), key, &body, &sig).ok());
  if (!replace_from.empty()) {
    size_t at = body.find(replace_from);
    EXPECT_NE(at, std::string::npos);
    body.replace(at, replace_from.size(), replace_to);
  }
  return std::string("{\"") + key + "\":" + body + ",\"signature\":\"" +
         SignHex(t.signing_key.get(), body) + "\"}";
}

struct SignedDir {
  ScratchDir dir;
  Policy policy;
};

void Setup2025(SignedDir* sd, const TestSigner& t, const std::string& qe_text) {
  sd->dir.Write("tcbinfo_tdx_00806f050000.json",
                Resign("tcbinfo_tdx_00806f050000_2025-09.json", "tcbInfo", t));
  sd->dir.Write("tcbinfo_tdx_00a06d080000.json",
                Resign("tcbinfo_tdx_00a06d080000_2025-10.json", "tcbInfo", t));
  sd->dir.Write("qeidentity_td_qe.json", qe_text);
  sd->dir.Write("tcb_signing_chain.pem",
                ra_test::CertPem(t.signing.get()) + ra_test::CertPem(t.root.get()));
  // Anchors: the real Intel root (PCK chains) and the test collateral root.
  sd->dir.Write("anchors.pem", ToString(ReadVector("roots/Intel_SGX_Root_CA.pem")) +
                                   "\n" + ra_test::CertPem(t.root.get()));
  sd->policy.collateral_dir = sd->dir.path();
  // The stand-in signer has no CRLs to sign with: revocation is not
  // checked (a directory without CRLs is refused otherwise).
  sd->policy.check_revocation = false;
  sd->policy.tdx_trust_anchor = sd->dir.path() + "/anchors.pem";
}

TEST(TdxTcb, EndToEnd2025WithStandInSigner) {
  TestSigner t = MakeSigner();
  SignedDir sd;
  Setup2025(&sd, t, Resign("qeidentity_td_qe_2025-10.json", "enclaveIdentity", t));

  Bytes gcp = ReadVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  VerifiedClaims c;
  Status s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Claim(c, "tcb_status"), "UpToDate");
  EXPECT_EQ(Claim(c, "fmspc"), "00806f050000");

  // OutOfDate is refused by the default AllowedTcbStatus (UpToDate)...
  Bytes t6 = ReadVector("tdx/trustee_tdx_quote_6_v4.dat");
  s = VerifyTdxQuote(t6, nullptr, sd.policy, k2025, &c);
  EXPECT_EQ(s.message(), "tcb status: OutOfDate not in AllowedTcbStatus");
  // ...and accepted when the policy allows it.
  sd.policy.allowed_tcb_status.push_back("OutOfDate");
  s = VerifyTdxQuote(t6, nullptr, sd.policy, k2025, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Claim(c, "tcb_status"), "OutOfDate");

  // A platform without TCB info in the directory.
  Bytes emr = ReadVector("tdx/trustee_tdx_quote_5_v5.dat");
  s = VerifyTdxQuote(emr, nullptr, sd.policy, k2025, &c);
  EXPECT_EQ(s.check(), "tcb info") << s.message();
  EXPECT_NE(s.detail().find("90c06f000000"), std::string::npos);

  // Before the QE identity's issue date (e.g. 2025-10-01), and after the
  // TCB info's nextUpdate: no current collateral.
  s = VerifyTdxQuote(gcp, nullptr, sd.policy, Utc(2025, 10, 1), &c);
  EXPECT_EQ(s.check(), "qe identity") << s.message();
  s = VerifyTdxQuote(gcp, nullptr, sd.policy, Utc(2025, 10, 30), &c);
  EXPECT_EQ(s.check(), "tcb info") << s.message();

  // CollateralMaxAge shorter than the collateral's age; MaxAge (tokens)
  // does not bound collateral.
  sd.policy.max_age = 3600;
  ASSERT_TRUE(VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, &c).ok());
  sd.policy.collateral_max_age = 3600;
  s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, &c);
  EXPECT_NE(s.detail().find("MaxAge"), std::string::npos) << s.message();

  // Without CheckRevocation no, the directory's missing CRLs refuse.
  sd.policy.check_revocation = true;
  s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, &c);
  EXPECT_EQ(s.check(), "crl") << s.message();
  EXPECT_NE(s.detail().find("CheckRevocation no"), std::string::npos) << s.message();
}

TEST(TdxTcb, StandInSignerNegativeCases) {
  TestSigner t = MakeSigner();
  Bytes gcp = ReadVector("tdx/gotdx_gcp_cos113_quote_v4_8000B_padded.dat");
  {
    // The QE identity names another signer: this QE is not Intel's TD QE.
    SignedDir sd;
    Setup2025(&sd, t, Resign("qeidentity_td_qe_2025-10.json", "enclaveIdentity",
                             t, "\"mrsigner\":\"DC9E", "\"mrsigner\":\"DD9E"));
    Status s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, nullptr);
    EXPECT_EQ(s.message(), "qe identity: QE MRSIGNER mismatch");
  }
  {
    // Signed text edited after signing.
    SignedDir sd;
    std::string qe = Resign("qeidentity_td_qe_2025-10.json", "enclaveIdentity", t);
    qe.replace(qe.find("\"isvprodid\":2"), 13, "\"isvprodid\":3");
    Setup2025(&sd, t, qe);
    Status s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, nullptr);
    EXPECT_EQ(s.check().substr(0, 21), "qe identity signature") << s.message();
  }
  {
    // A signer whose certificate chains to the anchor but is not the TCB
    // Signing certificate (e.g. a platform's own PCK key) is refused.
    TestSigner other = MakeSigner("Intel SGX PCK Certificate");
    SignedDir sd;
    Setup2025(&sd, other,
              Resign("qeidentity_td_qe_2025-10.json", "enclaveIdentity", other));
    Status s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, nullptr);
    EXPECT_EQ(s.check(), "tcb signing chain") << s.message();
  }
  {
    // Collateral signed under a root the policy does not name.
    SignedDir sd;
    Setup2025(&sd, t, Resign("qeidentity_td_qe_2025-10.json", "enclaveIdentity", t));
    sd.policy.tdx_trust_anchor = VectorPath("roots/Intel_SGX_Root_CA.pem");
    Status s = VerifyTdxQuote(gcp, nullptr, sd.policy, k2025, nullptr);
    EXPECT_EQ(s.check(), "tcb signing chain") << s.message();
  }
}

TEST(TdxTcb, ExtractSignedCollateralIsStrict) {
  std::string body;
  Bytes sig;
  const std::string sig_hex(128, 'a');
  // Exact bytes, whitespace included.
  ASSERT_TRUE(ExtractSignedCollateral(
                  "{ \"tcbInfo\" : {\"a\": [1, {\"b\":\"}\"}]} , \"signature\":\"" +
                      sig_hex + "\"}",
                  "tcbInfo", &body, &sig)
                  .ok());
  EXPECT_EQ(body, "{\"a\": [1, {\"b\":\"}\"}]}");
  EXPECT_EQ(sig.size(), 64u);
  // Duplicate members would let two readers disagree.
  EXPECT_FALSE(ExtractSignedCollateral("{\"tcbInfo\":{},\"tcbInfo\":{\"x\":1},"
                                       "\"signature\":\"" + sig_hex + "\"}",
                                       "tcbInfo", &body, &sig)
                   .ok());
  EXPECT_FALSE(ExtractSignedCollateral("{\"tcbInfo\":{}}", "tcbInfo", &body, &sig)
                   .ok());
  EXPECT_FALSE(ExtractSignedCollateral("{\"signature\":\"" + sig_hex + "\"}",
                                       "tcbInfo", &body, &sig)
                   .ok());
  EXPECT_FALSE(ExtractSignedCollateral("{\"tcbInfo\":{},\"signature\":\"ab\"}",
                                       "tcbInfo", &body, &sig)
                   .ok());
  EXPECT_FALSE(ExtractSignedCollateral("[]", "tcbInfo", &body, &sig).ok());
  // Truncated real files never parse and never crash.
  std::string real = Col("qeidentity_td_qe_2025-10.json");
  for (size_t n = 0; n + 1 < real.size(); n++)
    EXPECT_FALSE(ExtractSignedCollateral(real.substr(0, n), "enclaveIdentity",
                                         &body, &sig)
                     .ok())
        << n;
}

TEST(TdxTcb, Iso8601) {
  std::time_t t = 0;
  ASSERT_TRUE(ParseIso8601Utc("2025-10-28T06:45:09Z", &t));
  EXPECT_EQ(t, Utc(2025, 10, 28, 6, 45) + 9);
  ASSERT_TRUE(ParseIso8601Utc("2024-02-29T00:00:00.123Z", &t));
  EXPECT_EQ(t, Utc(2024, 2, 29));
  EXPECT_FALSE(ParseIso8601Utc("2025-10-28 06:45:09Z", &t));
  EXPECT_FALSE(ParseIso8601Utc("2025-10-28T06:45:09", &t));
  EXPECT_FALSE(ParseIso8601Utc("2025-13-28T06:45:09Z", &t));
  EXPECT_FALSE(ParseIso8601Utc("2025-10-28T06:45:09Zjunk", &t));
}

}  // namespace
}  // namespace ra
