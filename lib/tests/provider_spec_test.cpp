// The provider spec, owned by the library: syntax check (no file touched)
// and the composition of sshd_config's separate options into one spec.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "ra_attest.h"

namespace {

bool Valid(const char* spec) { return ra_provider_spec_check(spec, nullptr, 0) == RA_OK; }

TEST(ProviderSpec, SyntaxOnly) {
  // Forms that parse, whether or not what they name exists.
  for (const char* ok : {"sim:/nonexistent/dir", "sim-azure:/x;service=https://a.example",
                         "sim-azure:/x;service=https://a;ca=/c.pem;timeout=5",
                         "configfs-tsm", "configfs-tsm:/sys/x", "trustauthority-cli:/usr/bin/t",
                         "azure-vtpm", "azure-vtpm;tcti=swtpm:host=127.0.0.1,port=1",
                         "azure-vtpm;imds=http://10.1.2.3/x;lock=/run/l"})
    EXPECT_TRUE(Valid(ok)) << ok;
  char err[256];
  for (const char* bad : {"", "tdx-please", "sim", "sim:", "sim:relative", "sim-azure",
                          "configfs-tsm:", "configfs-tsm:rel", "trustauthority-cli",
                          "trustauthority-cli:t", "azure-vtpmx", "azure-vtpm;bogus=1",
                          "azure-vtpm;tcti", "azure-vtpm;tcti=", "azure-vtpm;lock=/a;lock=/b",
                          "sim:/x;service=https://a", "sim:/a b"}) {
    EXPECT_EQ(ra_provider_spec_check(bad, err, sizeof(err)), RA_ERR_INVALID) << bad;
    EXPECT_EQ(std::strncmp(err, "provider spec: ", 15), 0) << err;
  }
  EXPECT_EQ(ra_provider_spec_check(nullptr, err, sizeof(err)), RA_ERR_INVALID);
}

std::string Compose(const char* p, const char* tool, const char* svc, const char* ca,
                    int want = RA_OK) {
  char* out = nullptr;
  char err[256];
  int rc = ra_provider_spec_compose(p, tool, svc, ca, &out, err, sizeof(err));
  EXPECT_EQ(rc, want) << p << ": " << err;
  std::string s = rc == RA_OK ? std::string(out) : std::string(err);
  if (rc != RA_OK) {
    EXPECT_EQ(out, nullptr);
  }
  free(out);
  return s;
}

TEST(ProviderSpec, ComposeFromSeparateOptions) {
  EXPECT_EQ(Compose("sim:/s", nullptr, nullptr, nullptr), "sim:/s");
  EXPECT_EQ(Compose("trustauthority-cli", nullptr, nullptr, nullptr),
            "trustauthority-cli:/usr/bin/trustauthority-cli");
  EXPECT_EQ(Compose("trustauthority-cli", "/opt/ta", "none", "none"), "trustauthority-cli:/opt/ta");
  EXPECT_EQ(Compose("azure-vtpm", nullptr, "https://maa.example", "/ca.pem"),
            "azure-vtpm;service=https://maa.example;ca=/ca.pem");
  EXPECT_EQ(Compose("trustauthority-cli", "/t", "https://m", nullptr),
            "trustauthority-cli:/t;service=https://m");
  EXPECT_NE(Compose("sim:/s", nullptr, "https://m", nullptr, RA_ERR_INVALID)
                .find("AttestationService needs the azure-vtpm or trustauthority-cli provider"),
            std::string::npos);
  EXPECT_NE(Compose("azure-vtpm", nullptr, nullptr, "/ca.pem", RA_ERR_INVALID)
                .find("AttestationServiceCA without AttestationService"),
            std::string::npos);
  Compose("tdx-please", nullptr, nullptr, nullptr, RA_ERR_INVALID);
  Compose("trustauthority-cli", "relative", nullptr, nullptr, RA_ERR_INVALID);
}

// Which providers sshd-session runs through libexec/ssh-attest-helper
// (and starts it ahead for): the table's tpm2-tss providers, and any
// provider that posts to an attestation service.  openssh/src asks the
// library instead of naming providers (issue 10).
TEST(ProviderSpec, UsesHelper) {
  for (const char* spec : {"tpm", "tpm;ak=0x81000003", "azure-vtpm", "azure-vtpm;pcrs=0,7"})
    EXPECT_EQ(ra_provider_uses_helper(spec, nullptr), 1) << spec;
  for (const char* spec : {"sim:/x", "sim-snp:/x", "configfs-tsm", "configfs-tsm:/t",
                           "sev-guest", "trustauthority-cli:/usr/bin/t", "sim-azure:/x",
                           "none", "bogus", "tpmx", "", "sim:/tpm"})
    EXPECT_EQ(ra_provider_uses_helper(spec, nullptr), 0) << spec;
  EXPECT_EQ(ra_provider_uses_helper("configfs-tsm", "none"), 0);
  EXPECT_EQ(ra_provider_uses_helper("configfs-tsm", "https://maa.example"), 1);
  EXPECT_EQ(ra_provider_uses_helper("sim-azure:/x;service=https://maa.example", nullptr), 1);
  EXPECT_EQ(ra_provider_uses_helper("trustauthority-cli:/t;service=https://ita", "none"), 1);
  EXPECT_EQ(ra_provider_uses_helper("none", "https://maa.example"), 0);
  EXPECT_EQ(ra_provider_uses_helper(nullptr, nullptr), 0);
}

}  // namespace
