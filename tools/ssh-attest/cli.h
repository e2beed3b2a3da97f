// ssh-attest's shared command-line plumbing: argument parsing, the exit
// contract (0 ok / 1 refused or failed / 2 usage; results and nothing else
// on stdout, one "ssh-attest: ..." line on stderr), times, and reading
// evidence files.  One file per subcommand group includes this.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "common/evidence.h"
#include "common/evidence_bundle.h"

namespace ssh_attest {

constexpr int kExitOk = 0;
constexpr int kExitFail = 1;
constexpr int kExitUsage = 2;
// A bundle at the wire limits; generous for a quote (< 16 KiB) and its padding; a bound all the same,
// since inspect is pointed at untrusted files.
constexpr size_t kMaxEvidenceFile = ra::kMaxEvidenceBundleLen;

extern const char kUsage[];

// The synopsis lines of kUsage for one subcommand, then the notes that
// follow the synopsis (SUBCOMMAND --help); all of kUsage for an unknown one.
std::string CommandUsage(const std::string& cmd);

// Prints why (if any) and the usage (ssh-attest's, or a subcommand's);
// returns kExitUsage.
int Usage(const std::string& why, const char* usage = kUsage);
// Prints "ssh-attest: msg"; returns kExitFail.
int Failure(const std::string& msg);

// Options of one subcommand: "--name VALUE", "--name=VALUE" or a flag.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> opts;
};
// spec: the options, space-separated, as getopt's optstring marks
// arguments: "--policy= --raw" (--policy takes a value, --raw does not).
// Returns "" or the usage error.
std::string ParseArgs(int argc, char** argv, const std::string& spec, Args* out);
// ParseArgs for a subcommand that takes exactly one operand: want_one is
// the usage error when it gets none or more.
std::string ParseArgsOneOperand(int argc, char** argv, const std::string& spec,
                                const char* want_one, Args* out);
bool Has(const Args& a, const char* name);
// 128 hex digits; "" or the usage error.
std::string ParseBinding(const std::string& hex, ra::Binding* out);
// RFC 3339, or seconds since the epoch.
bool ParseTime(const std::string& s, std::time_t* out);
// All of data to path (0644, truncated); "-" is stdout.
int WriteOut(const std::string& path, const ra::Bytes& data);

bool LooksLikeToken(const ra::Bytes& data);
bool LooksLikeQuote(const ra::Bytes& data);
// The items FILE stands for (a bundle, a token, or one quote: binary, hex
// or base64; with --runtime-data, an Azure quote and its runtime JSON).
int LoadItems(const std::string& path, const Args& a, std::vector<ra::EvidenceItem>* items,
              bool* bundle = nullptr);

// The subcommands (evidence_cmds.cpp, sim_cmds.cpp).
int CmdInspect(int argc, char** argv);
int CmdVerify(int argc, char** argv);
int CmdTokenClaims(int argc, char** argv);
int CmdQuote(int argc, char** argv);
int CmdSimInit(int argc, char** argv);
int CmdSimTdReport(int argc, char** argv);
int CmdSimSnpReport(int argc, char** argv);
int CmdScan(int argc, char** argv);    // scan_cmds.cpp
int CmdPolicy(int argc, char** argv);  // scan_cmds.cpp
int CmdCheckPolicy(int argc, char** argv);  // check_policy_cmd.cpp

}  // namespace ssh_attest
