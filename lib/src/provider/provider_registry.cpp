// Maps a provider spec (sshd_config, `ssh-attest quote --provider`) to a
// provider, from one table.  Opening does all the checks that can fail on
// configuration, so a bad spec stops sshd at start-up rather than failing
// each login; CheckProviderSpec judges the spec's form only (no file is
// touched), for parsers in processes that may not open it.
#include <cstring>
#include <string>
#include <vector>

#include "provider/providers.h"
#include "provider/sev_guest_provider.h"
#include "provider/tpm_provider.h"

namespace ra {
namespace {

Status OpenSim(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  return OpenSimTdxProvider(arg, out);
}

Status OpenSimAzure(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  std::string dir;
  AttestationServiceOptions service;
  RA_RETURN_IF_ERROR(ParseAttestationServiceSpec(arg, &dir, &service));
  if (dir.empty()) return Status::Fail("provider spec", "sim-azure needs a directory");
  std::unique_ptr<EvidenceProvider> sim;
  RA_RETURN_IF_ERROR(OpenSimTdxProvider(dir, &sim));
  return OpenAzureEvidenceProvider(std::move(sim), service, out);
}

Status OpenTsm(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  return OpenConfigfsTsmProvider(arg, out);
}

Status OpenTaCli(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  return OpenTrustAuthorityCliProvider(arg, kTrustAuthorityCliTimeout, out);
}

Status OpenVtpm(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  return OpenAzureVtpmProvider(arg, out);
}

Status OpenTpm(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  return OpenTpmProvider(arg, out);
}

Status OpenSevGuest(const std::string& arg, std::unique_ptr<EvidenceProvider>* out) {
  return OpenSevGuestProvider(arg, out);
}

// How a provider's spec is written: NAME, then ":ARG" (an absolute path,
// required unless optional_arg) and/or ";key=value" options.
struct ProviderForm {
  const char* name;
  bool takes_arg;      // NAME:ARG
  bool optional_arg;   // NAME alone is fine too
  const char* default_arg;  // what ComposeProviderSpec puts for a bare NAME
  std::vector<const char*> options;  // keys after ';'
  bool takes_service;  // an attestation service (service=, ca=, timeout=)
  Status (*open)(const std::string& rest, std::unique_ptr<EvidenceProvider>* out);
  const char* usage;
  // Needs tpm2-tss, so ssh and sshd-session run it in
  // libexec/ssh-attest-helper (remote/helper_providers.cpp).
  bool in_helper = false;
};

const std::vector<ProviderForm>& Forms() {
  static const std::vector<ProviderForm> kForms = {
      {"sim", true, false, nullptr, {"delay"}, false, OpenSim, "sim:DIR[;delay=MS|MSms|Ss]"},
      {"sim-snp", true, false, nullptr, {}, false, OpenSimSnpProvider, "sim-snp:DIR"},
      {"sim-azure", true, false, nullptr, {"service", "ca", "timeout"}, true, OpenSimAzure,
       "sim-azure:DIR[;service=URL;ca=FILE;timeout=S]"},
      {"configfs-tsm", true, true, nullptr, {}, false, OpenTsm, "configfs-tsm[:PATH]"},
      {"azure-vtpm", false, true, nullptr,
       {"tcti", "imds", "thim", "lock", "pcrs", "banks", "eventlog", "ima", "hclcache",
        "cachedir", "service", "ca", "timeout"}, true, OpenVtpm,
       "azure-vtpm[;tcti=CONF;imds=URL;thim=URL;lock=FILE;pcrs=LIST|none;banks=LIST;"
       "eventlog=PATH|none;ima=PATH|none;hclcache=S;cachedir=DIR;service=URL;ca=FILE;timeout=S]",
       true},
      {"tpm", false, true, nullptr,
       {"tcti", "ak", "akcert", "pcrs", "banks", "eventlog", "ima"}, false, OpenTpm,
       "tpm[;tcti=CONF;ak=HANDLE|FILE;akcert=FILE|nv:INDEX;pcrs=LIST;banks=LIST;"
       "eventlog=PATH|none;ima=PATH|none]",
       true},
      {"sev-guest", true, true, nullptr, {}, false, OpenSevGuest, "sev-guest[:DEVICE]"},
      {"trustauthority-cli", true, false, "/usr/bin/trustauthority-cli",
       {"service", "ca", "timeout", "acpi"}, true, OpenTaCli,
       "trustauthority-cli:PATH[;acpi=DIR|none]"},
  };
  return kForms;
}

// Providers that can exchange their evidence at a service (the sim's
// Azure shape is a test double, not named to operators).
std::string ServiceUsers() {
  std::vector<std::string> names;
  for (const ProviderForm& f : Forms())
    if (f.takes_service && std::strncmp(f.name, "sim", 3) != 0) names.push_back(f.name);
  std::string s;
  for (size_t i = 0; i < names.size(); i++)
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s + " provider";
}

std::string KnownForms() {
  std::string s;
  for (const ProviderForm& f : Forms()) s += (s.empty() ? "" : ", ") + std::string(f.usage);
  return s;
}

// The form spec is written in; *rest: what follows NAME (":ARG;opts" or
// ";opts" with the ':' dropped).  Options first, since a TCTI
// configuration has colons of its own.
const ProviderForm* FindForm(const std::string& spec, std::string* rest) {
  for (const ProviderForm& f : Forms()) {
    size_t n = std::strlen(f.name);
    if (spec.compare(0, n, f.name) != 0) continue;
    if (spec.size() == n) {
      rest->clear();
      return &f;
    }
    if (spec[n] == ':' && f.takes_arg) {
      *rest = spec.substr(n + 1);
      return &f;
    }
    if (spec[n] == ';' && !f.takes_arg) {
      *rest = spec.substr(n);
      return &f;
    }
  }
  return nullptr;
}

Status Bad(const std::string& spec, const std::string& why) {
  return Status::Fail("provider spec", "'" + spec + "': " + why);
}

// ";key=value" options: known keys, each once, no empty value.
Status CheckOptions(const std::string& spec, const ProviderForm& f, const std::string& opts) {
  std::vector<std::string> seen;
  size_t pos = 0;
  while (pos < opts.size()) {
    size_t next = opts.find(';', pos + 1);
    std::string opt = opts.substr(pos + 1, next == std::string::npos ? std::string::npos
                                                                     : next - pos - 1);
    size_t eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    bool known = false;
    for (const char* k : f.options) known = known || key == k;
    if (!known || eq == std::string::npos || eq + 1 == opt.size())
      return Bad(spec, "option '" + opt + "' (" + f.usage + ")");
    for (const std::string& s : seen)
      if (s == key) return Bad(spec, "option " + key + " given twice");
    seen.push_back(key);
    pos = next == std::string::npos ? opts.size() : next;
  }
  return Status();
}

}  // namespace

Status CheckProviderSpec(const std::string& spec) {
  std::string rest;
  const ProviderForm* f = FindForm(spec, &rest);
  if (f == nullptr) return Bad(spec, "unknown provider (known: " + KnownForms() + ")");
  if (spec.size() == std::strlen(f->name) && f->takes_arg && !f->optional_arg)
    return Bad(spec, std::string(f->name) + " needs an argument (" + f->usage + ")");
  std::string arg = rest, opts;
  if (f->takes_arg) {
    size_t semi = rest.find(';');
    arg = rest.substr(0, semi);
    opts = semi == std::string::npos ? std::string() : rest.substr(semi);
    if (spec.size() > std::strlen(f->name) && (arg.empty() || arg[0] != '/'))
      return Bad(spec, "wants an absolute path (" + std::string(f->usage) + ")");
  } else {
    opts = rest;
  }
  if (spec.find_first_of(" \t\r\n") != std::string::npos) return Bad(spec, "contains blanks");
  return CheckOptions(spec, *f, opts);
}

bool ProviderUsesHelper(const std::string& spec, const std::string& service) {
  std::string rest;
  const ProviderForm* f = FindForm(spec, &rest);
  if (f == nullptr) return false;  // "none", or not a spec
  if (f->in_helper) return true;
  if (!service.empty() && service != "none") return true;  // AttestationService
  return rest.find(";service=") != std::string::npos;
}

Status ComposeProviderSpec(const std::string& provider, const std::string& tool_path,
                           const std::string& service, const std::string& service_ca,
                           std::string* out) {
  if (service.empty() && !service_ca.empty())
    return Status::Fail("AttestationServiceCA without AttestationService");
  std::string rest;
  const ProviderForm* f = FindForm(provider, &rest);
  if (f == nullptr) return Bad(provider, "unknown provider (known: " + KnownForms() + ")");
  std::string spec = provider;
  if (f->default_arg != nullptr && provider == f->name)
    spec += ":" + (tool_path.empty() ? std::string(f->default_arg) : tool_path);
  if (!service.empty()) {
    if (!f->takes_service) return Status::Fail("AttestationService needs the " + ServiceUsers());
    spec += ";service=" + service;
    if (!service_ca.empty()) spec += ";ca=" + service_ca;
  }
  RA_RETURN_IF_ERROR(CheckProviderSpec(spec));
  *out = std::move(spec);
  return Status();
}

Status OpenProvider(const std::string& spec, std::unique_ptr<EvidenceProvider>* out) {
  std::string rest;
  const ProviderForm* f = FindForm(spec, &rest);
  if (f == nullptr)
    return Status::Fail("provider spec",
                        "unknown provider '" + spec + "' (known: " + KnownForms() + ")");
  if (f->takes_arg && !f->optional_arg && (spec.size() == std::strlen(f->name) || rest.empty()))
    return Bad(spec, std::string(f->name) + " needs an argument (" + f->usage + ")");
  if (f->takes_arg && spec.size() > std::strlen(f->name) && rest.empty())
    return Bad(spec, "empty path");
  return f->open(rest, out);
}

}  // namespace ra
