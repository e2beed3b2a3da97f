// ra_attest_remote_tests: the fetch tests (PCS collateral, AMD KDS, issuer
// keys) linked against libra_attest_ssh.a, the archive ssh and sshd-session
// link, so every HTTPS exchange goes through libexec/ssh-attest-helper
// (remote/helper_https.cpp) and must behave as the direct one does.  The
// binary links no libcurl: a fetch that did not go through the helper
// would not link.
#include "common/helper_client.h"

namespace {

const bool kHelperSet = [] {
  ra::SetHelperPath(RA_ATTEST_HELPER);
  return true;
}();

}  // namespace
