// The configfs-tsm provider's seam for tests: configfs creates an entry's
// attribute files on mkdir and bumps `generation` when `inblob` is written;
// a plain directory does neither, so a test stands in for the kernel
// through these hooks.  Production code never sets them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/evidence.h"

namespace ra {

struct TsmKernelHooks {
  std::function<void(const std::string& entry)> after_mkdir;
  std::function<void(const std::string& entry)> after_inblob;
  std::function<void(const std::string& entry)> before_rmdir;
  // Where the CCEL table and log are read (tdx_guest only); empty: the
  // kernel's, kDefaultAcpiTablesDir.
  std::string acpi_tables_dir;
};

Status OpenConfigfsTsmProviderWithHooks(const std::string& path, TsmKernelHooks hooks,
                                        std::unique_ptr<EvidenceProvider>* out);

// The VMPL an SEV-SNP report is requested for (privlevel): fixed, not a
// provider option.
constexpr uint32_t kSnpTsmVmpl = 0;

// Quotes are < 16 KiB; anything near this is a broken or hostile provider.
constexpr size_t kMaxTsmOutblobLen = 1024 * 1024;

}  // namespace ra
