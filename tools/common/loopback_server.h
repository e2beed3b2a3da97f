// What the test-double servers (the maa, imds, pcs and kds emulators)
// share: dying with their name, strict numeric options, the options every
// one of them takes, files written atomically, and binding 127.0.0.1 with
// the port published for the test that waits for it.
#pragma once

// The emulators link Debian's compiled cpp-httplib, built with OpenSSL:
// the header must see the same setting or the classes' layout differs.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

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

// Writes path via a temp file and rename, so a reader never sees half of it.
inline void WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f || std::fputs(content.c_str(), f) < 0 || std::fclose(f) != 0 ||
      std::rename(tmp.c_str(), path.c_str()) != 0)
    Die("cannot write " + path);
}

// The options every emulator takes: where it listens and how it fails.
struct ServerOptions {
  int port = 0;           // --port N (0: any free port)
  std::string port_file;  // --port-file FILE: the bound port, written atomically
  int status = 0;         // --status CODE: answer with this HTTP status (0: normally)
  int slow = 0;           // --slow SECONDS: wait this long before answering
};

using NextArg = std::function<const char*()>;

[[noreturn]] inline void UsageExit(const char* usage) {
  std::fputs(usage, stderr);
  std::exit(2);
}

// True if `a` is one of ServerOptions' flags (its value taken with next()).
inline bool ParseServerOption(const std::string& a, const NextArg& next, ServerOptions* o) {
  if (a == "--port") o->port = ParseInt("--port", next(), 0, 65535);
  else if (a == "--port-file") o->port_file = next();
  else if (a == "--status") o->status = ParseInt("--status", next(), 100, 599);
  else if (a == "--slow") o->slow = ParseInt("--slow", next(), 0, 3600);
  else return false;
  return true;
}

// Parses argv: ServerOptions' flags into *o, every other one through
// f(flag, next), which returns false for a flag it does not know.  An
// unknown flag or a missing value prints usage and exits 2.
inline void ParseArgs(int argc, char** argv, const char* usage, ServerOptions* o,
                      const std::function<bool(const std::string&, const NextArg&)>& f) {
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    NextArg next = [&]() -> const char* {
      if (i + 1 >= argc) UsageExit(usage);
      return argv[++i];
    };
    if (!ParseServerOption(a, next, o) && !f(a, next)) UsageExit(usage);
  }
}

// One of an emulator's own flags and what it sets: a string (the flag
// takes a value), a list (each use appends its value) or a bool (set when
// the flag is given).
struct Flag {
  Flag(const char* n, std::string* v) : name(n), value(v) {}
  Flag(const char* n, std::vector<std::string>* l) : name(n), list(l) {}
  Flag(const char* n, bool* b) : name(n), set(b) {}
  const char* name;
  std::string* value = nullptr;
  std::vector<std::string>* list = nullptr;
  bool* set = nullptr;
};

// Names the program (for Die), then parses argv as above: `flags` into
// their members, and what none of them is through more (when given).
inline void ParseArgs(const char* program, int argc, char** argv, const char* usage,
                      ServerOptions* o, std::initializer_list<Flag> flags,
                      const std::function<bool(const std::string&, const NextArg&)>& more = {}) {
  ProgramName() = program;
  ParseArgs(argc, argv, usage, o, [&](const std::string& a, const NextArg& next) {
    for (const Flag& f : flags) {
      if (a != f.name) continue;
      if (f.value) *f.value = next();
      else if (f.list) f.list->push_back(next());
      else *f.set = true;
      return true;
    }
    return more && more(a, next);
  });
}

// 10 s read and write timeouts, and no Nagle: TLS 1.3 sends two session
// tickets as separate small writes right after the handshake; with Nagle on,
// the second waits for the client's delayed ACK (40 ms on Linux) and every
// request paid that (bench/: the response left the maa-emulator 38 ms before
// the client saw it).  A real service's latency is its own; an emulator must
// not add this one.  (Debian's cpp-httplib is a compiled library:
// CPPHTTPLIB_TCP_NODELAY here would not reach its constructor, hence the
// setter; it sets the listening socket, which accepted sockets inherit.)
inline void TuneServer(httplib::Server& svr) {
  svr.set_tcp_nodelay(true);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
}

// Binds 127.0.0.1:o.port (0: any free port) and, if o.port_file is given,
// writes the bound port there.  Returns "SCHEME://127.0.0.1:PORT".
inline std::string BindLoopback(httplib::Server& svr, const ServerOptions& o,
                                const char* scheme) {
  int port = o.port;
  if (port == 0) {
    port = svr.bind_to_any_port("127.0.0.1");
    if (port <= 0) Die("cannot bind 127.0.0.1");
  } else if (!svr.bind_to_port("127.0.0.1", port)) {
    Die("cannot bind 127.0.0.1:" + std::to_string(port));
  }
  if (!o.port_file.empty()) WriteFileAtomically(o.port_file, std::to_string(port) + "\n");
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port);
}

// Says "PROGRAM: listening on URL" on stdout and serves until stopped.
inline int ServeBound(httplib::Server& svr, const std::string& url) {
  std::printf("%s: listening on %s\n", ProgramName(), url.c_str());
  std::fflush(stdout);
  if (!svr.listen_after_bind()) Die("server stopped");
  return 0;
}

}  // namespace tools
