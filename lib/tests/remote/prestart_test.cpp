// The tpm2-tss providers as sshd-session runs them (remote/, through
// libexec/ssh-attest-helper) with a helper started ahead: the production
// opens and collects through that one helper, no exec (the configured path
// is gone, so an exec would fail by its name), and the open's failure
// still comes back as the provider's own.  Without a prestarted helper
// the open runs the helper, as sshd's start-up check does.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/helper_client.h"
#include "provider/tpm_provider.h"

namespace {

TEST(RemotePrestart, TpmProductionUsesTheOneHelperStartedAhead) {
  ASSERT_TRUE(ra::PrestartHelper().ok());
  ra::SetHelperPath("/nonexistent/ssh-attest-helper");
  std::unique_ptr<ra::EvidenceProvider> p;
  ASSERT_TRUE(ra::OpenTpmProvider(";tcti=device:/nonexistent/tpm0", &p).ok());
  ra::Binding b{};
  std::vector<ra::EvidenceItem> items;
  ra::Status st = p->Collect(b, &items);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("/nonexistent/ssh-attest-helper"), std::string::npos)
      << st.message();
  EXPECT_FALSE(ra::HavePrestartedHelper());
  st = ra::OpenTpmProvider("", &p);  // none left: the open execs, and fails
  EXPECT_NE(st.message().find("/nonexistent/ssh-attest-helper"), std::string::npos)
      << st.message();
  ra::EndPrestartedHelper();
  ra::SetHelperPath(RA_ATTEST_HELPER);
}

}  // namespace
