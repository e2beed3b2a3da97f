// `ssh-attest tpm-init [--tcti CONF] [--alg rsa|ecc] [--handle 0x81...|--out FILE]`:
// makes the `tpm` provider's attestation key (provider/tpm_ak.h) and
// prints its public key as PEM on stdout, for the client policy's
// `TpmAk FILE`.  Default: RSA 2048, persisted at 0x81000003.
#include <cstdio>
#include <string>

#include "provider/tpm_ak.h"
#include "provider/tpm_provider.h"

namespace {

const char kTpmInitUsage[] =
    "usage: ssh-attest tpm-init [--tcti CONF] [--alg rsa|ecc] [--handle 0x81xxxxxx | --out FILE]\n";

int TpmInitUsage(const std::string& why) {
  std::fprintf(stderr, "ssh-attest tpm-init: %s\n%s", why.c_str(), kTpmInitUsage);
  return 2;
}

}  // namespace

int TpmInitCommand(int argc, char** argv) {
  ra::TpmInitOptions opt;
  opt.dest.handle = ra::kDefaultTpmAkHandle;
  bool have_dest = false;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kTpmInitUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return TpmInitUsage("'" + a + "' needs a value or is unknown");
    std::string v = argv[++i];
    if (a == "--tcti") {
      opt.tcti = v;
    } else if (a == "--alg") {
      if (v != "rsa" && v != "ecc") return TpmInitUsage("--alg is rsa or ecc");
      opt.alg = v == "rsa" ? ra::TpmAkAlg::kRsa2048 : ra::TpmAkAlg::kEccP256;
    } else if (a == "--handle" || a == "--out") {
      if (have_dest) return TpmInitUsage("one of --handle or --out");
      have_dest = true;
      ra::Status s = ra::ParseTpmAkRef(v, &opt.dest);
      if (!s.ok() || (a == "--handle") != (opt.dest.handle != 0))
        return TpmInitUsage(a == "--handle" ? "--handle takes 0x81000000..0x81ffffff"
                                            : "--out takes an absolute path");
    } else {
      return TpmInitUsage("unknown option '" + a + "'");
    }
  }
  std::string pem;
  ra::Status s = ra::TpmInitAk(opt, &pem);
  if (!s.ok()) {
    std::fprintf(stderr, "ssh-attest tpm-init: %s\n", s.message().c_str());
    return 1;
  }
  std::fputs(pem.c_str(), stdout);
  return 0;
}
