// The "tpm" provider and `ssh-attest tpm-init` against swtpm (a real TPM
// 2.0 implementation, libtpms): the AK tpm-init prints verifies the quote
// the provider makes, extraData is the binding, the tpm-pcrs item is what
// was quoted, a PCR extended between read and quote is handled, and the
// logs are bounded.  Each test starts its own swtpm on free loopback ports.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>

#include "common/base64.h"
#include "common/evidence.h"
#include "emulator_process.h"
#include "parse/hcl_cache_file.h"
#include "parse/hcl_report.h"
#include "parse/tpm_pcrs.h"
#include "parse/tpm_quote.h"
#include "policy/policy.h"
#include "provider/azure_hcl_cache.h"
#include "provider/providers.h"
#include "provider/tpm_provider.h"
#include "ra_test_util.h"
#include "verify/evaluate.h"
#include "verify/tpm_quote_check.h"

namespace {

using ra::Bytes;

// op (bind or connect) on a fresh TCP socket to 127.0.0.1:port succeeds.
template <typename Op>
bool LoopbackSocketOp(int port, Op op) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = op(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(s);
  return ok;
}
bool PortFree(int port) { return LoopbackSocketOp(port, bind); }
bool Connects(int port) { return LoopbackSocketOp(port, connect); }

// The first of two consecutive free loopback ports (racy, as any such
// search; a taken port shows as a failure to start).
int FreePortPair() {
  static std::mt19937 rng(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(time(nullptr)));
  for (int i = 0; i < 200; i++) {
    int p = 20000 + 2 * static_cast<int>(rng() % 20000);
    if (PortFree(p) && PortFree(p + 1)) return p;
  }
  return 0;
}

// A child process, ended on scope exit.
// SIGTERM, then SIGKILL if the child has not gone within 5 s: a stand-in
// that misses its signal must fail a test, not hang the suite.
void StopChild(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 100; i++) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(&s[0]);
      a.push_back(nullptr);
      int null = open("/dev/null", O_RDWR);
      dup2(null, 1);
      dup2(null, 2);
      execvp(a[0], a.data());
      _exit(127);
    }
  }
  ~Child() { StopChild(pid_); }

 private:
  pid_t pid_ = -1;
};

bool WaitFile(const std::string& path, int seconds) {
  for (int i = 0; i < seconds * 20; i++) {
    if (ra_test::Exists(path) && !ra_test::ReadFile(path).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class Swtpm {
 public:
  explicit Swtpm(const std::string& dir) {
    port_ = FreePortPair();
    std::string server = "type=tcp,port=" + std::to_string(port_);
    std::string ctrl = "type=tcp,port=" + std::to_string(port_ + 1);
    std::string state = "dir=" + dir;
    std::string log = "file=" + dir + "/swtpm.log";
    pid_ = fork();
    if (pid_ == 0) {
      execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server.c_str(), "--ctrl",
             ctrl.c_str(), "--tpmstate", state.c_str(), "--flags",
             "not-need-init,startup-clear", "--log", log.c_str(), (char*)nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100 && !Connects(port_); i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ~Swtpm() { StopChild(pid_); }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

// Runs ssh-attest tpm-init ARGS; stdout in *out, exit status returned.
int TpmInit(const std::string& args, std::string* out) {
  return ra_test::RunCommand(std::string(RA_SSH_ATTEST) + " tpm-init " + args, out);
}

// Defines NV index 0x01c101d0 (Azure's AK certificate index) holding
// content, through tpm2-tools.
bool DefineNvCert(const std::string& tcti, const std::string& file, size_t size) {
  std::string t = " -T " + tcti;
  std::string cmd = "tpm2_nvdefine" + t + " 0x01c101d0 -C o -s " + std::to_string(size) +
                    " -a 'ownerread|ownerwrite|authread|authwrite' > /dev/null 2>&1 && "
                    "tpm2_nvwrite" + t + " 0x01c101d0 -C o -i " + file + " > /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

std::shared_ptr<EVP_PKEY> PemKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                 BIO_free);
  return std::shared_ptr<EVP_PKEY>(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                   EVP_PKEY_free);
}

ra::Binding MakeBinding(uint8_t seed) {
  ra::Binding b;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

const Bytes* Find(const std::vector<ra::EvidenceItem>& items, const std::string& type) {
  for (const auto& i : items)
    if (i.type == type) return &i.data;
  return nullptr;
}

// What a verifier with TpmAk = ak does with the items.
struct Checked {
  ra::TpmQuote quote;
  ra::TpmPcrValues pcrs;
};
void VerifyItems(const std::vector<ra::EvidenceItem>& items, EVP_PKEY* ak,
                 const ra::Binding& binding, Checked* out) {
  const Bytes* q = Find(items, ra::kEvidenceTpmQuote);
  const Bytes* s = Find(items, ra::kEvidenceTpmSignature);
  const Bytes* p = Find(items, ra::kEvidenceTpmPcrs);
  ASSERT_TRUE(q && s && p);
  ra::TpmSignature sig;
  ASSERT_TRUE(ra::ParseTpmQuote(*q, &out->quote).ok());
  ASSERT_TRUE(ra::ParseTpmSignature(*s, &sig).ok());
  ASSERT_TRUE(ra::ParseTpmPcrsJson(std::string(p->begin(), p->end()), &out->pcrs).ok());
  ra::TpmQuoteCheckOptions opt;
  ra::Status st = ra::CheckTpmQuoteSignature(out->quote, sig, ak, opt);
  EXPECT_TRUE(st.ok()) << st.message();
  st = ra::CheckTpmQuoteExtraData(out->quote, ra::ByteView(binding.data(), binding.size()));
  EXPECT_TRUE(st.ok()) << st.message();
  st = ra::CheckTpmPcrDigest(out->quote, out->pcrs, sig.hash_alg, opt);
  EXPECT_TRUE(st.ok()) << st.message();
}

class TpmProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tpm_ = std::make_unique<Swtpm>(dir_.path());
    ASSERT_EQ(TpmInit("--tcti " + tpm_->tcti() + " --out " + (dir_ / "ak"), &pem_), 0) << pem_;
    ak_ = PemKey(pem_);
    ASSERT_TRUE(ak_) << pem_;
  }
  std::string Spec(const std::string& extra = "") {
    return ";tcti=" + tpm_->tcti() + ";ak=" + (dir_ / "ak") + ";eventlog=none;ima=none" + extra;
  }
  std::vector<ra::EvidenceItem> Collect(const std::string& spec, const ra::Binding& b) {
    std::unique_ptr<ra::EvidenceProvider> p;
    ra::Status s = ra::OpenTpmProvider(spec, &p);
    EXPECT_TRUE(s.ok()) << s.message();
    std::vector<ra::EvidenceItem> items;
    if (p) {
      s = p->Collect(b, &items);
      EXPECT_TRUE(s.ok()) << s.message();
    }
    return items;
  }
  ra_test::TempDir dir_;
  std::unique_ptr<Swtpm> tpm_;
  std::string pem_;
  std::shared_ptr<EVP_PKEY> ak_;
};

TEST_F(TpmProviderTest, QuoteVerifiesWithTheKeyTpmInitPrinted) {
  ASSERT_EQ(EVP_PKEY_base_id(ak_.get()), EVP_PKEY_RSA);
  ra::Binding b = MakeBinding(1);
  auto items = Collect(Spec(), b);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].type, "tpm-quote");
  EXPECT_EQ(items[1].type, "tpm-signature");
  EXPECT_EQ(items[2].type, "tpm-pcrs");
  Checked c;
  VerifyItems(items, ak_.get(), b, &c);
  // The default selection: sha256, PCRs 0-7 and 11-14 (two PCR_Reads).
  ASSERT_EQ(c.quote.pcr_select.size(), 1u);
  EXPECT_EQ(c.quote.pcr_select[0].hash_alg, ra::kTpmAlgSha256);
  EXPECT_EQ(c.quote.pcr_select[0].pcrs,
            (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14}));
  EXPECT_EQ(c.pcrs.at(ra::kTpmAlgSha256).size(), 12u);
}

TEST_F(TpmProviderTest, AnotherBindingAnotherQuote) {
  ra::Binding b1 = MakeBinding(1), b2 = MakeBinding(2);
  auto i1 = Collect(Spec(), b1);
  auto i2 = Collect(Spec(), b2);
  Checked c1, c2;
  VerifyItems(i1, ak_.get(), b1, &c1);
  VerifyItems(i2, ak_.get(), b2, &c2);
  EXPECT_NE(*Find(i1, "tpm-quote"), *Find(i2, "tpm-quote"));
  // The first quote is no good for the second session.
  EXPECT_FALSE(ra::CheckTpmQuoteExtraData(c1.quote, ra::ByteView(b2.data(), b2.size())).ok());
}

TEST_F(TpmProviderTest, AnotherAkDoesNotVerify) {
  std::string other;
  ASSERT_EQ(TpmInit("--tcti " + tpm_->tcti() + " --out " + (dir_ / "ak2"), &other), 0);
  ra::Binding b = MakeBinding(3);
  auto items = Collect(Spec(), b);
  ra::TpmQuote q;
  ra::TpmSignature s;
  ASSERT_TRUE(ra::ParseTpmQuote(*Find(items, "tpm-quote"), &q).ok());
  ASSERT_TRUE(ra::ParseTpmSignature(*Find(items, "tpm-signature"), &s).ok());
  auto key = PemKey(other);
  ASSERT_TRUE(key);
  EXPECT_FALSE(ra::CheckTpmQuoteSignature(q, s, key.get(), {}).ok());
  EXPECT_TRUE(ra::CheckTpmQuoteSignature(q, s, ak_.get(), {}).ok());
}

// A PCR extended after the read and before the quote: the provider sees
// the quote does not cover the values read and does it again.
TEST_F(TpmProviderTest, PcrExtendedBetweenReadAndQuoteIsRetried) {
  ra::TpmProviderOptions opt;
  ASSERT_TRUE(ra::ParseTpmProviderSpec(Spec(), &opt).ok());
  int extends = 0;
  auto extend14 = [&](ESYS_CONTEXT* ctx, int) {
    TPML_DIGEST_VALUES d = {};
    d.count = 1;
    d.digests[0].hashAlg = TPM2_ALG_SHA256;
    d.digests[0].digest.sha256[0] = static_cast<uint8_t>(++extends);
    ASSERT_EQ(Esys_PCR_Extend(ctx, ESYS_TR_PCR14, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d),
              TSS2_RC_SUCCESS);
  };
  opt.between_read_and_quote = [&](ESYS_CONTEXT* ctx, int attempt) {
    if (attempt == 0) extend14(ctx, attempt);
  };
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenTpmProvider(opt, &p).ok());
  ra::Binding b = MakeBinding(4);
  std::vector<ra::EvidenceItem> items;
  ra::Status s = p->Collect(b, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(extends, 1);
  Checked c;
  VerifyItems(items, ak_.get(), b, &c);
  EXPECT_NE(c.pcrs.at(ra::kTpmAlgSha256).at(14), Bytes(32, 0));  // the extended value

  // A PCR that moves on every attempt: refused, naming why.
  opt.between_read_and_quote = extend14;
  ASSERT_TRUE(ra::OpenTpmProvider(opt, &p).ok());
  items.clear();
  s = p->Collect(b, &items);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("kept changing"), std::string::npos) << s.message();
  EXPECT_EQ(extends, 1 + ra::kTpmQuoteAttempts);
  EXPECT_TRUE(items.empty());
}

TEST_F(TpmProviderTest, PcrListAndBanks) {
  ra::Binding b = MakeBinding(5);
  auto items = Collect(Spec(";pcrs=0,2-3,10,16-23;banks=sha1,sha256"), b);
  Checked c;
  VerifyItems(items, ak_.get(), b, &c);
  ASSERT_EQ(c.quote.pcr_select.size(), 2u);
  std::vector<uint32_t> want = {0, 2, 3, 10, 16, 17, 18, 19, 20, 21, 22, 23};
  for (const auto& sel : c.quote.pcr_select) EXPECT_EQ(sel.pcrs, want);
  EXPECT_EQ(c.pcrs.at(ra::kTpmAlgSha1).size(), want.size());
}

TEST_F(TpmProviderTest, LogsAreSentAndBounded) {
  std::string small(1000, 'e'), ima(2000, 'i');
  ra_test::WriteFile(dir_ / "log", small);
  ra_test::WriteFile(dir_ / "ima", ima);
  ra_test::WriteFile(dir_ / "cert", "der");
  ra::Binding b = MakeBinding(6);
  std::string base = ";tcti=" + tpm_->tcti() + ";ak=" + (dir_ / "ak");
  auto items = Collect(base + ";eventlog=" + (dir_ / "log") + ";ima=" + (dir_ / "ima") +
                           ";akcert=" + (dir_ / "cert"), b);
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(items[3].type, "tpm-ak-cert");
  EXPECT_EQ(items[4].type, "tpm-eventlog");
  EXPECT_EQ(items[4].data, Bytes(small.begin(), small.end()));
  EXPECT_EQ(items[5].type, "ima-log");
  EXPECT_EQ(items[5].data, Bytes(ima.begin(), ima.end()));

  std::unique_ptr<ra::EvidenceProvider> p;
  std::vector<ra::EvidenceItem> out;
  // One byte over the item limit: refused, naming the file and the way out.
  ra_test::WriteFile(dir_ / "big", std::string(ra::kMaxTpmLogItemLen + 1, 'x'));
  ASSERT_TRUE(ra::OpenTpmProvider(base + ";ima=none;eventlog=" + (dir_ / "big"), &p).ok());
  ra::Status s = p->Collect(b, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("eventlog=none"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());
  // Each under the item limit, together over the response.
  ra_test::WriteFile(dir_ / "half", std::string(ra::kMaxTpmLogsTotalLen / 2 + 1, 'x'));
  ASSERT_TRUE(ra::OpenTpmProvider(base + ";ima=" + (dir_ / "half") + ";eventlog=" +
                                      (dir_ / "half"), &p).ok());
  s = p->Collect(b, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("together"), std::string::npos) << s.message();
  // A configured file that is missing is an error, a default one is not.
  ASSERT_TRUE(ra::OpenTpmProvider(base + ";eventlog=" + (dir_ / "missing"), &p).ok());
  EXPECT_FALSE(p->Collect(b, &out).ok());
  ra::TpmProviderOptions opt;
  ASSERT_TRUE(ra::ParseTpmProviderSpec(base, &opt).ok());
  opt.eventlog = dir_ / "missing";
  opt.ima = dir_ / "missing";
  ASSERT_TRUE(ra::OpenTpmProvider(opt, &p).ok());
  out.clear();
  EXPECT_TRUE(p->Collect(b, &out).ok());
  EXPECT_EQ(out.size(), 3u);
}

TEST_F(TpmProviderTest, AkCertFromNv) {
  ra::Binding b = MakeBinding(8);
  std::unique_ptr<ra::EvidenceProvider> p;
  std::vector<ra::EvidenceItem> out;
  ASSERT_TRUE(ra::OpenTpmProvider(Spec(";akcert=nv:0x01c101d0"), &p).ok());
  ra::Status s = p->Collect(b, &out);
  EXPECT_FALSE(s.ok());  // configured, not there
  EXPECT_NE(s.message().find("0x01c101d0 is not defined"), std::string::npos) << s.message();
  std::string cert(1200, 'z');  // more than one NV read chunk on small TPMs
  ra_test::WriteFile(dir_ / "cert", cert);
  ASSERT_TRUE(DefineNvCert(tpm_->tcti(), dir_ / "cert", cert.size()));
  out.clear();
  s = p->Collect(b, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].type, "tpm-ak-cert");
  EXPECT_EQ(out[3].data, Bytes(cert.begin(), cert.end()));
}

TEST_F(TpmProviderTest, PersistentEccAk) {
  std::string pem, again;
  const std::string init = "--tcti " + tpm_->tcti() + " --alg ecc --handle 0x81000010";
  ASSERT_EQ(TpmInit(init, &pem), 0) << pem;
  // The handle is taken now: never overwritten.
  EXPECT_NE(TpmInit(init, &again), 0);
  EXPECT_NE(again.find("in use"), std::string::npos) << again;
  auto key = PemKey(pem);
  ASSERT_TRUE(key);
  EXPECT_EQ(EVP_PKEY_base_id(key.get()), EVP_PKEY_EC);
  ra::Binding b = MakeBinding(7);
  auto items = Collect(";tcti=" + tpm_->tcti() + ";ak=0x81000010;eventlog=none;ima=none", b);
  Checked c;
  VerifyItems(items, key.get(), b, &c);
  // No key at the default handle (0x81000003) of a fresh TPM: refused at open.
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenTpmProvider(";tcti=" + tpm_->tcti(), &p);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("0x81000003"), std::string::npos) << s.message();
  // An AK file is never overwritten either.
  EXPECT_NE(TpmInit("--tcti " + tpm_->tcti() + " --out " + (dir_ / "ak"), &again), 0);
}

TEST_F(TpmProviderTest, CorruptAkFileRefused) {
  std::string blob = ra_test::ReadFile(dir_ / "ak");
  blob[blob.size() - 1] ^= 1;  // the wrapped private part
  ra_test::WriteFile(dir_ / "bad", blob);
  std::unique_ptr<ra::EvidenceProvider> p;
  EXPECT_FALSE(ra::OpenTpmProvider(";tcti=" + tpm_->tcti() + ";ak=" + (dir_ / "bad"), &p).ok());
  ra_test::WriteFile(dir_ / "bad", blob + "x");  // trailing byte
  ra::Status s = ra::OpenTpmProvider(";tcti=" + tpm_->tcti() + ";ak=" + (dir_ / "bad"), &p);
  EXPECT_NE(s.message().find("malformed AK file"), std::string::npos) << s.message();
  ra_test::WriteFile(dir_ / "bad", "RASSHAK2" + blob.substr(8));
  s = ra::OpenTpmProvider(";tcti=" + tpm_->tcti() + ";ak=" + (dir_ / "bad"), &p);
  EXPECT_NE(s.message().find("not an AK file"), std::string::npos) << s.message();
}

// Whoever can replace the AK file chooses the key that signs the quotes.
TEST_F(TpmProviderTest, AkFileOthersMayWriteRefused) {
  const std::string ak = dir_ / "ak";
  ASSERT_EQ(chmod(ak.c_str(), 0660), 0);
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenTpmProvider(";tcti=" + tpm_->tcti() + ";ak=" + ak, &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad owner or permissions on " + ak + ": writable by group or others"),
            std::string::npos)
      << s.message();
  ASSERT_EQ(chmod(ak.c_str(), 0600), 0);
  EXPECT_TRUE(ra::OpenTpmProvider(";tcti=" + tpm_->tcti() + ";ak=" + ak, &p).ok());
}

// The Azure hardware's stand-ins (as regress/t-azure-vtpm.sh runs them):
// the sim's TD reports, swtpm as the vTPM, the paravisor stand-in that
// rebuilds the HCL report on a user-data write, the IMDS emulator.
class AzureStandIn {
 public:
  // snp: an SEV-SNP CVM (the SNP sim's report in the HCL report, THIM
  // serving its VCEK and chain) instead of a TDX one.
  bool Start(bool snp = false) {
    const std::string sim = dir / (snp ? "snp" : "sim");
    if (std::system((std::string(RA_SSH_ATTEST) + " sim-init " + (snp ? "--snp " : "") + sim +
                     " > /dev/null 2>&1").c_str()) != 0)
      return false;
    tpm = std::make_unique<Swtpm>(dir.path());
    pv = FreePortPair();
    paravisor = std::make_unique<Child>(std::vector<std::string>{
        "/usr/bin/python3", RA_PARAVISOR, "--swtpm-port", std::to_string(tpm->port()), "--listen",
        std::to_string(pv), snp ? "--snpreport-cmd" : "--tdreport-cmd",
        std::string(RA_SSH_ATTEST) + (snp ? " sim-snpreport " : " sim-tdreport ") + sim +
            " --report-data",
        "--ready-file", dir / "pv.ready", "--log", dir / "pv.log"});
    if (!WaitFile(dir / "pv.ready", 60)) return false;
    imds = std::make_unique<Child>(std::vector<std::string>{
        RA_IMDS_EMULATOR, snp ? "--snp" : "--sim", sim, "--port-file", dir / "imds.port"});
    if (!WaitFile(dir / "imds.port", 10)) return false;
    std::string port = ra_test::ReadFile(dir / "imds.port");
    while (!port.empty() && (port.back() == '\n' || port.back() == ' ')) port.pop_back();
    spec = ";tcti=" + tcti() + ";imds=http://127.0.0.1:" + port + "/acc/tdquote;lock=" +
           (dir / "lock");
    if (snp) spec += ";thim=http://127.0.0.1:" + port + "/metadata/THIM/amd/certification";
    return true;
  }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(pv); }
  // HCL reports the paravisor has written (one at its start, then one per
  // user-data write: each is an NV report read by the provider).
  int Reports() {
    std::string log = ra_test::ReadFile(dir / "pv.log");
    int n = 0;
    for (size_t pos = 0; (pos = log.find("wrote HCL report #", pos)) != std::string::npos; pos++) n++;
    return n;
  }
  ra_test::TempDir dir;
  std::unique_ptr<Swtpm> tpm;
  std::unique_ptr<Child> paravisor, imds;
  int pv = 0;
  std::string spec;  // ";tcti=...;imds=...;lock=..."
};

// Opens azure-vtpm on `spec` and collects once for `b` (the stand-in's
// paravisor log on failure).
::testing::AssertionResult OpenAndCollect(const AzureStandIn& az, const std::string& spec,
                                          const ra::Binding& b,
                                          std::unique_ptr<ra::EvidenceProvider>* p,
                                          std::vector<ra::EvidenceItem>* items) {
  ra::Status s = ra::OpenAzureVtpmProvider(spec, p);
  if (!s.ok()) return ::testing::AssertionFailure() << "open: " << s.message();
  s = (*p)->Collect(b, items);
  if (!s.ok())
    return ::testing::AssertionFailure() << s.message() << ra_test::ReadFile(az.dir / "pv.log");
  return ::testing::AssertionSuccess();
}

std::vector<std::string> TypesOf(const std::vector<ra::EvidenceItem>& items) {
  std::vector<std::string> types;
  for (const auto& i : items) types.push_back(i.type);
  return types;
}

// azure-vtpm with the paravisor stand-in: besides the TD quote, the vTPM
// quote by the AK at 0x81000003, which verifies with the HCLAkPub of the
// HCL report sent along (the chain of trust a client follows).
TEST(AzureVtpmQuote, SignedByHclAkPub) {
  AzureStandIn az;
  ASSERT_TRUE(az.Start()) << ra_test::ReadFile(az.dir / "pv.log");
  ra_test::TempDir& dir = az.dir;
  const std::string spec = az.spec + ";eventlog=none;ima=none";

  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Binding b = MakeBinding(9);
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(OpenAndCollect(az, spec, b, &p, &items));
  ra::Status s;
  EXPECT_EQ(TypesOf(items), (std::vector<std::string>{"azure-tdx-quote", "azure-runtime-data", "tpm-quote",
                                             "tpm-signature", "tpm-pcrs", "azure-hcl-report"}));
  ra::HclReport hcl;
  ASSERT_TRUE(ra::ParseHclReport(*Find(items, "azure-hcl-report"), &hcl).ok());
  EXPECT_EQ(hcl.runtime_json, *Find(items, "azure-runtime-data"));
  ra::AzureRuntimeData rt;
  ASSERT_TRUE(ra::ParseAzureRuntimeJson(hcl.runtime_json, &rt).ok());
  Bytes n, e;
  ASSERT_TRUE(ra::Base64UrlDecode(rt.ak_pub_n, &n).ok());
  ASSERT_TRUE(ra::Base64UrlDecode(rt.ak_pub_e, &e).ok());
  std::shared_ptr<EVP_PKEY> ak;
  ASSERT_TRUE(ra::RsaPublicKeyFromBytes(n, e, &ak).ok());
  Checked c;
  VerifyItems(items, ak.get(), b, &c);
  EXPECT_EQ(c.quote.pcr_select.at(0).pcrs,
            (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14}));

  // With an AK certificate in NV 0x01C101D0 (as Azure provisions), it
  // goes along as tpm-ak-cert.
  std::string cert(1500, 'c');
  ra_test::WriteFile(dir / "cert", cert);
  ASSERT_TRUE(DefineNvCert(az.tcti(), dir / "cert", cert.size()));
  items.clear();
  s = p->Collect(b, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_NE(Find(items, "tpm-ak-cert"), nullptr);
  EXPECT_EQ(*Find(items, "tpm-ak-cert"), Bytes(cert.begin(), cert.end()));

  // pcrs=none: today's items only.
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(spec + ";pcrs=none", &p).ok());
  items.clear();
  s = p->Collect(b, &items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(items.size(), 2u);
  EXPECT_FALSE(ra::OpenAzureVtpmProvider(spec + ";pcrs=0-99", &p).ok());
}

// azure-vtpm on an SEV-SNP CVM (the paravisor stand-in puts the SNP sim's
// report in the HCL report, IMDS's THIM endpoint serves the sim's VCEK and
// chain): azure-snp-report with its runtime JSON and certificate table,
// and the vTPM quote, both verify through the front door under a policy
// trusting the sim's ARK.
TEST(AzureVtpmQuote, SnpCvmReportAndQuoteVerify) {
  AzureStandIn az;
  ASSERT_TRUE(az.Start(true)) << ra_test::ReadFile(az.dir / "pv.log");
  ra_test::TempDir& dir = az.dir;
  // base: the vTPM alone, each case below names its own thim=.
  const std::string base =
      ";tcti=" + az.tcti() + ";eventlog=none;ima=none;lock=" + (dir / "lock");
  const std::string spec = az.spec + ";eventlog=none;ima=none";

  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Binding b = MakeBinding(11);
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(OpenAndCollect(az, spec, b, &p, &items));
  ra::Status s;
  EXPECT_EQ(TypesOf(items), (std::vector<std::string>{"azure-snp-report", "azure-runtime-data",
                                             "snp-certs", "tpm-quote", "tpm-signature",
                                             "tpm-pcrs", "azure-hcl-report"}));
  const std::string pol = "TrustAnchor snp " + (dir / "snp/ark.pem") +
                          "\nAcceptEvidence azure-snp-report,tpm-quote\n"
                          "RequireEvidence azure-snp-report,tpm-quote\n";
  ra::Policy policy;
  ASSERT_TRUE(ra::ParsePolicy(pol, "p", &policy).ok());
  ra::Verdict v;
  s = ra::Evaluate(items, policy, &b, std::time(nullptr), &v);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(v.items.size(), 2u);
  EXPECT_EQ(ra::ClaimField(v.items[1].claims, "ak_trust"), "azure-snp");
  // Another session's binding: both refuse.
  ra::Binding other = MakeBinding(12);
  EXPECT_FALSE(ra::Evaluate(items, policy, &other, std::time(nullptr), &v).ok());
  // AMD's real ARKs do not know the sim's chain.
  ra::Policy amd;
  ASSERT_TRUE(ra::ParsePolicy("AcceptEvidence azure-snp-report\n", "p", &amd).ok());
  s = ra::Evaluate(items, amd, &b, std::time(nullptr), &v);
  EXPECT_FALSE(s.ok());

  // No THIM there, or a THIM answer that is not JSON: the provider says so.
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(base + ";thim=http://127.0.0.1:1/x", &p).ok());
  items.clear();
  s = p->Collect(b, &items);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("IMDS http://127.0.0.1:1/x"), std::string::npos) << s.message();
  Child garbage({RA_IMDS_EMULATOR, "--snp", dir / "snp", "--garbage", "--port-file",
                 dir / "garbage.port"});
  ASSERT_TRUE(WaitFile(dir / "garbage.port", 10));
  std::string gport = ra_test::ReadFile(dir / "garbage.port");
  while (!gport.empty() && (gport.back() == '\n' || gport.back() == ' ')) gport.pop_back();
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(
                  base + ";thim=http://127.0.0.1:" + gport + "/metadata/THIM/amd/certification", &p)
                  .ok());
  s = p->Collect(b, &items);
  EXPECT_NE(s.message().find("THIM response"), std::string::npos) << s.message();
  // With an attestation service: not for SNP yet, and said so.
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(spec + ";service=https://maa.example", &p).ok());
  s = p->Collect(b, &items);
  EXPECT_NE(s.message().find("not supported for SNP"), std::string::npos) << s.message();
}

// azure-vtpm's event log and IMA list go along as the tpm provider's do.
TEST(AzureVtpmQuote, LogsGoAlong) {
  AzureStandIn az;
  ASSERT_TRUE(az.Start()) << ra_test::ReadFile(az.dir / "pv.log");
  ra_test::WriteFile(az.dir / "el", std::string(300, 'e'));
  ra_test::WriteFile(az.dir / "ima", std::string(200, 'i'));
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(
                  az.spec + ";eventlog=" + (az.dir / "el") + ";ima=" + (az.dir / "ima"), &p)
                  .ok());
  std::vector<ra::EvidenceItem> items;
  ra::Status s = p->Collect(MakeBinding(3), &items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_NE(Find(items, "tpm-eventlog"), nullptr);
  EXPECT_EQ(Find(items, "tpm-eventlog")->size(), 300u);
  ASSERT_NE(Find(items, "ima-log"), nullptr);
  EXPECT_EQ(Find(items, "ima-log")->size(), 200u);
  // A configured file that is not there fails the collection, naming it.
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(az.spec + ";eventlog=" + (az.dir / "nope"), &p).ok());
  items.clear();
  s = p->Collect(MakeBinding(3), &items);
  EXPECT_NE(s.message().find(az.dir / "nope"), std::string::npos) << s.message();
  EXPECT_FALSE(ra::OpenAzureVtpmProvider(az.spec + ";ima=relative", &p).ok());
  // Logs that with the Azure items would overflow the response: refused,
  // with the way out.
  ra_test::WriteFile(az.dir / "el", std::string(150 * 1024, 'e'));
  ra_test::WriteFile(az.dir / "ima", std::string(40 * 1024, 'i'));
  ASSERT_TRUE(ra::OpenAzureVtpmProvider(
                  az.spec + ";eventlog=" + (az.dir / "el") + ";ima=" + (az.dir / "ima"), &p)
                  .ok());
  items.clear();
  s = p->Collect(MakeBinding(3), &items);
  EXPECT_NE(s.message().find("together are over 184 KiB"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ima=none"), std::string::npos) << s.message();
}

// What a client with `AcceptEvidence tpm-quote` (TD quote under the sim's
// root) makes of the items, for binding b.
ra::Status ClientVerdict(const AzureStandIn& az, const std::vector<ra::EvidenceItem>& items,
                         const ra::Binding& b, ra::Verdict* v) {
  ra::Policy pol;
  RA_RETURN_IF_ERROR(ra::ParsePolicy("AcceptEvidence tpm-quote\nTrustAnchor tdx " +
                                         (az.dir / "sim/root.pem") + "\n",
                                     "test-policy", &pol));
  return ra::Evaluate(items, pol, &b, 0, v);
}

// Collect as sshd does: the provider opened for this one connection.
ra::Status CollectOnce(const std::string& spec, const ra::Binding& b,
                       std::vector<ra::EvidenceItem>* items) {
  std::unique_ptr<ra::EvidenceProvider> p;
  RA_RETURN_IF_ERROR(ra::OpenAzureVtpmProvider(spec, &p));
  items->clear();
  return p->Collect(b, items);
}

// hclcache: N connections, one HCL report read (and one IMDS quote); each
// connection's vTPM quote is its own and verifies as a fresh one would.
TEST(AzureVtpmHclCache, OneReportForManyConnections) {
  AzureStandIn az;
  ASSERT_TRUE(az.Start()) << ra_test::ReadFile(az.dir / "pv.log");
  const std::string spec =
      az.spec + ";eventlog=none;ima=none;hclcache=600;cachedir=" + (az.dir / "cache");
  const int before = az.Reports();
  const std::vector<std::string> want = {"azure-tdx-quote", "tpm-quote", "tpm-signature",
                                         "tpm-pcrs", "azure-hcl-report"};
  for (uint8_t i = 0; i < 4; i++) {
    std::vector<ra::EvidenceItem> items;
    ra::Status s = CollectOnce(spec, MakeBinding(i), &items);
    ASSERT_TRUE(s.ok()) << s.message() << ra_test::ReadFile(az.dir / "pv.log");
    EXPECT_EQ(TypesOf(items), want);
    ra::Verdict v;
    s = ClientVerdict(az, items, MakeBinding(i), &v);
    ASSERT_TRUE(s.ok()) << i << ": " << s.message();
    ASSERT_FALSE(v.items.empty());
    EXPECT_EQ(ra::ClaimField(v.items[0].claims, "ak_trust"), "azure-tdx");
    // Another session's binding: refused (the quote, not the report, is
    // per connection).
    EXPECT_EQ(ClientVerdict(az, items, MakeBinding(100), &v).check(), "tpm quote binding");
  }
  EXPECT_EQ(az.Reports(), before + 1);
  ra::CachedHclReport c;
  const std::string name = ra::HclCacheFileName(az.tcti());
  ASSERT_TRUE(ra::LoadHclCache(az.dir / "cache", name, 600, std::time(nullptr), &c).ok());
}

// A cached report that is stale, damaged, not of this TD's quote or
// unsafely kept is replaced by a fresh one; an AK that is not the report's
// HCLAkPub even after a fresh read is refused.
TEST(AzureVtpmHclCache, StaleOrMismatchedIsRefreshedOrRefused) {
  AzureStandIn az;
  ASSERT_TRUE(az.Start()) << ra_test::ReadFile(az.dir / "pv.log");
  const std::string dir = az.dir / "cache";
  const std::string spec = az.spec + ";eventlog=none;ima=none;hclcache=600;cachedir=" + dir;
  const std::string file = dir + "/" + ra::HclCacheFileName(az.tcti());
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(CollectOnce(spec, MakeBinding(1), &items).ok());
  int reports = az.Reports();
  ra::CachedHclReport good;
  ASSERT_TRUE(ra::ParseHclCache(ra_test::ReadFile(file), &good).ok());
  ra::Verdict v;
  // rewrite(entry, expect_refresh): the next connection reads a new report
  // or not, and verifies either way.
  auto next = [&](const ra::CachedHclReport& e, int mode, const char* what) {
    ra_test::WriteFile(file, ra::FormatHclCache(e));
    ASSERT_EQ(chmod(file.c_str(), static_cast<mode_t>(mode)), 0);
    ra::Status s = CollectOnce(spec, MakeBinding(2), &items);
    ASSERT_TRUE(s.ok()) << what << ": " << s.message();
    EXPECT_TRUE(ClientVerdict(az, items, MakeBinding(2), &v).ok()) << what;
  };
  ra::CachedHclReport e = good;
  next(e, 0600, "unchanged");
  EXPECT_EQ(az.Reports(), reports) << "a good entry is used";
  e.made_at -= 601;
  next(e, 0600, "stale");
  EXPECT_EQ(az.Reports(), ++reports);
  e = good;
  e.made_at = std::time(nullptr) + 3600;
  next(e, 0600, "from the future");
  EXPECT_EQ(az.Reports(), ++reports);
  e = good;
  e.made_at = std::time(nullptr);
  e.td_quote[100] ^= 1;  // in the TD quote body: not of the report's TD report
  next(e, 0600, "another TD's quote");
  EXPECT_EQ(az.Reports(), ++reports);
  e = good;
  e.made_at = std::time(nullptr);
  e.hcl_report[ra::kHclRuntimeJsonOffset + 20] ^= 1;  // runtime JSON != REPORTDATA
  next(e, 0600, "altered runtime data");
  EXPECT_EQ(az.Reports(), ++reports);
  e = good;
  e.made_at = std::time(nullptr);
  next(e, 0644, "readable by others");
  EXPECT_EQ(az.Reports(), ++reports);
  ra_test::WriteFile(file, "garbage\n");
  ASSERT_TRUE(CollectOnce(spec, MakeBinding(2), &items).ok());
  EXPECT_EQ(az.Reports(), ++reports) << "garbage";

  // The vTPM's AK replaced (0x81000003 now another key): the cached report
  // no longer matches, nor does a fresh one (the paravisor's HCLAkPub is
  // the old key): refused, naming why.
  const std::string t = " -T " + az.tcti() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(("tpm2_evictcontrol -C o -c 0x81000003" + t + " && tpm2_createprimary"
                         " -C o -G rsa2048:rsassa-sha256:null -a 'fixedtpm|fixedparent|"
                         "sensitivedataorigin|userwithauth|restricted|sign' -c " +
                         (az.dir / "ak2.ctx") + t + " && tpm2_evictcontrol -C o -c " +
                         (az.dir / "ak2.ctx") + " 0x81000003" + t).c_str()),
            0);
  ra::Status s = CollectOnce(spec, MakeBinding(3), &items);
  EXPECT_EQ(s.check(), "azure-vtpm") << s.message();
  EXPECT_NE(s.detail().find("not the HCL report's HCLAkPub"), std::string::npos) << s.message();
  EXPECT_EQ(az.Reports(), ++reports) << "a fresh report was tried";
}

// hclcache on an SEV-SNP CVM: THIM's certificate table is cached in place
// of the TD quote; N connections, one HCL report, each verifying through
// the (older) SNP report; a damaged cached table is replaced.
TEST(AzureVtpmHclCache, SnpCvmCachesTheThimTable) {
  AzureStandIn az;
  ASSERT_TRUE(az.Start(true)) << ra_test::ReadFile(az.dir / "pv.log");
  const std::string dir = az.dir / "cache";
  const std::string spec = az.spec + ";eventlog=none;ima=none;hclcache=600;cachedir=" + dir;
  const std::string file = dir + "/" + ra::HclCacheFileName(az.tcti());
  ra::Policy pol;
  ASSERT_TRUE(ra::ParsePolicy("AcceptEvidence tpm-quote\nTrustAnchor snp " +
                                  (az.dir / "snp/ark.pem") + "\n",
                              "p", &pol)
                  .ok());
  const int before = az.Reports();
  const std::vector<std::string> want = {"snp-certs", "tpm-quote", "tpm-signature", "tpm-pcrs",
                                         "azure-hcl-report"};
  std::vector<ra::EvidenceItem> items;
  ra::Verdict v;
  for (uint8_t i = 0; i < 3; i++) {
    ra::Status s = CollectOnce(spec, MakeBinding(i), &items);
    ASSERT_TRUE(s.ok()) << s.message() << ra_test::ReadFile(az.dir / "pv.log");
    EXPECT_EQ(TypesOf(items), want);
    ra::Binding b = MakeBinding(i);
    s = ra::Evaluate(items, pol, &b, std::time(nullptr), &v);
    ASSERT_TRUE(s.ok()) << i << ": " << s.message();
    EXPECT_EQ(ra::ClaimField(v.items[0].claims, "ak_trust"), "azure-snp");
    ra::Binding other = MakeBinding(100);
    EXPECT_EQ(ra::Evaluate(items, pol, &other, std::time(nullptr), &v).check(),
              "tpm quote binding");
  }
  EXPECT_EQ(az.Reports(), before + 1);
  ra::CachedHclReport c;
  ASSERT_TRUE(ra::ParseHclCache(ra_test::ReadFile(file), &c).ok());
  EXPECT_TRUE(c.td_quote.empty());
  ASSERT_FALSE(c.snp_certs.empty());
  // A table that does not parse, or a TD quote where the table belongs:
  // a fresh report and table.
  ra::CachedHclReport bad = c;
  bad.snp_certs = Bytes(40, 0xff);
  ra_test::WriteFile(file, ra::FormatHclCache(bad));
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  ASSERT_TRUE(CollectOnce(spec, MakeBinding(5), &items).ok());
  EXPECT_EQ(az.Reports(), before + 2);
  bad = c;
  bad.td_quote = bad.snp_certs;
  bad.snp_certs.clear();
  ra_test::WriteFile(file, ra::FormatHclCache(bad));
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  ra::Status s = CollectOnce(spec, MakeBinding(6), &items);
  ASSERT_TRUE(s.ok()) << s.message() << ra_test::ReadFile(az.dir / "pv.log");
  EXPECT_EQ(az.Reports(), before + 3);
  ra::Binding b6 = MakeBinding(6);
  s = ra::Evaluate(items, pol, &b6, std::time(nullptr), &v);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(AzureVtpmHclCache, SpecRefusals) {
  ra_test::TempDir dir;
  ra::Status s;
  std::unique_ptr<ra::EvidenceProvider> p;
  // Refused before any TPM is reached (port 1: nothing listens).
  const std::string base = ";tcti=swtpm:host=127.0.0.1,port=1;lock=" + (dir / "lock");
  for (const std::string& bad :
       {std::string(";hclcache=-1"), std::string(";hclcache=86401"), std::string(";hclcache=1x"),
        std::string(";hclcache=60;pcrs=none"), std::string(";hclcache=60;cachedir=rel"),
        std::string(";cachedir=") + (dir / "c"),
        std::string(";hclcache=60;service=https://maa.example.com")}) {
    s = ra::OpenAzureVtpmProvider(base + bad, &p);
    EXPECT_EQ(s.check(), "provider spec") << bad << ": " << s.message();
  }
  // A cache directory others may write.
  ASSERT_EQ(mkdir((dir / "open").c_str(), 0777), 0);
  ASSERT_EQ(chmod((dir / "open").c_str(), 0777), 0);
  s = ra::OpenAzureVtpmProvider(base + ";hclcache=60;cachedir=" + (dir / "open"), &p);
  EXPECT_EQ(s.check(), "azure-vtpm") << s.message();
  EXPECT_NE(s.message().find("cachedir"), std::string::npos) << s.message();
}

// The cache file's form (parse/hcl_cache_file.h).
TEST(HclCacheFile, RoundTripAndMalformed) {
  ra::CachedHclReport e;
  e.made_at = 1764400000;
  e.hcl_report = Bytes(2600, 7);
  e.td_quote = Bytes(5000, 9);
  ra::CachedHclReport back;
  ASSERT_TRUE(ra::ParseHclCache(ra::FormatHclCache(e), &back).ok());
  EXPECT_EQ(back.made_at, e.made_at);
  EXPECT_EQ(back.hcl_report, e.hcl_report);
  EXPECT_EQ(back.td_quote, e.td_quote);
  EXPECT_TRUE(back.snp_certs.empty());
  // An SNP report's entry: the certificate table on an "snpcerts" line.
  ra::CachedHclReport snp = e;
  snp.td_quote.clear();
  snp.snp_certs = Bytes(3000, 5);
  const std::string snp_text = ra::FormatHclCache(snp);
  EXPECT_NE(snp_text.find("\nsnpcerts "), std::string::npos);
  ASSERT_TRUE(ra::ParseHclCache(snp_text, &back).ok());
  EXPECT_EQ(back.snp_certs, snp.snp_certs);
  EXPECT_TRUE(back.td_quote.empty());
  const std::string good = ra::FormatHclCache(e);
  for (const std::string& bad :
       {std::string(""), good.substr(0, good.size() - 1), "x" + good,
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl AAAA\n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at -1\nhcl AAAA\ntdquote AAAA\n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl !!!!\ntdquote AAAA\n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl \ntdquote AAAA\n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\ntdquote AAAA\nhcl AAAA\n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl ") + std::string(30000, 'A') +
            "\ntdquote AAAA\n",
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl AAAA\nsnpcerts \n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl AAAA\nsnpcerts !!!!\n"),
        std::string("ra-ssh-azure-hcl-v1\nmade_at 1\nhcl AAAA\nsnpcert AAAA\n"),
        good + "extra\n"}) {
    ra::Status s = ra::ParseHclCache(bad, &back);
    EXPECT_EQ(s.check(), "azure-vtpm cache") << bad.substr(0, 60);
  }
  EXPECT_EQ(ra::ParseHclCache(std::string(70000, 'a'), &back).check(), "azure-vtpm cache");
}

TEST(TpmInit, UsageAndErrors) {
  ra_test::TempDir dir;
  std::string out;
  for (const std::string& bad :
       {std::string("--alg dsa"), std::string("--handle 0x80000001"), std::string("--out rel"),
        std::string("--handle 0x81000001 --out ") + (dir / "ak"), std::string("--tcti"),
        std::string("--bogus 1")}) {
    EXPECT_EQ(TpmInit(bad + " --tcti swtpm:host=127.0.0.1,port=1", &out), 2) << bad;
    EXPECT_NE(out.find("usage: ssh-attest tpm-init"), std::string::npos) << bad;
  }
  // No TPM there: one line naming the step, no tpm2-tss noise.
  EXPECT_EQ(TpmInit("--tcti swtpm:host=127.0.0.1,port=1 --out " + (dir / "ak"), &out), 1);
  EXPECT_EQ(out.rfind("ssh-attest tpm-init: tpm ak: TPM connection swtpm:", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_FALSE(ra_test::Exists(dir / "ak"));
}

TEST(TpmProviderSpec, Defaults) {
  ra::TpmProviderOptions o;
  ASSERT_TRUE(ra::ParseTpmProviderSpec("", &o).ok());
  EXPECT_EQ(o.tcti, "device:/dev/tpmrm0");
  EXPECT_EQ(o.ak.handle, 0x81000003u);
  EXPECT_EQ(o.pcrs, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14}));
  EXPECT_EQ(o.banks, (std::vector<uint16_t>{ra::kTpmAlgSha256}));
  EXPECT_EQ(o.eventlog, ra::kDefaultTpmEventLog);
  EXPECT_TRUE(o.eventlog_optional);
  ASSERT_TRUE(ra::ParseTpmProviderSpec(";ak=/etc/ak;eventlog=none;ima=/x", &o).ok());
  EXPECT_EQ(o.ak.file, "/etc/ak");
  EXPECT_EQ(o.eventlog, "");
  EXPECT_FALSE(o.ima_optional);
}

TEST(TpmProviderSpec, Refused) {
  for (const char* bad :
       {"x", ";", ";tcti", ";tcti=", ";ak=0x80000001", ";ak=0x8100000", ";ak=rel/path",
        ";ak=0x81zzzzzz", ";pcrs=24", ";pcrs=3-1", ";pcrs=", ";pcrs=1,,2", ";pcrs=-1",
        ";pcrs=001", ";banks=sha3", ";banks=sha256,sha256", ";banks=", ";eventlog=rel",
        ";ima=", ";akcert=rel", ";akcert=nv:0x81000000", ";akcert=nv:1", ";foo=1", ";pcrs=1;pcrs=2"}) {
    ra::TpmProviderOptions o;
    ra::Status s = ra::ParseTpmProviderSpec(bad, &o);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.check(), "provider spec") << bad;
  }
  std::unique_ptr<ra::EvidenceProvider> p;
  EXPECT_FALSE(ra::OpenProvider("tpm;pcrs=99", &p).ok());
  EXPECT_FALSE(ra::OpenProvider("tpmx", &p).ok());
}

}  // namespace
