#include "common/dir_listing.h"

#include "common/safe_path.h"

#include <dirent.h>

#include <algorithm>
#include <memory>

namespace ra {

Status ListDirSorted(const std::string& dir, std::vector<std::string>* names) {
  // Whoever can write the directory or a file in it chooses the TCB levels
  // we accept: both are judged as ssh judges its own files before any is
  // read (common/safe_path.h).
  RA_RETURN_IF_ERROR(CheckSafeDir("collateral", dir));
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return Status::Fail("collateral", "cannot open directory " + dir);
  std::vector<std::string> out;
  while (struct dirent* e = readdir(d.get())) {
    if (e->d_name[0] == '.') continue;
    if (out.size() == kMaxDirEntries) return Status::Fail("collateral", "too many files in " + dir);
    out.push_back(e->d_name);
  }
  for (const auto& n : out) RA_RETURN_IF_ERROR(CheckSafeFile("collateral", dir + "/" + n));
  std::sort(out.begin(), out.end());
  *names = std::move(out);
  return Status();
}

}  // namespace ra
