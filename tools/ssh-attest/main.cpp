// ssh-attest: the attestation library from the command line.  Operators
// use it to look at evidence, check a policy against a captured quote, and
// set up the software TDX; scripts rely on its contract: results (and
// nothing else) on stdout, one "ssh-attest: ..." line on stderr naming the
// failed check, exit 0 ok / 1 refused or failed / 2 usage.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/evidence.h"
#include "common/evidence_bundle.h"
#include "parse/jwt_token.h"
#include "parse/tdx_quote.h"
#include "policy/policy.h"
#include "provider/sim_tdx_authority.h"
#include "verify/evaluate.h"

#include "cli.h"
#include "known_cmd.h"

int TpmInitCommand(int argc, char** argv);  // tpm_init_cmd.cpp
namespace ssh_attest {
int CmdEventlog(int argc, char** argv);  // eventlog.cpp
}

using namespace ssh_attest;  // NOLINT: the subcommands and the exit contract

// The subcommands, each run with the arguments after its name.
struct Command {
  const char* name;
  int (*run)(int, char**);
};
const Command kCommands[] = {
    {"inspect", CmdInspect},       {"verify", CmdVerify},
    {"token-claims", CmdTokenClaims}, {"quote", CmdQuote},
    {"sim-init", CmdSimInit},      {"sim-tdreport", CmdSimTdReport},
    {"sim-snpreport", CmdSimSnpReport}, {"tpm-init", TpmInitCommand},
    {"known", KnownCommand},       {"eventlog", CmdEventlog},
    {"scan", CmdScan},             {"policy", CmdPolicy},
    {"check-policy", CmdCheckPolicy},
};

int main(int argc, char** argv) {
  // A peer closing mid-write (issuer key fetch) must be an error, not death.
  signal(SIGPIPE, SIG_IGN);
  try {
    if (argc < 2) return Usage("");
    std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    // SUBCOMMAND --help: that command's synopsis (ssh-attest(1)).
    if (argc == 3 && (std::strcmp(argv[2], "--help") == 0 || std::strcmp(argv[2], "-h") == 0)) {
      std::fputs(CommandUsage(cmd).c_str(), stdout);
      return kExitOk;
    }
    if (cmd == "--version" || cmd == "-V") {
      std::printf("ssh-attest (%s)\n", ra_version());
      return kExitOk;
    }
    for (const Command& c : kCommands)
      if (cmd == c.name) return c.run(argc - 2, argv + 2);
    return Usage("unknown command '" + cmd + "'");
  } catch (const std::exception& e) {
    return Failure(std::string("internal error: ") + e.what());
  } catch (...) {
    return Failure("internal error");
  }
}
