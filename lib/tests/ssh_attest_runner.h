// Runs the built ssh-attest (RA_SSH_ATTEST) as a user would, capturing its
// exit code, stdout and stderr: shared by the CLI tests.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "ra_test_util.h"

namespace ra_test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline CliResult RunSshAttest(const std::vector<std::string>& args) {
  TempDir tmp;
  const std::string out_path = tmp / "out", err_path = tmp / "err";
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
    std::vector<std::string> copy = args;
    std::string bin = RA_SSH_ATTEST;
    std::vector<char*> argv{&bin[0]};
    for (auto& a : copy) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  CliResult r;
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

}  // namespace ra_test
