// Running libexec/ssh-attest-helper (issue 14, least library surface): how
// ssh and sshd-session reach the code that needs libcurl or tpm2-tss
// (remote/) without loading it.  The helper is exec'd with a fixed
// argument vector, its stdin and stdout one end of a socketpair, its
// stderr the caller's (ssh's terminal, sshd's log); it gets no other
// descriptor, reads one request, writes one answer and exits.
#pragma once

#include <string>

#include "common/status.h"

namespace ra {

// The helper's path: SSH_ATTEST_HELPER from the environment when set and
// not empty (as ssh-sk-helper's SSH_SK_HELPER, for tests), else what
// SetHelperPath gave (OpenSSH's compiled-in libexec path).
void SetHelperPath(const std::string& path);
std::string HelperPath();

// One exchange: request out, answer in, the helper reaped.  Past
// deadline_ms (MonotonicMs()) the helper is killed and the exchange fails.
Status RunHelper(ByteView request, int64_t deadline_ms, Bytes* answer);

}  // namespace ra
