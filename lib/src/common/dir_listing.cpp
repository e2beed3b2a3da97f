#include "common/dir_listing.h"

#include <dirent.h>

#include <algorithm>
#include <memory>

namespace ra {

Status ListDirSorted(const std::string& dir, std::vector<std::string>* names) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return Status::Fail("collateral", "cannot open directory " + dir);
  std::vector<std::string> out;
  while (struct dirent* e = readdir(d.get())) {
    if (e->d_name[0] == '.') continue;
    if (out.size() == kMaxDirEntries) return Status::Fail("collateral", "too many files in " + dir);
    out.push_back(e->d_name);
  }
  std::sort(out.begin(), out.end());
  *names = std::move(out);
  return Status();
}

}  // namespace ra
