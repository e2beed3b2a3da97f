// ssh-attest scan and ssh-attest policy: reference values from a running
// server, as ssh-keyscan prints keys (docs/design.md, "Reference values
// from a running server").
//
//   ssh-attest scan [--ssh PROGRAM] [--policy FILE] [ssh options] [user@]host
//   ssh-attest policy BUNDLE [--policy FILE] [--at TIME]
//
// scan runs the patched ssh itself, so the connection is exactly what a
// later `ssh host` makes (ssh_config, HostKeyAlias, jump hosts, keys): ssh
// verifies the evidence against this session's binding and writes it to
// a private AttestationEvidenceFile; scan then verifies the saved items
// again (chain, collateral, no binding: ssh checked it) and prints the
// policy lines each kind gives for its claims (EvidenceKind::PinLines).
// stdout carries the policy text only; ssh's own output goes to stderr.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common/bytes_util.h"
#include "common/evidence_bundle.h"
#include "parse/jwt_token.h"
#include "policy/policy.h"
#include "verify/evaluate.h"
#include "verify/policy_pins.h"

#include "cli.h"

namespace ssh_attest {
namespace {

// The policy the items are verified with: FILE (its text kept for the
// self-check), or the built-in default.
struct BasePolicy {
  ra::Policy policy;
  std::string path, text;
};

int LoadBase(const std::string& path, BasePolicy* out) {
  out->path = path;
  if (path.empty()) return kExitOk;
  ra::Status s = ra::LoadPolicyFile(path, &out->policy);
  if (s.ok()) s = ra::ReadTextFileBounded(path, 1 << 20, &out->text);
  return s.ok() ? kExitOk : Failure(s.message());
}

// Verifies items offline (binding: not compared) under base and prints the
// pins of what verified, after a header naming where they came from.  An
// item the base policy refuses by appraisal (it pins other values) still
// prints: that is how a changed server is pinned again.
int PrintPins(const std::vector<ra::EvidenceItem>& items, const BasePolicy& base,
              std::time_t now, const std::string& origin, const std::string& binding_note) {
  ra::Verdict v;
  ra::Status s = ra::Evaluate(items, base.policy, nullptr, now, &v);
  const bool accepted = s.ok();
  if (!accepted && v.refused.empty()) return Failure(s.message());
  if (!accepted)
    std::fprintf(stderr, "ssh-attest: note: %s refuses it (%s); printing what was measured\n",
                 base.path.empty() ? "the default policy" : base.path.c_str(),
                 s.message().c_str());
  const std::vector<ra::VerifiedItem>& got = accepted ? v.items : v.refused;
  const std::string pins = ra::PinPolicyText(got);
  if (pins.empty()) return Failure("evidence: no kind in it has reference values to pin");
  if (accepted) {
    s = ra::CheckPinsAccept(base.text, base.path.empty() ? "pins" : base.path, pins, items, now);
    if (!s.ok()) return Failure("internal error: " + s.message());
  }
  char when[32];
  const std::time_t t = now == 0 ? std::time(nullptr) : now;
  struct tm parts;
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &parts));
  std::printf("# Reference values of %s, by ssh-attest at %s\n", origin.c_str(), when);
  std::printf("# Verified: signatures and chain to %s's trust anchors; %s.\n",
              base.path.empty() ? "the default policy" : base.path.c_str(), binding_note.c_str());
  std::printf("# Append to the policy that names the trust anchors and collateral.\n%s",
              pins.c_str());
  return std::fflush(stdout) == 0 ? kExitOk : Failure("stdout: write failed");
}

}  // namespace

int CmdPolicy(int argc, char** argv) {
  Args a;
  std::string err =
      ParseArgsOneOperand(argc, argv, "--policy= --at=", "policy wants one BUNDLE", &a);
  if (!err.empty()) return Usage(err);
  std::time_t now = 0;
  if (Has(a, "--at") && !ParseTime(a.opts["--at"], &now))
    return Usage("--at wants an RFC 3339 time or seconds since the epoch");
  BasePolicy base;
  int rc = LoadBase(Has(a, "--policy") ? a.opts["--policy"] : "", &base);
  std::vector<ra::EvidenceItem> items;
  if (rc == kExitOk) rc = LoadItems(a.positional[0], a, &items);
  if (rc != kExitOk) return rc;
  return PrintPins(items, base, now, a.positional[0],
                   "the binding to a session is not checked (a saved bundle)");
}

namespace {

// Runs argv with stdout sent to stderr (ours is the policy's), stdin from
// /dev/null; *out (if not null) gets what it printed instead.  Returns the
// exit status, or -1.
int RunSsh(const std::vector<std::string>& args, std::string* out) {
  int fds[2] = {-1, -1};
  if (out && pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    if (dup2(out ? fds[1] : STDERR_FILENO, STDOUT_FILENO) < 0) _exit(127);
    if (out) close(fds[0]);
    std::vector<char*> av;
    for (const std::string& s : args) av.push_back(const_cast<char*>(s.c_str()));
    av.push_back(nullptr);
    execvp(av[0], av.data());
    std::fprintf(stderr, "ssh-attest: %s: %s\n", av[0], std::strerror(errno));
    _exit(127);
  }
  if (out) {
    close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || out->size() > (1 << 20)) break;
      out->append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// The ssh next to this program (an installed or staged ra-ssh), else
// "ssh" from PATH.
std::string DefaultSsh() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/') + 1);
    if (access((dir + "ssh").c_str(), X_OK) == 0) return dir + "ssh";
  }
  return "ssh";
}

// The AttestationPolicy ssh uses for these arguments (ssh -G), "" for
// none: scan verifies the saved items with the same anchors and collateral.
int SshPolicy(const std::vector<std::string>& ssh_args, std::string* path) {
  std::vector<std::string> g = {ssh_args[0], "-G"};
  g.insert(g.end(), ssh_args.begin() + 1, ssh_args.end());
  std::string conf;
  if (RunSsh(g, &conf) != 0) return Failure("ssh -G failed: see its message above");
  for (size_t pos = 0; pos < conf.size();) {
    size_t nl = conf.find('\n', pos);
    std::string line = conf.substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? conf.size() : nl + 1;
    if (line.compare(0, 18, "attestationpolicy ") != 0) continue;
    *path = line.substr(18);
    if (*path == "none") path->clear();
    const char* home = getenv("HOME");
    if (path->compare(0, 2, "~/") == 0 && home) *path = home + path->substr(1);
  }
  return kExitOk;
}

// What ssh concluded (the file's "verdict"): accepted, or refused by its
// policy after the evidence verified (claims present, the binding held),
// or refused before (returned as a failure with ssh's reason).  *host:
// the server as known_hosts names it.
int CheckSshVerdict(const std::string& text, std::string* host) {
  ra::JsonPtr doc;
  ra::Status s = ra::ParseJsonObject(text, "evidence file", &doc);
  if (!s.ok()) return Failure(s.message());
  json_t* v = json_object_get(doc.get(), "verdict");
  const char* result = json_string_value(json_object_get(v, "result"));
  const char* error = json_string_value(json_object_get(v, "error"));
  json_t* claims = json_object_get(v, "claims");
  const char* name = json_string_value(json_object_get(v, "host"));
  json_int_t port = json_integer_value(json_object_get(v, "port"));
  *host = name ? name : "";
  if (port != 0 && port != 22) *host = "[" + *host + "]:" + std::to_string(port);
  if (result && std::strcmp(result, "accepted") == 0) return kExitOk;
  if (result && std::strcmp(result, "refused") == 0 && json_array_size(claims) > 0) {
    std::fprintf(stderr, "ssh-attest: note: ssh's policy refused the server (%s)\n",
                 error ? error : "");
    return kExitOk;
  }
  return Failure(std::string("ssh refused the evidence: ") + (error ? error : "no reason given"));
}

}  // namespace

int CmdScan(int argc, char** argv) {
  std::string ssh = DefaultSsh(), policy;
  int i = 0;
  for (; i < argc; i++) {
    std::string a = argv[i];
    bool value = i + 1 < argc;
    if (a == "--ssh" && value) {
      ssh = argv[++i];
    } else if (a == "--policy" && value) {
      policy = argv[++i];
    } else if (a == "--ssh" || a == "--policy") {
      return Usage(a + " needs a value");
    } else {
      break;
    }
  }
  if (i >= argc) return Usage("scan wants a destination ([user@]host, with ssh options)");
  const char* tmpdir = getenv("TMPDIR");
  std::string dir_tmpl =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/ssh-attest-scan.XXXXXX";
  std::vector<char> buf(dir_tmpl.begin(), dir_tmpl.end());
  buf.push_back('\0');
  const char* dir = mkdtemp(buf.data());  // 0700: the evidence is the user's
  if (!dir) return Failure(std::string("mkdtemp: ") + std::strerror(errno));
  const std::string file = std::string(dir) + "/evidence.json";
  // Ours first: ssh keeps the first value of an option.
  std::vector<std::string> args = {ssh, "-o", "AttestationRequired=yes",
                                   "-o", "StrictAttestationChecking=no",
                                   "-o", "AttestationEvidenceFile=\"" + file + "\"",
                                   "-o", "ControlMaster=no", "-o", "ControlPath=none",
                                   "-o", "ClearAllForwardings=yes", "-o", "PermitLocalCommand=no",
                                   // ClearAllForwardings leaves these: a server not yet
                                   // pinned gets no agent, display or tunnel
                                   "-o", "ForwardAgent=no", "-o", "ForwardX11=no",
                                   "-o", "ForwardX11Trusted=no", "-o", "Tunnel=no",
                                   // the command below, whatever ssh_config says
                                   "-o", "RemoteCommand=none", "-o", "SessionType=default",
                                   "-o", "ForkAfterAuthentication=no", "-T", "-n"};
  if (!policy.empty())
    args.insert(args.begin() + 1, {"-o", "AttestationPolicy=\"" + policy + "\""});
  args.insert(args.end(), argv + i, argv + argc);
  int rc = policy.empty() ? SshPolicy(args, &policy) : kExitOk;
  std::string text;
  if (rc == kExitOk) {
    args.push_back("true");
    const int ssh_rc = RunSsh(args, nullptr);
    ra::Status s = ra::ReadTextFileBounded(file, kMaxEvidenceFile, &text);
    if (!s.ok())
      rc = Failure("ssh (exit " + std::to_string(ssh_rc) +
                   ") saved no evidence: see its messages above");
  }
  unlink(file.c_str());
  rmdir(dir);
  std::string host;
  if (rc == kExitOk) rc = CheckSshVerdict(text, &host);
  std::vector<ra::EvidenceItem> items;
  if (rc == kExitOk) {
    ra::Status s = ra::ParseEvidenceBundle(text, &items);
    if (!s.ok()) rc = Failure(s.message());
  }
  BasePolicy base;
  if (rc == kExitOk) rc = LoadBase(policy, &base);
  if (rc != kExitOk) return rc;
  return PrintPins(items, base, 0, host,
                   "the binding to this ssh session was checked by ssh");
}

}  // namespace ssh_attest
