#include "provider/azure_hcl_cache.h"

#include <openssl/sha.h>

#include "common/bytes_util.h"
#include "common/private_cache.h"

namespace ra {

namespace {
const char kCheck[] = "azure-vtpm cache";
}  // namespace

std::string HclCacheFileName(const std::string& tcti) {
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(tcti.data()), tcti.size(), h);
  return "azure-hcl-" + HexEncode(ByteView(h, 8));
}

Status LoadHclCache(const std::string& dir, const std::string& name, int64_t ttl,
                    std::time_t now, CachedHclReport* out) {
  UniqueFd dirfd;
  Status s = OpenPrivateDir(dir, false, &dirfd);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  std::string text;
  s = ReadPrivateFile(dirfd.get(), name, kMaxHclCacheFileLen, &text);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  CachedHclReport e;
  RA_RETURN_IF_ERROR(ParseHclCache(text, &e));
  const int64_t age = static_cast<int64_t>(now) - e.made_at;
  if (age < -kHclCacheClockSkew) return Status::Fail(kCheck, "made in the future");
  if (age >= ttl)
    return Status::Fail(kCheck, "stale (" + std::to_string(age) + " s old, hclcache=" +
                                    std::to_string(ttl) + ")");
  *out = std::move(e);
  return Status();
}

Status StoreHclCache(const std::string& dir, const std::string& name,
                     const CachedHclReport& entry) {
  UniqueFd dirfd;
  Status s = OpenPrivateDir(dir, true, &dirfd);
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  s = WritePrivateFile(dirfd.get(), name, FormatHclCache(entry));
  if (!s.ok()) return Status::Fail(kCheck, s.message());
  return Status();
}

}  // namespace ra
