// A test double from tools/ (maa, pcs, kds emulator) run as a child of one
// test: started with --port-file (and --stats-file) in a test directory,
// waited for until it has bound its port, and killed when the object goes.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ra_test_util.h"

namespace ra_test {

class EmulatorProcess {
 public:
  // binary runs with --dir DIR/emu (its TLS files, the CA in ca.pem),
  // then its options, then a test's extra options; the port and stats
  // files are added (named uniquely in dir, so one test may run several).
  EmulatorProcess(const std::string& dir, const std::string& binary,
                  const std::vector<std::string>& options, const std::vector<std::string>& extra)
      : ca_(dir + "/emu/ca.pem") {
    static int counter = 0;
    port_file_ = dir + "/port." + std::to_string(counter);
    stats_ = dir + "/stats." + std::to_string(counter++);
    const std::string& name = binary;
    std::vector<std::string> args = {binary, "--dir", dir + "/emu"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--port-file", port_file_, "--stats-file", stats_});
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(&a[0]);
      argv.push_back(nullptr);
      if (!freopen("/dev/null", "w", stdout)) _exit(126);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 400 && port_ == 0; i++) {
      std::string p = ReadFile(port_file_);
      if (!p.empty()) port_ = std::atoi(p.c_str());
      else std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_NE(port_, 0) << name << " did not start";
  }
  ~EmulatorProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  int port() const { return port_; }
  const std::string& ca() const { return ca_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // The stats file as the emulator last wrote it, and its first count.
  std::string stats() const { return ReadFile(stats_); }
  long requests() const {
    std::string s = stats();
    size_t p = s.find(':');
    return p == std::string::npos ? -1 : std::atol(s.c_str() + p + 1);
  }

 private:
  std::string ca_, port_file_, stats_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Runs a shell command line; its stdout and stderr in *out, exit status
// returned (-1 if it did not exit).
inline int RunCommand(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace ra_test
