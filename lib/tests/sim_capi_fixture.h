// The C ABI end to end over a fresh sim, as ssh and sshd use it: sim-init
// in a test directory, a policy file, and the sim provider's evidence for
// one binding, ready for ra_verify / ra_verify_verdict.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "provider/sim_tdx_authority.h"
#include "ra_attest.h"
#include "ra_test_util.h"

namespace ra_test {

struct SimCapi {
  ra_policy* pol = nullptr;
  ra_provider* prov = nullptr;
  ra_evidence* ev = nullptr;
  uint8_t binding[RA_BINDING_LEN] = {7};
  SimCapi() = default;
  SimCapi(const SimCapi&) = delete;
  SimCapi& operator=(const SimCapi&) = delete;
  ~SimCapi() {
    ra_evidence_free(ev);
    ra_provider_free(prov);
    ra_policy_free(pol);
  }
};

// Fills *out: sim-init in dir/sim with opt, dir/policy with policy_text
// loaded, and evidence collected for out->binding.
inline void CollectSim(const TempDir& dir, const ra::SimInitOptions& opt,
                       const std::string& policy_text, SimCapi* out) {
  ASSERT_TRUE(ra::SimInit(dir / "sim", opt).ok());
  WriteFile(dir / "policy", policy_text);
  char err[1024];
  ASSERT_EQ(ra_policy_load((dir / "policy").c_str(), &out->pol, err, sizeof(err)), RA_OK) << err;
  ASSERT_EQ(ra_provider_open(("sim:" + dir / "sim").c_str(), &out->prov, err, sizeof(err)), RA_OK)
      << err;
  out->ev = ra_evidence_new();
  ASSERT_EQ(ra_provider_collect(out->prov, out->binding, out->ev, err, sizeof(err)), RA_OK) << err;
}

}  // namespace ra_test
