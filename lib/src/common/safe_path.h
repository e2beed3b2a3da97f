// Files that decide what we trust (the policy, what it names, sshd's
// provider files, the CLI sshd runs as root) are used only if nobody but
// this process's user (euid) or root could have written them, as ssh
// refuses its own config and keys otherwise ("Bad owner or permissions").
// The path is walked from "/" one component at a time, each opened
// O_PATH|O_NOFOLLOW under the directory already judged, so a symbolic
// link is resolved, not followed: it must be owned by the user or root,
// and its target is walked the same way.  Every directory on the way and
// the object at the end must be owned by the user or root and writable by
// neither group nor others.
//
// The one exception: a root-owned sticky directory (/tmp) may be passed
// THROUGH on the way to a trust file or directory.  Its sticky bit keeps
// others from renaming or removing our entries there, and an entry they
// planted is owned by them and refused; so mkdtemp() directories are
// usable.  It is never the object itself (others may add files to it),
// and an executable (run as root) may not lie below one at all, as
// OpenSSH's safe_path() requires.  Unlike safe_path() the walk does not
// stop at $HOME: a trust file's whole path is judged, whoever owns it.
#pragma once

#include <sys/stat.h>

#include <string>

#include "common/status.h"

namespace ra {

enum class SafePathType {
  kFile,        // a regular file
  kDirectory,   // a directory
  kExecutable,  // a regular file with an x bit; no sticky directory on the way
};

// Walks path (a relative one from the working directory) as above.  On
// success, if out is not null, *out is an O_PATH descriptor of the object
// judged (the caller closes it).  Failures are Status::Fail(check,
// "bad owner or permissions on P: why") for a rule, or name P otherwise.
Status OpenSafePath(const std::string& check, const std::string& path, SafePathType type,
                    int* out);

// The rules without a descriptor: safe when every directory on the path
// is writable only by the user or root, since nobody else can then swap
// what the caller opens next.
Status CheckSafeFile(const std::string& check, const std::string& path);
Status CheckSafeDir(const std::string& check, const std::string& path);
// The directory that holds path (for a file about to be created).
Status CheckSafeParentDir(const std::string& check, const std::string& path);

// The owner and mode rule for one object already stat'ed (a descriptor
// the caller opened itself).
Status CheckSafeOwnerMode(const std::string& check, const std::string& path,
                          const struct stat& st);

// Creates path holding data with mode: never over an existing file (a key
// may be enrolled somewhere), never through a planted symbolic link.  A
// file that could not be written whole is removed.
Status WriteNewFile(const std::string& check, const std::string& path, const std::string& data,
                    mode_t mode);

}  // namespace ra
