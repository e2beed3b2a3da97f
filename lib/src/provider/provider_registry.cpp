// Maps a provider spec (sshd_config, `ssh-attest quote --provider`) to a
// provider.  Opening does all the checks that can fail on configuration,
// so a bad spec stops sshd at start-up rather than failing each login.
#include "provider/providers.h"
#include "provider/tpm_provider.h"

namespace ra {

Status OpenProvider(const std::string& spec, std::unique_ptr<EvidenceProvider>* out) {
  // Options first, since a TCTI configuration has colons of its own.
  static const std::string kAzureVtpm = "azure-vtpm";
  if (spec.compare(0, kAzureVtpm.size(), kAzureVtpm) == 0 &&
      (spec.size() == kAzureVtpm.size() || spec[kAzureVtpm.size()] == ';'))
    return OpenAzureVtpmProvider(spec.substr(kAzureVtpm.size()), out);
  if (spec.compare(0, 3, "tpm") == 0 && (spec.size() == 3 || spec[3] == ';'))
    return OpenTpmProvider(spec.substr(3), out);
  size_t colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  std::string arg = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (kind == "sim") {
    if (colon == std::string::npos || arg.empty())
      return Status::Fail("provider spec", "'" + spec + "': sim needs a directory (sim:DIR)");
    return OpenSimTdxProvider(arg, out);
  }
  if (kind == "sim-azure") {
    std::string dir;
    AttestationServiceOptions service;
    RA_RETURN_IF_ERROR(ParseAttestationServiceSpec(arg, &dir, &service));
    if (colon == std::string::npos || dir.empty())
      return Status::Fail("provider spec", "'" + spec + "': sim-azure needs a directory");
    std::unique_ptr<EvidenceProvider> sim;
    RA_RETURN_IF_ERROR(OpenSimTdxProvider(dir, &sim));
    return OpenAzureEvidenceProvider(std::move(sim), service, out);
  }
  if (kind == "configfs-tsm") {
    if (colon != std::string::npos && arg.empty())
      return Status::Fail("provider spec", "'" + spec + "': empty path");
    return OpenConfigfsTsmProvider(arg, out);
  }
  if (kind == "trustauthority-cli") {
    if (colon == std::string::npos || arg.empty())
      return Status::Fail("provider spec",
                          "'" + spec + "': trustauthority-cli needs the CLI's path");
    return OpenTrustAuthorityCliProvider(arg, kTrustAuthorityCliTimeout, out);
  }
  return Status::Fail("provider spec",
                      "unknown provider '" + spec +
                          "' (known: sim:DIR, sim-azure:DIR[;service=URL;ca=FILE;timeout=S], "
                          "configfs-tsm[:PATH], trustauthority-cli:PATH, "
                          "azure-vtpm[;tcti=CONF;imds=URL;lock=FILE;service=URL;ca=FILE;"
                          "timeout=S], tpm[;tcti=CONF;ak=HANDLE|FILE;akcert=FILE;pcrs=LIST;banks=LIST;"
                          "eventlog=PATH|none;ima=PATH|none])");
}

}  // namespace ra
