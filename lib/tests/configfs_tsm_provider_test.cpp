// configfs-tsm against a fake report directory.  A plain directory does
// not grow attribute files on mkdir nor bump `generation` on an inblob
// write, so a FakeKernel plays configfs through the provider's hooks.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/snp_evidence_types.h"
#include "parse/snp_cert_table.h"
#include "provider/configfs_tsm_provider.h"
#include "provider/sim_snp_authority.h"
#include "ra_test_util.h"
#include "sim_snp_fixture.h"
#include "tdx_test_vectors.h"
#include "verify/snp_evidence.h"
#include "verify/x509_util.h"

namespace {

using ra_test::TempDir;

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(path.c_str()), closedir);
  if (!d) return names;
  while (dirent* e = readdir(d.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  return names;
}

struct FakeKernel {
  std::string provider = "tdx_guest";
  bool create_outblob = true;
  std::string generation_text;   // overrides the generation after inblob
  int generation_step = 1;       // how far an inblob write moves generation
  std::string outblob;           // empty: "QUOTE" + inblob
  size_t outblob_size = 0;       // >0: write this many bytes instead
  std::vector<std::string> entries_seen;
  std::string last_inblob;
  // sev_guest: reports come from this sim-snp directory.
  std::string snp_dir;
  bool create_auxblob = true;
  bool snp_certs = true;          // false: the host supplies none (empty auxblob)
  std::string auxblob;            // non-empty: written instead of the sim's table
  bool snp_wrong_report_data = false;
  std::string privlevel_floor = "0";
  std::string last_privlevel;
  // Where the CCEL is read: none unless a test makes one.
  std::string acpi_dir = "/nonexistent/ra-ssh-test/acpi";

  // What sev-guest's TSM hands back for the inblob: the sim's report and
  // table, or what a test substitutes.
  void FillSnp(const std::string& entry) {
    std::array<uint8_t, 64> rd{};
    for (size_t i = 0; i < rd.size() && i < last_inblob.size(); i++)
      rd[i] = static_cast<uint8_t>(last_inblob[i]);
    if (snp_wrong_report_data) rd[0] ^= 1;
    ra::Bytes report, table;
    ra::Status s = ra::SimSnpGetReport(snp_dir, rd, &report, &table);
    if (!s.ok()) ADD_FAILURE() << s.message();
    last_privlevel = ra_test::ReadFile(entry + "/privlevel");
    if (outblob_size)
      ra_test::WriteFile(entry + "/outblob", std::string(outblob_size, 'q'));
    else
      ra_test::WriteFile(entry + "/outblob", std::string(report.begin(), report.end()));
    if (!create_auxblob) return;
    if (!auxblob.empty())
      ra_test::WriteFile(entry + "/auxblob", auxblob);
    else if (snp_certs)
      ra_test::WriteFile(entry + "/auxblob", std::string(table.begin(), table.end()));
  }

  ra::TsmKernelHooks Hooks() {
    ra::TsmKernelHooks h;
    h.acpi_tables_dir = acpi_dir;
    h.after_mkdir = [this](const std::string& entry) {
      entries_seen.push_back(entry);
      ra_test::WriteFile(entry + "/provider", provider + "\n");
      ra_test::WriteFile(entry + "/generation", "41\n");
      ra_test::WriteFile(entry + "/inblob", "");
      if (create_outblob) ra_test::WriteFile(entry + "/outblob", "");
      if (provider == "sev_guest") {
        ra_test::WriteFile(entry + "/privlevel", "");
        ra_test::WriteFile(entry + "/privlevel_floor", privlevel_floor + "\n");
        if (create_auxblob) ra_test::WriteFile(entry + "/auxblob", "");
      }
    };
    h.after_inblob = [this](const std::string& entry) {
      last_inblob = ra_test::ReadFile(entry + "/inblob");
      if (provider == "sev_guest") {
        FillSnp(entry);
      } else if (create_outblob) {
        if (outblob_size)
          ra_test::WriteFile(entry + "/outblob", std::string(outblob_size, 'q'));
        else
          ra_test::WriteFile(entry + "/outblob",
                             outblob.empty() ? "QUOTE" + last_inblob : outblob);
      }
      ra_test::WriteFile(entry + "/generation",
                         generation_text.empty()
                             ? std::to_string(41 + generation_step) + "\n"
                             : generation_text);
    };
    // configfs removes an entry's attributes with the directory.
    h.before_rmdir = [](const std::string& entry) {
      for (const std::string& n : ListDir(entry)) unlink((entry + "/" + n).c_str());
    };
    return h;
  }
};

ra::Binding TestBinding() { return ra_test::CountingBinding(0xa0); }

class ConfigfsTsmTest : public ::testing::Test {
 protected:
  ra::Status Collect(std::vector<ra::EvidenceItem>* items) {
    std::unique_ptr<ra::EvidenceProvider> p;
    ra::Status s = ra::OpenConfigfsTsmProviderWithHooks(dir_.path(), kernel_.Hooks(), &p);
    if (!s.ok()) return s;
    return p->Collect(TestBinding(), items);
  }
  // Collect fails saying `why` (in its detail) and returns no items.
  void ExpectRefused(const std::string& why) {
    std::vector<ra::EvidenceItem> items;
    ra::Status s = Collect(&items);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.detail().find(why), std::string::npos) << s.message();
    EXPECT_TRUE(items.empty());
  }
  // Every attempt, good or bad, leaves the report directory as it was.
  void TearDown() override {
    EXPECT_TRUE(ListDir(dir_.path()).empty()) << "entry left behind";
  }

  TempDir dir_;
  FakeKernel kernel_;
};

TEST_F(ConfigfsTsmTest, CollectsOutblobForTheBinding) {
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::Binding b = TestBinding();
  std::string binding(b.begin(), b.end());
  EXPECT_EQ(kernel_.last_inblob, binding);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "tdx-quote");
  EXPECT_EQ(std::string(items[0].data.begin(), items[0].data.end()), "QUOTE" + binding);
  ASSERT_EQ(kernel_.entries_seen.size(), 1u);
  EXPECT_EQ(kernel_.entries_seen[0].rfind(dir_.path() + "/ra-ssh-", 0), 0u);
}

// tdx_guest: the CCEL table and log go along as a tdx-eventlog item.
TEST_F(ConfigfsTsmTest, TdxEventLogBesideTheQuote) {
  TempDir acpi;
  kernel_.acpi_dir = acpi.path();
  ra::Bytes table = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_table.bin");
  ra::Bytes area = ra_tdx_test::ReadVector("tdx/ccel/gotdx_gcp_cos113_ccel_data.bin");
  ra_test::WriteFile(acpi / "CCEL", std::string(table.begin(), table.end()));
  ASSERT_EQ(mkdir((acpi / "data").c_str(), 0700), 0);
  ra_test::WriteFile(acpi / "data/CCEL", std::string(area.begin(), area.end()));
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, "tdx-quote");
  EXPECT_EQ(items[1].type, "tdx-eventlog");
  EXPECT_EQ(items[1].data.size(), 56u + 18101u);
  // A log that does not parse fails the evidence, naming it.
  ra_test::WriteFile(acpi / "data/CCEL", std::string(area.size(), 'x'));
  items.clear();
  s = Collect(&items);
  EXPECT_EQ(s.check(), "tdx eventlog");
  EXPECT_NE(s.detail().find("data/CCEL"), std::string::npos) << s.message();
}

TEST_F(ConfigfsTsmTest, FreshEntryPerCollect) {
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenConfigfsTsmProviderWithHooks(dir_.path(), kernel_.Hooks(), &p).ok());
  for (int i = 0; i < 3; i++) {
    std::vector<ra::EvidenceItem> items;
    ASSERT_TRUE(p->Collect(TestBinding(), &items).ok());
  }
  ASSERT_EQ(kernel_.entries_seen.size(), 3u);
  EXPECT_NE(kernel_.entries_seen[0], kernel_.entries_seen[1]);
  EXPECT_NE(kernel_.entries_seen[1], kernel_.entries_seen[2]);
}

TEST_F(ConfigfsTsmTest, UnknownProvider) {
  kernel_.provider = "arm_cca_guest";
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "configfs-tsm");
  EXPECT_NE(s.detail().find("provider is 'arm_cca_guest', want tdx_guest or sev_guest"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(items.empty());
  EXPECT_TRUE(kernel_.last_inblob.empty()) << "inblob written despite wrong provider";
}

TEST_F(ConfigfsTsmTest, GenerationNotAdvanced) {
  kernel_.generation_step = 0;
  ExpectRefused("generation went from 41 to 41");
}

TEST_F(ConfigfsTsmTest, GenerationAdvancedTwice) {
  kernel_.generation_step = 2;  // someone else wrote inblob too
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("concurrent writer"), std::string::npos) << s.message();
}

TEST_F(ConfigfsTsmTest, GenerationNotANumber) {
  kernel_.generation_text = "x1\n";
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("not a number"), std::string::npos) << s.message();
}

TEST_F(ConfigfsTsmTest, OversizeOutblob) {
  kernel_.outblob_size = ra::kMaxTsmOutblobLen + 1;
  ExpectRefused("larger than");
}

TEST_F(ConfigfsTsmTest, MaximalOutblobAccepted) {
  kernel_.outblob_size = ra::kMaxTsmOutblobLen;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(items[0].data.size(), ra::kMaxTsmOutblobLen);
}

TEST_F(ConfigfsTsmTest, MissingOrEmptyOutblob) {
  kernel_.create_outblob = false;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("outblob"), std::string::npos) << s.message();

  kernel_.create_outblob = true;
  kernel_.outblob = "";
  kernel_.outblob_size = 0;
  ra::TsmKernelHooks h = kernel_.Hooks();
  auto fill = h.after_inblob;
  h.after_inblob = [&](const std::string& e) {
    fill(e);
    ra_test::WriteFile(e + "/outblob", "");
  };
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenConfigfsTsmProviderWithHooks(dir_.path(), h, &p).ok());
  s = p->Collect(TestBinding(), &items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("empty outblob"), std::string::npos) << s.message();
}

TEST_F(ConfigfsTsmTest, ReportDirVanishesAfterOpen) {
  TempDir other;
  std::string gone = other / "report";
  ASSERT_EQ(mkdir(gone.c_str(), 0700), 0);
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenConfigfsTsmProviderWithHooks(gone, kernel_.Hooks(), &p).ok());
  ASSERT_EQ(rmdir(gone.c_str()), 0);
  std::vector<ra::EvidenceItem> items;
  ra::Status s = p->Collect(TestBinding(), &items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("mkdir"), std::string::npos) << s.message();
}

// --- SEV-SNP (provider sev_guest) -------------------------------------

const std::string& SimSnpDir() { return ra_test::SharedSimSnpDir(ra::SnpProduct::kGenoa); }

class ConfigfsTsmSnpTest : public ConfigfsTsmTest {
 protected:
  void SetUp() override {
    kernel_.provider = "sev_guest";
    kernel_.snp_dir = SimSnpDir();
  }
  // The items through the real verifier, with the sim's ARK as anchor.
  ra::Status Verify(const std::vector<ra::EvidenceItem>& items) {
    return ra_test::VerifySimSnpItems(SimSnpDir(), items, TestBinding());
  }
};

TEST_F(ConfigfsTsmSnpTest, ReportAndCertsVerify) {
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_TRUE(s.ok()) << s.message();
  ra::Binding b = TestBinding();
  EXPECT_EQ(kernel_.last_inblob, std::string(b.begin(), b.end()));
  EXPECT_EQ(kernel_.last_privlevel, "0\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, "snp-report");
  EXPECT_EQ(items[0].data.size(), ra::kSnpReportLen);
  EXPECT_EQ(items[1].type, "snp-certs");
  s = Verify(items);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(ConfigfsTsmSnpTest, NoCertificatesFromTheHost) {
  kernel_.snp_certs = false;  // auxblob reads empty
  std::vector<ra::EvidenceItem> items;
  ASSERT_TRUE(Collect(&items).ok());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "snp-report");
  // Without a VCEK the verifier has nothing to check the signature with.
  EXPECT_EQ(Verify(items).check(), "snp certs");

  kernel_.create_auxblob = false;  // a kernel without auxblob
  items.clear();
  ASSERT_TRUE(Collect(&items).ok());
  EXPECT_EQ(items.size(), 1u);

  // A host that leaves a zeroed page: a table of just its terminator is
  // no certificates, not an snp-certs item that would hide SnpKds.
  kernel_.create_auxblob = true;
  kernel_.snp_certs = true;
  kernel_.auxblob = std::string(4096, '\0');
  items.clear();
  ASSERT_TRUE(Collect(&items).ok());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "snp-report");
}

TEST_F(ConfigfsTsmSnpTest, ReportOverOtherDataRefused) {
  kernel_.snp_wrong_report_data = true;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "configfs-tsm");
  EXPECT_NE(s.detail().find("REPORT_DATA is not the binding asked for"), std::string::npos)
      << s.message();
  EXPECT_TRUE(items.empty());
}

TEST_F(ConfigfsTsmSnpTest, GenerationNotAdvanced) {
  kernel_.generation_step = 0;
  ExpectRefused("generation went from 41 to 41");
}

TEST_F(ConfigfsTsmSnpTest, OutblobNotAReport) {
  kernel_.outblob_size = ra::kSnpReportLen - 1;
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("report: snp report"), std::string::npos) << s.message();

  kernel_.outblob_size = ra::kSnpReportLen + 1;
  s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("larger than"), std::string::npos) << s.message();
  EXPECT_TRUE(items.empty());
}

TEST_F(ConfigfsTsmSnpTest, OversizedAuxblobRefused) {
  kernel_.auxblob = std::string(ra::kMaxSnpCertTableLen + 1, '\0');
  ExpectRefused("larger than");
}

TEST_F(ConfigfsTsmSnpTest, GarbledAuxblobRefused) {
  kernel_.auxblob = std::string(100, '\x11');  // no terminator, offsets outside
  ExpectRefused("auxblob: snp cert table");
}

TEST_F(ConfigfsTsmSnpTest, PrivlevelFloorAboveZero) {
  kernel_.privlevel_floor = "2";  // a guest running at VMPL 2 under an SVSM
  std::vector<ra::EvidenceItem> items;
  ra::Status s = Collect(&items);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("privlevel_floor is 2"), std::string::npos) << s.message();
  EXPECT_TRUE(kernel_.last_inblob.empty());
}

TEST(ConfigfsTsmOpen, MissingOrNotADirectory) {
  TempDir dir;
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenProvider("configfs-tsm:" + dir / "absent", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "configfs-tsm");
  EXPECT_NE(s.detail().find("No such file"), std::string::npos) << s.message();

  ra_test::WriteFile(dir / "file", "");
  s = ra::OpenProvider("configfs-tsm:" + dir / "file", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("not a directory"), std::string::npos) << s.message();

  s = ra::OpenProvider("configfs-tsm:" + dir.path(), &p);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(ConfigfsTsmOpen, DefaultPath) {
  // This host may or may not be a TDX guest; either way the default path
  // is the one opened.
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenProvider("configfs-tsm", &p);
  if (!s.ok())
    EXPECT_NE(s.detail().find("/sys/kernel/config/tsm/report"), std::string::npos)
        << s.message();
  else
    EXPECT_TRUE(ra_test::Exists("/sys/kernel/config/tsm/report"));
}

}  // namespace
