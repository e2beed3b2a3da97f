// ssh-attest known: look at and edit ~/.ssh/known_attestations, the
// measurements ssh recorded on first use (docs/design.md, "Known
// attestations").  Same contract as the rest of ssh-attest: results on
// stdout, one "ssh-attest: ..." line per problem on stderr, exit 0 ok,
// 1 failed, 2 usage.
//
//   ssh-attest known --remove HOST [-p PORT] [-f FILE]
//   ssh-attest known --list [-f FILE]
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli.h"
#include "known_cmd.h"
#include "policy/known_attestations.h"

namespace {

const char kKnownUsage[] =
    "usage: ssh-attest known --remove HOST [-p PORT] [-f FILE]\n"
    "       ssh-attest known --list [-f FILE]\n";

int KnownUsage(const std::string& why) { return ssh_attest::Usage(why, kKnownUsage); }

// ~/.ssh/known_attestations, ~ as ssh expands it (the password entry).
bool DefaultKnownFile(std::string* out) {
  struct passwd* pw = getpwuid(getuid());
  if (pw == nullptr || pw->pw_dir == nullptr || pw->pw_dir[0] == '\0') return false;
  *out = std::string(pw->pw_dir) + "/.ssh/known_attestations";
  return true;
}

bool ParsePort(const std::string& s, int* port) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  *port = std::atoi(s.c_str());
  return *port >= 1 && *port <= 65535;
}

struct KnownArgs {
  bool list = false;
  std::string remove_host;  // --remove
  std::string file;         // -f
  int port = 0;             // -p
};

// "" on success, else the usage error.
std::string ParseKnownArgs(int argc, char** argv, KnownArgs* a) {
  bool remove = false;
  for (int i = 0; i < argc; i++) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--list") {
      a->list = true;
    } else if (arg == "--remove") {
      if (!has_value) return "--remove needs a HOST";
      remove = true;
      a->remove_host = argv[++i];
      if (a->remove_host.empty()) return "--remove needs a HOST";
    } else if (arg == "-f") {
      if (!has_value) return "-f needs a FILE";
      a->file = argv[++i];
    } else if (arg == "-p") {
      if (!has_value || !ParsePort(argv[++i], &a->port)) return "-p needs a port 1-65535";
    } else {
      return "unknown argument " + arg;
    }
  }
  if (a->list == remove) return "give exactly one of --list or --remove HOST";
  if (a->list && a->port != 0) return "-p goes with --remove";
  return "";
}

int KnownList(const std::string& file) {
  std::string text;
  bool exists = false;
  ra::Status s = ra::known::ReadKnownFile(file, &text, &exists);
  if (!s.ok()) return ssh_attest::Failure(s.message());
  std::vector<ra::known::Record> records;
  std::vector<std::string> corrupt;
  ra::known::ListText(text, file, &records, &corrupt);
  for (const ra::known::Record& r : records)
    std::printf("%zu %s\n", r.line, ra::known::FormatLine(r.hosts, r.m).c_str());
  for (const std::string& c : corrupt) std::fprintf(stderr, "ssh-attest: corrupt line %s\n", c.c_str());
  return corrupt.empty() ? ssh_attest::kExitOk : ssh_attest::kExitFail;
}

int KnownRemove(const KnownArgs& a) {
  std::string name = ra::known::HostKeyName(a.remove_host, a.port);
  size_t removed = 0;
  ra::Status s = ra::known::RemoveRecords(a.file, name, &removed);
  if (!s.ok()) return ssh_attest::Failure(s.message());
  if (removed == 0) return ssh_attest::Failure("no record for " + name + " in " + a.file);
  std::printf("%s: removed %zu record%s of %s\n", a.file.c_str(), removed,
              removed == 1 ? "" : "s", name.c_str());
  return ssh_attest::kExitOk;
}

}  // namespace

// argv: the arguments after "known".
int KnownCommand(int argc, char** argv) {
  KnownArgs a;
  std::string why = ParseKnownArgs(argc, argv, &a);
  if (!why.empty()) return KnownUsage(why);
  if (a.file.empty() && !DefaultKnownFile(&a.file))
    return ssh_attest::Failure("no home directory for ~/.ssh/known_attestations; use -f FILE");
  return a.list ? KnownList(a.file) : KnownRemove(a);
}
