// What the test-double servers (maa-emulator, imds-emulator) share: dying
// with their name, strict numeric options, and binding 127.0.0.1 with the
// port published atomically for the test that waits for it.
#pragma once

// The emulators link Debian's compiled cpp-httplib, built with OpenSSL:
// the header must see the same setting or the classes' layout differs.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tools {

// Set by each program before anything can fail.
inline const char*& ProgramName() {
  static const char* name = "emulator";
  return name;
}

[[noreturn]] inline void Die(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", ProgramName(), msg.c_str());
  std::exit(1);
}

inline int ParseInt(const char* opt, const char* v, int lo, int hi) {
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi)
    Die(std::string(opt) + ": expected a number in " + std::to_string(lo) + ".." +
        std::to_string(hi));
  return static_cast<int>(n);
}

// Binds 127.0.0.1:port (0: any free port) and, if port_file is given,
// writes the bound port there (temp file + rename, so a reader never sees
// half a number).  Returns the port.
inline int BindLoopback(httplib::Server& svr, int port, const std::string& port_file) {
  if (port == 0) {
    port = svr.bind_to_any_port("127.0.0.1");
    if (port <= 0) Die("cannot bind 127.0.0.1");
  } else if (!svr.bind_to_port("127.0.0.1", port)) {
    Die("cannot bind 127.0.0.1:" + std::to_string(port));
  }
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f || std::fprintf(f, "%d\n", port) < 0 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), port_file.c_str()) != 0)
      Die("cannot write " + port_file);
  }
  return port;
}

}  // namespace tools
