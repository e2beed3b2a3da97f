// Constructors of the built-in providers; OpenProvider() (provider
// registry) maps a spec string onto them.
#pragma once

#include <memory>
#include <string>

#include "common/evidence.h"

namespace ra {

// "sim:DIR": software TDX quotes signed by DIR's test PCK chain.
Status OpenSimTdxProvider(const std::string& dir,
                          std::unique_ptr<EvidenceProvider>* out);

// "configfs-tsm[:PATH]": the Linux TSM report ABI (Linux >= 6.7).
Status OpenConfigfsTsmProvider(const std::string& path,
                               std::unique_ptr<EvidenceProvider>* out);

constexpr const char* kDefaultTsmReportPath = "/sys/kernel/config/tsm/report";

// "trustauthority-cli:PATH": Intel Trust Authority's CLI; its quotes carry
// SHA-512(binding) in REPORTDATA (evidence type kEvidenceTdxQuoteSha512).
Status OpenTrustAuthorityCliProvider(const std::string& path, int timeout_seconds,
                                     std::unique_ptr<EvidenceProvider>* out);
constexpr int kTrustAuthorityCliTimeout = 30;
constexpr const char* kEvidenceTdxQuoteSha512 = "tdx-quote-sha512";

}  // namespace ra
