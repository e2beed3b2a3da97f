#include "common/helper_client.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/helper_wire.h"

extern char** environ;

namespace ra {
namespace {

std::mutex g_path_mu;  // constant-initialized

// Constructed on first use: OpenSSH sets it from a C constructor
// (ra_ssh.c), which may run before this file's dynamic initializers.
std::string& ConfiguredPath() {
  static std::string* path = new std::string;
  return *path;
}

// The child's side: the socket as stdin and stdout, stderr kept (or
// /dev/null if the caller had none), every other descriptor closed, then
// exec.  The socket is first moved above 2, since a caller with a closed
// standard descriptor gets it as 0, 1 or 2.  Only async-signal-safe calls.
[[noreturn]] void ExecHelper(int sock, const char* path) {
  int s = fcntl(sock, F_DUPFD, STDERR_FILENO + 1);  // without FD_CLOEXEC
  if (s == -1) _exit(127);
  bool have_stderr = sock != STDERR_FILENO && fcntl(STDERR_FILENO, F_GETFD) != -1;
  if (dup2(s, STDIN_FILENO) == -1 || dup2(s, STDOUT_FILENO) == -1) _exit(127);
  if (!have_stderr) {
    int null = open("/dev/null", O_WRONLY);
    if (null == -1 || dup2(null, STDERR_FILENO) == -1) _exit(127);
  }
  closefrom(STDERR_FILENO + 1);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGALRM}) sigaction(sig, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  char* const argv[] = {const_cast<char*>("ssh-attest-helper"), nullptr};
  execve(path, argv, environ);
  const char msg[] = "ssh-attest-helper: exec failed\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  _exit(127);
}

void Reap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  // ECHILD: a SIGCHLD handler of the caller (ssh's) reaped it already.
  while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
  }
}

}  // namespace

void SetHelperPath(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_path_mu);
  ConfiguredPath() = path;
}

std::string HelperPath() {
  const char* env = std::getenv("SSH_ATTEST_HELPER");
  if (env != nullptr && *env != '\0') return env;
  std::lock_guard<std::mutex> lock(g_path_mu);
  return ConfiguredPath();
}

Status RunHelper(ByteView request, int64_t deadline_ms, Bytes* answer) {
  std::string path = HelperPath();
  if (path.empty() || path[0] != '/')
    return Status::Fail("attestation helper", "no absolute helper path configured");
  if (access(path.c_str(), X_OK) != 0)
    return Status::Fail("attestation helper", path + ": " + std::strerror(errno));
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
    return Status::Fail("attestation helper", std::string("socketpair: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid == -1) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return Status::Fail("attestation helper", std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) ExecHelper(sv[1], path.c_str());
  close(sv[1]);
  Status st = WriteHelperFrame(sv[0], request, deadline_ms);
  if (st.ok()) {
    shutdown(sv[0], SHUT_WR);
    st = ReadHelperFrame(sv[0], deadline_ms, answer);
  }
  close(sv[0]);
  // Its answer read, the helper has nothing left to do: it is not waited for.
  Reap(pid);
  if (!st.ok()) return Status::Fail(st.check(), path + ": " + st.detail());
  return st;
}

}  // namespace ra
