// azure-vtpm's cached HCL report (option hclcache=SECONDS): the HCL report
// and the TD quote IMDS made of its TD report, kept in a file between
// sshd's per-connection monitors (which share no memory), so that a
// connection costs one vTPM quote instead of a report regeneration and an
// IMDS round trip (seconds on Azure).  The session binding travels in the
// vTPM quote's extraData, so the report need not be fresh; it only vouches
// for the AK (HCLAkPub).
//
// File: cachedir=DIR (default /run/ra-ssh, sshd's state directory), name
// "azure-hcl-" + 16 hex digits of SHA-256(TCTI configuration), read and
// written under common/private_cache.h's rules (ours, mode 600, in a
// directory only we can write); its form is parse/hcl_cache_file.h.
// Here: the form and the age; what the report says (TDX, REPORTDATA =
// SHA-256(runtime JSON), the quote is of its TD report, its HCLAkPub
// signed this connection's vTPM quote) the provider checks on every use,
// as for a fresh report.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

#include "common/status.h"
#include "parse/hcl_cache_file.h"

namespace ra {

constexpr int64_t kMaxHclCacheSeconds = 86400;
constexpr int64_t kHclCacheClockSkew = 60;  // a made_at this far ahead is refused
constexpr const char kDefaultHclCacheDir[] = "/run/ra-ssh";

// The cache file's name for a TCTI configuration (one vTPM, one report).
std::string HclCacheFileName(const std::string& tcti);

// The entry of dir/name if it is well formed and 0 <= now - made_at < ttl
// (made_at at most kHclCacheClockSkew ahead).  Fails "azure-vtpm cache"
// naming why (no cached entry, unsafe file, malformed, stale).
Status LoadHclCache(const std::string& dir, const std::string& name, int64_t ttl,
                    std::time_t now, CachedHclReport* out);

// Writes the entry (creating dir's last component, mode 700, if missing).
Status StoreHclCache(const std::string& dir, const std::string& name,
                     const CachedHclReport& entry);

}  // namespace ra
