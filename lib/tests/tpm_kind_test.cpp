// Kind tpm-quote through the front door (ra::Evaluate): real quotes
// (go-tpm-tools' GCE COS-85 attestation with its pinned AK and event log;
// an Azure TDX CVM's vTPM quote whose AK HCLAkPub the TD quote vouches
// for, at a pinned time through Intel's real root), and a quote over the
// real Keylime IMA list made here with a fresh key.  Every refusal is
// checked by the check it names.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/bytes_util.h"
#include "common/evidence_bundle.h"
#include "emulator_process.h"
#include "parse/hcl_report.h"
#include "parse/ima_log.h"
#include "parse/tcg_eventlog.h"
#include "parse/tpm_alg.h"
#include "parse/tpm_quote.h"
#include "policy/policy.h"
#include "tpm_test_vectors.h"
#include "verify/evaluate.h"
#include "verify/ima_replay.h"

namespace {

using ra::Bytes;
using namespace ra_tpm_test;

std::string TempFile(const std::string& name, const std::string& content) {
  std::string path = testing::TempDir() + "tpmkind_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

Bytes Str2B(const std::string& s) { return Bytes(s.begin(), s.end()); }

ra::Status Eval(const std::vector<ra::EvidenceItem>& items, const std::string& policy_text,
                const ra::Binding* binding, std::time_t now, ra::Verdict* v = nullptr) {
  ra::Policy pol;
  ra::Status s = ra::ParsePolicy(policy_text, "test-policy", &pol);
  if (!s.ok()) return ra::Status::Fail("policy parse", s.message());
  ra::Verdict tmp;
  return ra::Evaluate(items, pol, binding, now, v ? v : &tmp);
}

std::string Field(const ra::Verdict& v, const std::string& name) {
  return v.items.empty() ? "" : ra::ClaimField(v.items[0].claims, name);
}

// --- COS-85: the SHA-256 quote, its AK pinned -----------------------------

struct Cos85 {
  std::vector<ra::EvidenceItem> items;  // quote, signature, pcrs
  Bytes eventlog;
  std::string ak_pem_file;
  ra::TpmPcrValues pcrs;
};

Cos85 LoadCos85() {
  Cos85 c;
  Json j = LoadJsonVector(kCos85);
  ra::TpmPublic ak;
  EXPECT_TRUE(ra::ParseTpmPublic(Hex(Str(Path(j.get(), {"ak_pub_tpmt_public"}))), &ak).ok());
  c.ak_pem_file = TempFile("cos85_ak.pem", ra_test::PublicKeyPem(ak.key.get()));
  c.eventlog = B64(Str(Path(j.get(), {"event_log_b64"})));
  const json_t* quotes = Path(j.get(), {"quotes"});
  for (size_t i = 0; i < json_array_size(quotes); i++) {
    const json_t* q = json_array_get(quotes, i);
    if (Str(Path(q, {"hash"})) != "sha256") continue;
    const char* k;
    json_t* v;
    json_object_foreach(const_cast<json_t*>(Path(q, {"pcrs"})), k, v)
      c.pcrs[ra::kTpmAlgSha256][static_cast<uint32_t>(std::stoul(k))] = Hex(Str(v));
    c.items = {{ra::kEvidenceTpmQuote, Hex(Str(Path(q, {"tpms_attest"})))},
               {ra::kEvidenceTpmSignature, Hex(Str(Path(q, {"tpmt_signature"})))},
               {ra::kEvidenceTpmPcrs, Str2B(ra::TpmPcrsToJson(c.pcrs))}};
  }
  EXPECT_EQ(c.items.size(), 3u);
  return c;
}

std::string Cos85Policy(const Cos85& c, const std::string& extra = "") {
  return "AcceptEvidence tpm-quote\nTpmAk " + c.ak_pem_file + "\n" + extra;
}

TEST(TpmKind, Cos85PinnedAkVerifiesOffline) {
  Cos85 c = LoadCos85();
  ra::Verdict v;
  ra::Status s = Eval(c.items, Cos85Policy(c), nullptr, 0, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "ak_trust"), "pinned");
  EXPECT_EQ(Field(v, "binding_checked"), "no");
  EXPECT_EQ(Field(v, "pcr0.sha256"), ra::HexEncode(c.pcrs[ra::kTpmAlgSha256][0]));
  EXPECT_EQ(Field(v, "ak_sha256").size(), 64u);
  EXPECT_EQ(Field(v, "eventlog"), "absent");
  EXPECT_EQ(v.summary.rfind("tpm-quote verified: ak=pinned", 0), 0u) << v.summary;
}

// ssh-attest on a bundle of the COS-85 items: inspect decodes the quote
// (not verified), verify prints the tpm-quote line.
TEST(TpmKind, SshAttestInspectsAndVerifiesABundle) {
  Cos85 c = LoadCos85();
  c.items.push_back({ra::kEvidenceTpmEventLog, c.eventlog});
  std::string json;
  ASSERT_TRUE(ra::EvidenceBundleJson(c.items, &json).ok());
  const std::string bundle = TempFile("cos85.bundle", json);
  const std::string pol = TempFile("cos85.policy", Cos85Policy(c));
  ra::TpmQuote q;
  ASSERT_TRUE(ra::ParseTpmQuote(c.items[0].data, &q).ok());
  std::string out;
  ASSERT_EQ(ra_test::RunCommand(std::string(RA_SSH_ATTEST) + " inspect " + bundle, &out), 0) << out;
  EXPECT_NE(out.find("\"tpm_quote\""), std::string::npos) << out;
  EXPECT_NE(out.find(ra::HexEncode(q.extra_data)), std::string::npos) << out;
  ASSERT_EQ(ra_test::RunCommand(std::string(RA_SSH_ATTEST) + " verify --policy " + pol + " " +
                                    bundle, &out), 0) << out;
  EXPECT_EQ(out.rfind("verified tpm-quote: ak=pinned ak-sha256=", 0), 0u) << out;
  EXPECT_NE(out.find(" eventlog=replayed "), std::string::npos) << out;
  EXPECT_NE(out.find("extra-data=NOT-CHECKED"), std::string::npos) << out;
  // Another AK pinned: refused, exit 1.
  EVP_PKEY* other = EVP_RSA_gen(2048);
  const std::string pol2 = TempFile("cos85.policy2", "AcceptEvidence tpm-quote\nTpmAk " +
                                                        TempFile("other.pem", ra_test::PublicKeyPem(other)) + "\n");
  EVP_PKEY_free(other);
  EXPECT_EQ(ra_test::RunCommand(std::string(RA_SSH_ATTEST) + " verify --policy " + pol2 + " " +
                                    bundle, &out), 1) << out;
  EXPECT_NE(out.find("tpm quote signature"), std::string::npos) << out;
}

TEST(TpmKind, Cos85EventLogReplaysAndEventsCanBePinned) {
  Cos85 c = LoadCos85();
  c.items.push_back({ra::kEvidenceTpmEventLog, c.eventlog});
  ra::Verdict v;
  ra::Status s = Eval(c.items, Cos85Policy(c), nullptr, 0, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "eventlog"), "replayed");
  // A real event of PCR 4 (boot loader) pinned by digest; and one that is
  // not in the log.
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(c.eventlog, &log).ok());
  std::string digest;
  for (const auto& e : log.events)
    if (e.pcr_index == 4 && e.event_type != ra::kEvNoAction && e.DigestFor(ra::kTpmAlgSha256))
      digest = ra::HexEncode(*e.DigestFor(ra::kTpmAlgSha256));
  ASSERT_FALSE(digest.empty());
  s = Eval(c.items, Cos85Policy(c, "BootEvent 4 sha256:" + digest + "\n"), nullptr, 0);
  EXPECT_TRUE(s.ok()) << s.message();
  s = Eval(c.items, Cos85Policy(c, "BootEvent 4 sha256:" + std::string(64, 'a') + "\n"), nullptr, 0);
  EXPECT_EQ(s.check(), "tpm policy");
  EXPECT_NE(s.detail().find("BootEvent PCR 4 (sha256)"), std::string::npos) << s.message();
  // The same event does not count for another PCR.
  s = Eval(c.items, Cos85Policy(c, "BootEvent 5 sha256:" + digest + "\n"), nullptr, 0);
  EXPECT_EQ(s.check(), "tpm policy");
  // SecureBoot: the log says one way or the other; the policy sees it.
  std::string sb = Field(v, "secure_boot");
  ASSERT_TRUE(sb == "yes" || sb == "no") << sb;
  s = Eval(c.items, Cos85Policy(c, "SecureBoot yes\n"), nullptr, 0);
  EXPECT_EQ(s.ok(), sb == "yes") << s.message();
  // Without the log SecureBoot yes cannot be established.
  c.items.pop_back();
  s = Eval(c.items, Cos85Policy(c, "SecureBoot yes\n"), nullptr, 0);
  EXPECT_EQ(s.check(), "tpm policy");
  EXPECT_NE(s.detail().find("unknown"), std::string::npos);
}

TEST(TpmKind, Cos85PcrPins) {
  Cos85 c = LoadCos85();
  std::string p7 = ra::HexEncode(c.pcrs[ra::kTpmAlgSha256][7]);
  ra::Status s = Eval(c.items, Cos85Policy(c, "PCR7 sha256:" + std::string(64, '0') + "," + p7 + "\n"),
                      nullptr, 0);
  EXPECT_TRUE(s.ok()) << s.message();
  s = Eval(c.items, Cos85Policy(c, "PCR7 sha256:" + std::string(64, '0') + "\n"), nullptr, 0);
  EXPECT_EQ(s.check(), "tpm policy");
  EXPECT_NE(s.detail().find("PCR 7 (sha256)"), std::string::npos) << s.message();
  s = Eval(c.items, Cos85Policy(c, "PCR7 sha384:" + std::string(96, '0') + "\n"), nullptr, 0);
  EXPECT_NE(s.detail().find("not quoted"), std::string::npos) << s.message();
  // Form errors at parse time.
  EXPECT_EQ(Eval(c.items, Cos85Policy(c, "PCR7 sha256:00\n"), nullptr, 0).check(), "policy parse");
  EXPECT_EQ(Eval(c.items, Cos85Policy(c, "PCR7 md5:00\n"), nullptr, 0).check(), "policy parse");
  EXPECT_EQ(Eval(c.items, Cos85Policy(c, "PCR24 sha256:" + p7 + "\n"), nullptr, 0).check(),
            "policy parse");
}

TEST(TpmKind, NoTrustedAkIsRefused) {
  Cos85 c = LoadCos85();
  ra::Status s = Eval(c.items, "AcceptEvidence tpm-quote\n", nullptr, 0);
  EXPECT_EQ(s.check(), "tpm ak");
  EXPECT_EQ(s.detail(), "no trusted attestation key (set TpmAk or TpmAkCA)");
  // Opt-in: the default policy does not accept tpm-quote at all.
  ra::Policy def;
  ra::Verdict v;
  EXPECT_FALSE(ra::Evaluate(c.items, def, nullptr, 0, &v).ok());
}

TEST(TpmKind, QuoteByAnotherAkIsRefused) {
  Cos85 c = LoadCos85();
  EVP_PKEY* other = EVP_RSA_gen(2048);
  ASSERT_NE(other, nullptr);
  std::string f = TempFile("other_ak.pem", ra_test::PublicKeyPem(other));
  EVP_PKEY_free(other);
  ra::Status s = Eval(c.items, "AcceptEvidence tpm-quote\nTpmAk " + f + "\n", nullptr, 0);
  EXPECT_EQ(s.check(), "tpm quote signature") << s.message();
  // The right key beside the wrong one: accepted.
  s = Eval(c.items, "AcceptEvidence tpm-quote\nTpmAk " + f + "\nTpmAk " + c.ak_pem_file + "\n",
           nullptr, 0);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(TpmKind, StaleExtraDataIsRefused) {
  Cos85 c = LoadCos85();
  ra::Binding b{};  // the quote's extraData is 0x9009, no session's binding
  ra::Status s = Eval(c.items, Cos85Policy(c), &b, 0);
  EXPECT_EQ(s.check(), "tpm quote binding") << s.message();
}

TEST(TpmKind, PcrsNotMatchingTheDigestAreRefused) {
  Cos85 c = LoadCos85();
  ra::TpmPcrValues pcrs = c.pcrs;
  pcrs[ra::kTpmAlgSha256][3][0] ^= 1;
  c.items[2].data = Str2B(ra::TpmPcrsToJson(pcrs));
  EXPECT_EQ(Eval(c.items, Cos85Policy(c), nullptr, 0).check(), "tpm pcr digest");
}

TEST(TpmKind, MissingOrDoubledCompanionsAreRefused) {
  Cos85 c = LoadCos85();
  auto items = c.items;
  items.pop_back();
  EXPECT_EQ(Eval(items, Cos85Policy(c), nullptr, 0).check(), "tpm evidence");
  items = c.items;
  items.push_back(items[1]);
  EXPECT_EQ(Eval(items, Cos85Policy(c), nullptr, 0).check(), "tpm evidence");
}

TEST(TpmKind, EveryOneByteChangeIsRefused) {
  Cos85 c = LoadCos85();
  const std::string pol = Cos85Policy(c);
  for (size_t part = 0; part < 2; part++)  // quote, signature
    for (size_t i = 0; i < c.items[part].data.size(); i++) {
      auto items = c.items;
      items[part].data[i] ^= 0x01;
      EXPECT_FALSE(Eval(items, pol, nullptr, 0).ok()) << part << " " << i;
    }
  for (const auto& pcr : c.pcrs.at(ra::kTpmAlgSha256))
    for (size_t i = 0; i < pcr.second.size(); i++) {
      ra::TpmPcrValues p = c.pcrs;
      p[ra::kTpmAlgSha256][pcr.first][i] ^= 0x01;
      auto items = c.items;
      items[2].data = Str2B(ra::TpmPcrsToJson(p));
      EXPECT_EQ(Eval(items, pol, nullptr, 0).check(), "tpm pcr digest") << pcr.first << " " << i;
    }
}

// Every byte of every SHA-256 digest in the log (the bank the quote
// covers), and every event's PCR index: the log no longer replays.
TEST(TpmKind, EveryEventLogDigestChangeIsRefused) {
  Cos85 c = LoadCos85();
  const std::string pol = Cos85Policy(c);
  ra::TcgEventLog log;
  ASSERT_TRUE(ra::ParseTcgEventLog(c.eventlog, &log).ok());
  size_t tried = 0;
  for (const auto& e : log.events) {
    if (e.event_type == ra::kEvNoAction) continue;
    const Bytes* d = e.DigestFor(ra::kTpmAlgSha256);
    ASSERT_NE(d, nullptr);
    // Locate the digest in the record: pcr, type, count, then alg+digest.
    size_t at = ra::HexEncode(Bytes(c.eventlog.begin() + static_cast<long>(e.offset),
                                    c.eventlog.end()))
                    .find(ra::HexEncode(*d));
    ASSERT_NE(at, std::string::npos);
    at = e.offset + at / 2;
    for (size_t i = 0; i < d->size(); i += 7) {
      auto items = c.items;
      Bytes l = c.eventlog;
      l[at + i] ^= 0x01;
      items.push_back({ra::kEvidenceTpmEventLog, l});
      ra::Status s = Eval(items, pol, nullptr, 0);
      EXPECT_EQ(s.check(), "event log replay") << e.offset << " " << s.message();
      tried++;
    }
    if (e.pcr_index < 8) {
      auto items = c.items;
      Bytes l = c.eventlog;
      l[e.offset] ^= 0x01;  // PCR n -> n^1, both quoted
      items.push_back({ra::kEvidenceTpmEventLog, l});
      EXPECT_FALSE(Eval(items, pol, nullptr, 0).ok()) << e.offset;
    }
  }
  EXPECT_GT(tried, 50u);
}

// --- Azure TDX vTPM: HCLAkPub vouched for by the TD quote -----------------

std::vector<ra::EvidenceItem> AzureItems() { return AzureVtpmItems(); }

TEST(TpmKind, AzureHclAkVerifiesEndToEnd) {
  const std::time_t at = ra_tdx_test::Utc(2024, 6, 1);
  auto items = AzureItems();
  ra::Verdict v;
  ra::Status s = Eval(items, "AcceptEvidence tpm-quote\n", nullptr, at, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "ak_trust"), "azure-tdx");
  EXPECT_EQ(Field(v, "tdx.mrtd").size(), 96u);
  EXPECT_EQ(Field(v, "pcr23.sha256").size(), 64u);
  // The TD quote's MRTD pinned to something else: TDX appraisal refuses.
  s = Eval(items, "AcceptEvidence tpm-quote\nMRTD " + std::string(96, '0') + "\n", nullptr, at);
  EXPECT_FALSE(s.ok());
  // Without the TD quote, or with the HCL report's runtime JSON changed,
  // HCLAkPub is not trusted.
  auto no_td = items;
  no_td.pop_back();
  s = Eval(no_td, "AcceptEvidence tpm-quote\n", nullptr, at);
  EXPECT_EQ(s.check(), "tpm ak azure") << s.message();
  auto bad = items;
  bad[3].data[ra::kHclRuntimeJsonOffset + 40] ^= 1;
  s = Eval(bad, "AcceptEvidence tpm-quote\n", nullptr, at);
  EXPECT_FALSE(s.ok());
  // A TD report other than the quoted one.
  bad = items;
  bad[3].data[ra::kHclHeaderLen + 600] ^= 1;  // TDINFO (MRTD region)
  s = Eval(bad, "AcceptEvidence tpm-quote\n", nullptr, at);
  EXPECT_EQ(s.check(), "tpm ak azure") << s.message();
  // After Intel's chain expired (certificates valid to 2031+? a year far
  // out): refused by the TDX verification, not silently trusted.
  s = Eval(items, "AcceptEvidence tpm-quote\n", nullptr, ra_tdx_test::Utc(2099, 1, 1));
  EXPECT_FALSE(s.ok());
}

// --- IMA: the real Keylime list under a quote made here --------------------

Bytes PutLe32(Bytes b, size_t v) {
  for (int i = 0; i < 4; i++) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return b;
}

Bytes ImaBinary(const ra::ImaLog& log) {
  Bytes b;
  for (const auto& e : log.entries) {
    b = PutLe32(std::move(b), e.pcr);
    b.insert(b.end(), e.template_hash.begin(), e.template_hash.end());
    b = PutLe32(std::move(b), e.template_name.size());
    b.insert(b.end(), e.template_name.begin(), e.template_name.end());
    b = PutLe32(std::move(b), e.template_data.size());
    b.insert(b.end(), e.template_data.begin(), e.template_data.end());
  }
  return b;
}

void Be16(Bytes* b, size_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}

// A TPMS_ATTEST over PCR 10 = pcr10 of bank (sha256 unless given),
// extraData = binding, signed RSASSA-SHA256 by key.
std::vector<ra::EvidenceItem> QuoteOverPcr10(EVP_PKEY* key, const Bytes& pcr10,
                                             const ra::Binding& binding,
                                             uint16_t bank = ra::kTpmAlgSha256) {
  Bytes a = {0xff, 0x54, 0x43, 0x47, 0x80, 0x18};
  Be16(&a, 0);  // qualifiedSigner
  Be16(&a, binding.size());
  a.insert(a.end(), binding.begin(), binding.end());
  a.insert(a.end(), 17, 0);  // clockInfo (safe = 0)
  a.insert(a.end(), 8, 0);   // firmwareVersion
  Bytes sel = {0, 0, 0, 1, 0x00, static_cast<uint8_t>(bank), 3, 0x00, 0x04, 0x00};  // {10}
  a.insert(a.end(), sel.begin(), sel.end());
  uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256(pcr10.data(), pcr10.size(), d);
  Be16(&a, sizeof(d));
  a.insert(a.end(), d, d + sizeof(d));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t n = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &n, a.data(), a.size());
  Bytes sig(n);
  EVP_DigestSign(ctx, sig.data(), &n, a.data(), a.size());
  EVP_MD_CTX_free(ctx);
  Bytes tpmt = {0x00, 0x14, 0x00, 0x0b};
  Be16(&tpmt, sig.size());
  tpmt.insert(tpmt.end(), sig.begin(), sig.end());
  ra::TpmPcrValues pcrs;
  pcrs[bank][10] = pcr10;
  return {{ra::kEvidenceTpmQuote, a},
          {ra::kEvidenceTpmSignature, tpmt},
          {ra::kEvidenceTpmPcrs, Str2B(ra::TpmPcrsToJson(pcrs))}};
}

struct ImaCase {
  std::vector<ra::EvidenceItem> items;
  ra::ImaLog log;
  std::string policy_head;
  std::string allowlist;  // every entry's digest, sha1sum format
  ra::Binding binding{};
};

// quoted: how many of the list's entries were measured when the quote was
// made (0: all); the list sent is always the whole real one.
ImaCase MakeImaCase(size_t quoted = 0) {
  ImaCase c;
  EXPECT_TRUE(ra::ParseImaAsciiLog(ra_tdx_test::ToString(ra_tdx_test::ReadVector(kImaAscii)),
                                   &c.log).ok());
  ra::ImaLog at_quote = c.log;
  if (quoted) at_quote.entries.resize(quoted);
  std::map<uint32_t, Bytes> rep;
  EXPECT_TRUE(ra::ReplayImaLog(at_quote, ra::kTpmAlgSha256, &rep).ok());
  EVP_PKEY* key = EVP_RSA_gen(2048);
  for (size_t i = 0; i < c.binding.size(); i++) c.binding[i] = static_cast<uint8_t>(i * 7);
  c.items = QuoteOverPcr10(key, rep[10], c.binding);
  c.items.push_back({ra::kEvidenceImaLog, ImaBinary(c.log)});
  c.policy_head = "AcceptEvidence tpm-quote\nTpmAk " + TempFile("ima_ak.pem", ra_test::PublicKeyPem(key)) + "\n";
  EVP_PKEY_free(key);
  for (const auto& e : c.log.entries)
    c.allowlist += ra::HexEncode(e.file_digest()) + "  " + e.file_name() + "\n";
  return c;
}

// The kernel's other list forms and banks: binary_runtime_measurements_sha256
// (template hashes of 32 bytes), a quote of PCR 10's SHA-1 bank only, and
// a SHA-256 bank a kernel before 5.8 extended with padded SHA-1 digests.
TEST(TpmKind, ImaListFormsAndBanksOfOtherKernels) {
  ra::ImaLog log;
  ASSERT_TRUE(ra::ParseImaAsciiLog(ra_tdx_test::ToString(ra_tdx_test::ReadVector(kImaAscii)),
                                   &log).ok());
  log.entries.resize(50);
  ra::Binding binding{};
  binding[0] = 9;
  EVP_PKEY* key = EVP_RSA_gen(2048);
  const std::string head =
      "AcceptEvidence tpm-quote\nTpmAk " + TempFile("ima_forms_ak.pem", ra_test::PublicKeyPem(key)) + "\n";
  auto verify = [&](const ra::ImaLog& sent, uint16_t bank, ra::ImaBankDigest how) {
    std::map<uint32_t, Bytes> rep;
    EXPECT_TRUE(ra::ReplayImaLog(log, bank, &rep, how).ok());
    auto items = QuoteOverPcr10(key, rep[10], binding, bank);
    items.push_back({ra::kEvidenceImaLog, ImaBinary(sent)});
    ra::Verdict v;
    ra::Status s = Eval(items, head, &binding, 0, &v);
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? Field(v, "ima") : std::string();
  };
  // binary_runtime_measurements_sha256: each template hash is SHA-256.
  ra::ImaLog sha256_list = log;
  sha256_list.template_hash_len = 32;
  for (auto& e : sha256_list.entries) {
    const bool violation = e.violation();
    e.template_hash.assign(32, 0);
    if (!violation) SHA256(e.template_data.data(), e.template_data.size(), e.template_hash.data());
  }
  EXPECT_EQ(verify(sha256_list, ra::kTpmAlgSha256, ra::ImaBankDigest::kBankHash),
            "50 entries, replayed");
  // Only the SHA-1 bank of PCR 10 quoted.
  EXPECT_EQ(verify(log, ra::kTpmAlgSha1, ra::ImaBankDigest::kBankHash), "50 entries, replayed");
  // Linux < 5.8: the SHA-256 bank holds padded SHA-1 template hashes.
  EXPECT_EQ(verify(log, ra::kTpmAlgSha256, ra::ImaBankDigest::kPaddedSha1),
            "50 entries, replayed");
  EVP_PKEY_free(key);
}

TEST(TpmKind, ImaListReplaysAndIsAppraised) {
  ImaCase c = MakeImaCase();
  ASSERT_GT(c.log.entries.size(), 800u);
  std::string pol = c.policy_head + "ImaAllowlist " + TempFile("allow", c.allowlist) + "\n";
  ra::Verdict v;
  ra::Status s = Eval(c.items, pol, &c.binding, 0, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(Field(v, "ima").find("replayed"), std::string::npos);
  // One file off the list: refused, naming it; excluded by prefix: fine.
  const std::string victim = c.log.entries[5].file_name();
  std::string less;
  for (const auto& e : c.log.entries)
    if (e.file_name() != victim) less += ra::HexEncode(e.file_digest()) + "  " + e.file_name() + "\n";
  std::string pol2 = c.policy_head + "ImaAllowlist " + TempFile("allow2", less) + "\n";
  s = Eval(c.items, pol2, &c.binding, 0);
  EXPECT_EQ(s.check(), "tpm policy");
  EXPECT_NE(s.detail().find(victim), std::string::npos) << s.message();
  s = Eval(c.items, pol2 + "ImaExclude " + victim + "\n", &c.binding, 0);
  EXPECT_TRUE(s.ok()) << s.message();
  // Another digest for it: refused, naming it.
  std::string other = less + std::string(40, 'a') + "  " + victim + "\n";
  s = Eval(c.items, c.policy_head + "ImaAllowlist " + TempFile("allow3", other) + "\n",
           &c.binding, 0);
  EXPECT_NE(s.detail().find(victim), std::string::npos) << s.message();
  // An allowlist without an ima-log: refused.
  auto no_ima = c.items;
  no_ima.pop_back();
  EXPECT_EQ(Eval(no_ima, pol, &c.binding, 0).check(), "tpm policy");
  // A malformed allowlist fails at policy load.
  EXPECT_EQ(Eval(c.items, c.policy_head + "ImaAllowlist " + TempFile("bad", "xyz  /a\n") + "\n",
                 &c.binding, 0).check(),
            "policy parse");
}

TEST(TpmKind, ImaListThatDoesNotReplayIsRefused) {
  ImaCase c = MakeImaCase();
  // A changed file digest in entry 3's template data.
  ra::ImaLog log = c.log;
  log.entries[3].template_data[13] ^= 1;  // in d-ng's digest
  c.items.back().data = ImaBinary(log);
  ra::Status s = Eval(c.items, c.policy_head, &c.binding, 0);
  EXPECT_EQ(s.check(), "ima replay") << s.message();
  // One entry left out.
  log = c.log;
  log.entries.erase(log.entries.begin() + 10);
  c.items.back().data = ImaBinary(log);
  EXPECT_EQ(Eval(c.items, c.policy_head, &c.binding, 0).check(), "ima replay");
}

// The list grew after the quote (as it does when the server reads it after
// quoting): the prefix the quote covers is accepted and appraised, the
// rest is neither.
TEST(TpmKind, ImaListThatGrewAfterTheQuoteIsAcceptedForItsPrefix) {
  ImaCase c = MakeImaCase(500);
  ASSERT_EQ(c.log.entries.size(), 826u);
  // An allowlist of the first 500 entries only: entries 500.. are not
  // appraised, so it suffices.
  std::string first500;
  for (size_t i = 0; i < 500; i++)
    first500 += ra::HexEncode(c.log.entries[i].file_digest()) + "  " + c.log.entries[i].file_name() + "\n";
  std::string pol = c.policy_head + "ImaAllowlist " + TempFile("allow500", first500) + "\n";
  ra::Verdict v;
  ra::Status s = Eval(c.items, pol, &c.binding, 0, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "ima"),
            "500 of 826 entries replayed (326 measured after the quote, not appraised)");
  EXPECT_NE(v.summary.find("ima=500 of 826"), std::string::npos) << v.summary;
  // A file of the prefix off the list is still refused, naming it.
  const std::string victim = c.log.entries[42].file_name();
  std::string less;
  for (size_t i = 0; i < 500; i++)
    if (c.log.entries[i].file_name() != victim)
      less += ra::HexEncode(c.log.entries[i].file_digest()) + "  " + c.log.entries[i].file_name() + "\n";
  s = Eval(c.items, c.policy_head + "ImaAllowlist " + TempFile("allow499", less) + "\n",
           &c.binding, 0);
  EXPECT_EQ(s.check(), "tpm policy");
  EXPECT_NE(s.detail().find(victim), std::string::npos) << s.message();
  // An entry of the prefix tampered with: no prefix replays.
  ra::ImaLog log = c.log;
  log.entries[42].template_data[13] ^= 1;
  c.items.back().data = ImaBinary(log);
  s = Eval(c.items, pol, &c.binding, 0);
  EXPECT_EQ(s.check(), "ima replay") << s.message();
  // A list shorter than the quoted one: refused.
  log = c.log;
  log.entries.resize(499);
  c.items.back().data = ImaBinary(log);
  s = Eval(c.items, pol, &c.binding, 0);
  EXPECT_EQ(s.check(), "ima replay") << s.message();
  // Exactly the quoted list: all of it.
  log.entries = std::vector<ra::ImaEntry>(c.log.entries.begin(), c.log.entries.begin() + 500);
  c.items.back().data = ImaBinary(log);
  ASSERT_TRUE(Eval(c.items, pol, &c.binding, 0, &v).ok());
  EXPECT_EQ(Field(v, "ima"), "500 entries, replayed");
}

// --- AK certificate chaining to TpmAkCA ------------------------------------

struct Issued {
  std::string ca_pem;
  Bytes cert_der;
};

// A CA (self-signed) and a certificate for subject_key, valid 2020..2040.
Issued IssueAkCert(EVP_PKEY* subject_key) {
  EVP_PKEY* ca_key = EVP_RSA_gen(2048);
  auto make = [](EVP_PKEY* pub, EVP_PKEY* signer, X509* issuer, const char* cn, long serial) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    ASN1_TIME_set(X509_getm_notBefore(x), ra_tdx_test::Utc(2020, 1, 1));
    ASN1_TIME_set(X509_getm_notAfter(x), ra_tdx_test::Utc(2040, 1, 1));
    X509_NAME* n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, pub);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
      X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x, e, -1);
      X509_EXTENSION_free(e);
    };
    add(NID_subject_key_identifier, "hash");
    add(NID_authority_key_identifier, "keyid:always");
    add(NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
    if (!issuer) add(NID_key_usage, "critical,keyCertSign,cRLSign");
    X509_sign(x, signer, EVP_sha256());
    return x;
  };
  X509* ca = make(ca_key, ca_key, nullptr, "test AK CA", 1);
  X509* leaf = make(subject_key, ca_key, ca, "test AK", 2);
  Issued out;
  out.ca_pem = ra_test::CertPem(ca);
  unsigned char* der = nullptr;
  int len = i2d_X509(leaf, &der);
  out.cert_der.assign(der, der + len);
  OPENSSL_free(der);
  X509_free(ca);
  X509_free(leaf);
  EVP_PKEY_free(ca_key);
  return out;
}

TEST(TpmKind, AkCertificateChainingToTpmAkCa) {
  EVP_PKEY* ak = EVP_RSA_gen(2048);
  ra::Binding binding{};
  binding[0] = 7;
  auto items = QuoteOverPcr10(ak, Bytes(32, 0), binding);
  Issued good = IssueAkCert(ak);
  Issued other = IssueAkCert(ak);  // the same key, another CA
  EVP_PKEY_free(ak);
  items.push_back({ra::kEvidenceTpmAkCert, good.cert_der});
  const std::time_t at = ra_tdx_test::Utc(2026, 1, 1);
  std::string ca = TempFile("akca.pem", good.ca_pem);
  ra::Verdict v;
  ra::Status s = Eval(items, "AcceptEvidence tpm-quote\nTpmAkCA " + ca + "\n", &binding, at, &v);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Field(v, "ak_trust"), "ak-cert");
  // Another CA, an expired certificate, a certificate without TpmAkCA.
  s = Eval(items, "AcceptEvidence tpm-quote\nTpmAkCA " + TempFile("akca2.pem", other.ca_pem) + "\n",
           &binding, at);
  EXPECT_EQ(s.check(), "tpm ak cert") << s.message();
  s = Eval(items, "AcceptEvidence tpm-quote\nTpmAkCA " + ca + "\n", &binding,
           ra_tdx_test::Utc(2041, 1, 1));
  EXPECT_EQ(s.check(), "tpm ak cert") << s.message();
  EXPECT_EQ(Eval(items, "AcceptEvidence tpm-quote\n", &binding, at).check(), "tpm ak");
  // A certified key that did not sign this quote.
  EVP_PKEY* ak2 = EVP_RSA_gen(2048);
  items.back().data = IssueAkCert(ak2).cert_der;
  EVP_PKEY_free(ak2);
  s = Eval(items, "AcceptEvidence tpm-quote\nTpmAkCA " + ca + "\n", &binding, at);
  EXPECT_FALSE(s.ok());
}

}  // namespace
