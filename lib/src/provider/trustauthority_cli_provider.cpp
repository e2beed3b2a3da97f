// "trustauthority-cli:PATH": Intel Trust Authority's command-line client
// (`trustauthority-cli quote --user-data BASE64`), for TDX guests where it
// is the supported way to reach the quote generation service.
//
// The CLI puts SHA-512(nonce || user data) into REPORTDATA; we pass the
// binding as user data and no nonce, so the quote carries SHA-512(binding)
// and travels as evidence type kEvidenceTdxQuoteSha512.
//
// Its Azure build goes through the vTPM instead: SHA-512(user data) becomes
// the HCL runtime JSON's "user-data", REPORTDATA[0:32] is SHA-256 of that
// JSON, and the CLI prints the JSON as runtime_data.  That output travels
// as "azure-tdx-quote" + "azure-runtime-data", exactly as our own
// azure-vtpm provider's, and can be exchanged at an attestation service
// (";service=URL[;ca=FILE][;timeout=S]" after the path, which sshd's
// AttestationService adds).
//
// A plain quote is of the TD sshd runs in, so the CCEL event log that
// explains its RTMRs is read here too, as configfs-tsm does, and sent as
// a tdx-eventlog item (";acpi=DIR" names the ACPI tables directory,
// default /sys/firmware/acpi/tables; ";acpi=none" sends no log).  The
// Azure build's quote measures the paravisor, which has no CCEL.
//
// It runs in sshd's privileged monitor, so it is run the careful way: no
// shell (fork + execveat of the very file checked, with an argument vector
// and a fixed environment; see OpenSafeExecutable),
// stdin from /dev/null, a deadline after which it is killed, stdout and
// stderr bounded, the exit status checked, and the answer checked against
// the binding before it is sent anywhere.
#include <fcntl.h>
#include <openssl/sha.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_util.h"
#include "common/safe_path.h"
#include "common/user_data_binding.h"
#include "parse/hcl_report.h"
#include "parse/tdx_quote.h"
#include "provider/providers.h"
#include "provider/tdx_eventlog_source.h"

namespace ra {
namespace {

constexpr const char* kCheck = "trustauthority-cli";
constexpr size_t kMaxStdout = 1 << 20;  // quotes are ~5-8 KiB
constexpr size_t kMaxStderr = 16 << 10;
constexpr size_t kMaxQuote = 64 << 10;

struct CliOutput {
  std::string out;
  std::string err;
};

// Intel's CLI prints standard base64; decoded strictly, and bounded first.
Status DecodeBase64(const std::string& what, const std::string& in,
                    size_t max_len, Bytes* out) {
  if (in.empty() || in.size() / 4 * 3 > max_len + 2)
    return Status::Fail(kCheck, what + ": not base64 of an acceptable length");
  Status s = Base64Decode(in, out);
  if (!s.ok()) return Status::Fail(kCheck, what + ": " + s.message());
  return Status();
}

std::string FirstLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  for (char& c : line)
    if (!isprint(static_cast<unsigned char>(c))) c = '?';
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

// Reads what is available on fd into buf; false at EOF.
bool Drain(int fd, std::string* buf, size_t max, bool* overflow) {
  char tmp[8192];
  ssize_t n = read(fd, tmp, sizeof(tmp));
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  if (buf->size() + static_cast<size_t>(n) > max) {
    *overflow = true;
    return false;
  }
  buf->append(tmp, static_cast<size_t>(n));
  return true;
}

// How the CLI ended, as the provider reports it.
Status ExitStatus(int wstatus, const std::string& path, const CliOutput& result) {
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
    return Status::Fail(kCheck, "cannot execute " + path);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
    return Status::Fail(kCheck, "exited with " +
                                    (WIFEXITED(wstatus)
                                         ? "status " + std::to_string(WEXITSTATUS(wstatus))
                                         : "signal " + std::to_string(WTERMSIG(wstatus))) +
                                    (result.err.empty() ? "" : ": " + FirstLine(result.err)));
  return Status();
}

// In the forked child: runs the file open as exec_fd with stdout to out_fd
// and stderr to err_fd.
[[noreturn]] void ExecCli(int exec_fd, int out_fd, int err_fd, char** argv, char** envp) {
  // Its own process group, so a deadline kills its children too; and
  // none of the monitor's descriptors (client socket, monitor pipes).
  int devnull = open("/dev/null", O_RDONLY);
  if (setsid() < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 ||
      dup2(err_fd, 2) < 0)
    _exit(126);
  // The checked file itself, through its descriptor, as descriptor 3,
  // close-on-exec.  Only a script needs it open across the exec (its
  // interpreter opens /dev/fd/3; the kernel says ENOENT otherwise).
  if (exec_fd != 3 && dup2(exec_fd, 3) < 0) _exit(126);
  closefrom(4);
  if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0) _exit(126);
  syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
  if (errno == ENOENT && fcntl(3, F_SETFD, 0) == 0)
    syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
  _exit(127);
}

// Runs the file open as exec_fd (O_PATH): argv[0] is its configured path.
Status RunCli(int exec_fd, const std::string& path, const std::vector<std::string>& args,
              int timeout_seconds, CliOutput* result) {
  int outp[2], errp[2];
  if (pipe2(outp, O_CLOEXEC) != 0)
    return Status::Fail(kCheck, std::string("pipe: ") + std::strerror(errno));
  if (pipe2(errp, O_CLOEXEC) != 0) {
    close(outp[0]);
    close(outp[1]);
    return Status::Fail(kCheck, std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // A fixed environment: nothing of the monitor's (or the user's) leaks in.
  char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {env_path, nullptr};

  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {outp[0], outp[1], errp[0], errp[1]}) close(fd);
    return Status::Fail(kCheck, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) ExecCli(exec_fd, outp[1], errp[1], argv.data(), envp);
  close(outp[1]);
  close(errp[1]);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool out_open = true, err_open = true, overflow = false, timed_out = false;
  while ((out_open || err_open) && !overflow) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd pfd[2] = {{out_open ? outp[0] : -1, POLLIN, 0},
                            {err_open ? errp[0] : -1, POLLIN, 0}};
    int n = poll(pfd, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) {
      timed_out = true;  // cannot watch it any more: treat as hung
      break;
    }
    if (n <= 0) continue;
    if (out_open && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
      out_open = Drain(outp[0], &result->out, kMaxStdout, &overflow);
    if (err_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
      err_open = Drain(errp[0], &result->err, kMaxStderr, &overflow);
  }
  close(outp[0]);
  close(errp[0]);
  // It may close its output and go on running: the deadline holds for the
  // exit too.
  int wstatus = 0;
  for (;;) {
    if (timed_out || overflow) kill(-pid, SIGKILL);
    pid_t w = waitpid(pid, &wstatus, (timed_out || overflow) ? 0 : WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR)
      return Status::Fail(kCheck, std::string("waitpid: ") + std::strerror(errno));
    if (w == 0) {
      if (std::chrono::steady_clock::now() >= deadline)
        timed_out = true;
      else
        usleep(10000);
    }
  }
  if (timed_out)
    return Status::Fail(kCheck, "no answer within " + std::to_string(timeout_seconds) + " s");
  if (overflow) return Status::Fail(kCheck, "output larger than allowed");
  return ExitStatus(wstatus, path, *result);
}

Status OpenSafeExecutable(const std::string& path, int* out);

class TrustAuthorityCliProvider : public EvidenceProvider {
 public:
  TrustAuthorityCliProvider(std::string path, int timeout, AttestationServiceOptions service,
                            std::string acpi_dir)
      : path_(std::move(path)),
        timeout_(timeout),
        service_(std::move(service)),
        acpi_dir_(std::move(acpi_dir)) {}

  Status Collect(const Binding& binding, std::vector<EvidenceItem>* out) override {
    // Again, and held: it may have changed since sshd started.
    int exec_fd = -1;
    RA_RETURN_IF_ERROR(OpenSafeExecutable(path_, &exec_fd));
    CliOutput cli;
    Status ran = RunCli(
        exec_fd, path_, {"quote", "--user-data", Base64Encode(ByteView(binding.data(), binding.size()))},
        timeout_, &cli);
    close(exec_fd);
    RA_RETURN_IF_ERROR(ran);
    std::string quote_b64, runtime_b64;
    size_t pos = 0;
    while (pos < cli.out.size()) {
      size_t end = cli.out.find('\n', pos);
      if (end == std::string::npos) end = cli.out.size();
      std::string line = cli.out.substr(pos, end - pos);
      pos = end + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("Quote: ", 0) == 0) {
        if (!quote_b64.empty()) return Status::Fail(kCheck, "two Quote: lines");
        quote_b64 = line.substr(7);
      } else if (line.rfind("runtime_data: ", 0) == 0) {
        runtime_b64 = line.substr(14);
      }
    }
    if (quote_b64.empty()) return Status::Fail(kCheck, "no Quote: line in its output");
    Bytes quote, runtime;
    RA_RETURN_IF_ERROR(DecodeBase64("Quote", quote_b64, kMaxQuote, &quote));
    if (!runtime_b64.empty())
      RA_RETURN_IF_ERROR(DecodeBase64("runtime_data", runtime_b64, kMaxQuote, &runtime));
    // Check here what the client will check, so a misbehaving CLI shows in
    // sshd's log rather than as a refusal on the client's side.
    TdxQuote parsed;
    Status s = ParseTdxQuote(quote, &parsed);
    if (!s.ok()) return Status::Fail(kCheck, "its quote: " + s.message());
    uint8_t want[SHA512_DIGEST_LENGTH];
    SHA512(binding.data(), binding.size(), want);
    if (!runtime.empty() && runtime[0] == '{')
      return Azure(binding, std::move(quote), std::move(runtime), parsed, out);
    if (!runtime.empty() && !ConstantTimeEqual(runtime, ByteView(binding.data(), binding.size())))
      return Status::Fail(kCheck, "runtime_data is not the user data we gave");
    if (!ConstantTimeEqual(ByteView(parsed.body.report_data.data(), 64), ByteView(want, 64)))
      return Status::Fail(kCheck, "its quote's REPORTDATA is not SHA-512(user data)");
    if (!service_.url.empty())
      return Status::Fail(kCheck, "an attestation service needs Azure evidence; this CLI "
                                  "made a plain TDX quote (not the CLI's Azure build?)");
    out->push_back(EvidenceItem{kEvidenceTdxQuoteSha512, std::move(quote)});
    return acpi_dir_ == "none" ? Status() : AppendTdxEventLog(acpi_dir_, out);
  }

 private:
  // The Azure build's answer: runtime_data is the HCL runtime JSON.
  Status Azure(const Binding& binding, Bytes quote, Bytes runtime, const TdxQuote& parsed,
               std::vector<EvidenceItem>* out) {
    AzureRuntimeData rt;
    Status s = ParseAzureRuntimeJson(runtime, &rt);
    if (!s.ok()) return Status::Fail(kCheck, "runtime_data: " + s.message());
    const char* how = "";
    if (!rt.has_user_data || !UserDataMatchesBinding(rt.user_data, binding, &how))
      return Status::Fail(kCheck, "runtime_data's user-data is not for the user data we gave");
    uint8_t h[SHA256_DIGEST_LENGTH];
    SHA256(runtime.data(), runtime.size(), h);
    if (!ConstantTimeEqual(ByteView(parsed.body.report_data.data(), sizeof(h)), ByteView(h, sizeof(h))))
      return Status::Fail(kCheck, "its quote's REPORTDATA is not SHA-256(runtime_data)");
    return AppendAzureEvidence(service_, std::move(quote), std::move(runtime), out);
  }

  std::string path_;
  int timeout_;
  AttestationServiceOptions service_;
  std::string acpi_dir_;  // the CCEL's directory, or "none"
};

// It runs as root, so the file run is the file checked.  Like OpenSSH's
// safe_path(), every directory from / to the binary, and the binary, must
// be owned by root (or by us) and writable by nobody else; sticky
// world-writable directories such as /tmp are refused too, as ssh refuses
// them.  The path is resolved by OpenSafePath (common/safe_path.h),
// component by component from an
// O_PATH|O_NOFOLLOW descriptor of the directory already checked, a
// symbolic link's target spliced in and walked the same way, so a link
// anywhere on the typed path or on its targets that passes through a
// directory someone else can write is refused, not followed.  The
// descriptor of the checked file is what RunCli executes (execveat with
// AT_EMPTY_PATH): renaming or exchanging anything on the path after the
// check cannot change which file runs.
Status OpenSafeExecutable(const std::string& path, int* out) {
  if (path.empty() || path[0] != '/')
    return Status::Fail(kCheck, "'" + path + "': the CLI path must be absolute");
  return OpenSafePath(kCheck, path, SafePathType::kExecutable, out);
}

}  // namespace

Status OpenTrustAuthorityCliProvider(const std::string& spec, int timeout_seconds,
                                     std::unique_ptr<EvidenceProvider>* out) {
  std::string path;
  AttestationServiceOptions service;
  std::map<std::string, std::string> extra;
  RA_RETURN_IF_ERROR(ParseAttestationServiceSpec(spec, &path, &service, {"acpi"}, &extra));
  std::string acpi = extra.count("acpi") ? extra["acpi"] : kDefaultAcpiTablesDir;
  if (acpi != "none" && acpi[0] != '/')
    return Status::Fail(kCheck, "acpi '" + acpi + "' is not an absolute path");
  int fd = -1;
  RA_RETURN_IF_ERROR(OpenSafeExecutable(path, &fd));
  close(fd);
  if (timeout_seconds <= 0 || timeout_seconds > 300)
    return Status::Fail(kCheck, "timeout out of range");
  out->reset(new TrustAuthorityCliProvider(path, timeout_seconds, service, acpi));
  return Status();
}

}  // namespace ra
