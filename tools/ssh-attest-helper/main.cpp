// ssh-attest-helper: run by ssh, sshd and sshd-session (never by hand) for
// what needs libcurl or tpm2-tss, so they do not load either (issue 14,
// docs/design.md "Privilege and library model").  No options: one
// request on stdin, one answer on stdout (common/helper_wire.h), errors
// on stderr, then exit.  It runs with its caller's privileges: the user's
// for ssh, the monitor's (root) for sshd's providers.
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "common/helper_server.h"
#include "common/helper_wire.h"

namespace {

// How long the caller may take to send its request (it writes at once).
constexpr int64_t kRequestMs = 10 * 1000;
// The answer is bounded by the caller's deadline; this is the backstop.
constexpr int64_t kAnswerMs = 60 * 1000;

}  // namespace

int main(int argc, char** argv) {
  (void)argv;
  if (argc != 1) {
    std::fprintf(stderr, "ssh-attest-helper: takes no arguments; run by ssh and sshd\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  ra::Bytes request;
  ra::Status st = ra::ReadHelperFrame(STDIN_FILENO, ra::MonotonicMs() + kRequestMs, &request);
  if (!st.ok()) {
    std::fprintf(stderr, "ssh-attest-helper: %s\n", st.message().c_str());
    return 1;
  }
  ra::Bytes answer = ra::ServeHelperRequest(request);
  st = ra::WriteHelperFrame(STDOUT_FILENO, answer, ra::MonotonicMs() + kAnswerMs);
  if (!st.ok()) {
    std::fprintf(stderr, "ssh-attest-helper: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
