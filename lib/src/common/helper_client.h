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
// When a helper was started ahead (PrestartHelper) and not yet taken, the
// exchange uses it instead of starting one: the first request after the
// prestart costs no exec.
Status RunHelper(ByteView request, int64_t deadline_ms, Bytes* answer);

// sshd-session's monitor starts the helper when the connection starts, so
// that it has loaded (libcurl's closure: the exec is most of a fetch's
// cost) by the time its request comes; the production child the monitor
// forks takes it in RunHelper.  One helper, one request.  The process
// that started it ends it (EndPrestartedHelper: killed and reaped, used
// or not); any other child forked meanwhile drops its copy of the socket
// (DropPrestartedHelper).  The helper exits on its own if no request
// comes within its idle bound (kHelperIdleMs), or when every end of its
// socket is closed (the monitor exited).  Single-threaded callers only.
Status PrestartHelper();
// Still there (not exited) and younger than max_age_ms?  If not, ended.
bool PrestartedHelperReady(int64_t max_age_ms);
void EndPrestartedHelper();
void DropPrestartedHelper();
// A prestarted helper waits to be taken (sshd-session's production).
bool HavePrestartedHelper();

}  // namespace ra
