// common/safe_path.h: each rule, on real files (the tests chown to
// another uid, so they run as root, as the suite does).
#include "common/safe_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "ra_test_util.h"

namespace {

using ra_test::TempDir;
using ra_test::WriteFile;

const uid_t kOther = 54321;

// A fresh directory of ours, mode 700, with one safe file "f" (mode 644).
struct Tree {
  TempDir dir;
  std::string f = dir / "f";
  Tree() {
    WriteFile(f, "x\n");
    EXPECT_EQ(chmod(f.c_str(), 0644), 0);
  }
};

void ExpectBad(const ra::Status& s, const std::string& path, const std::string& why) {
  ASSERT_FALSE(s.ok()) << "accepted " << path;
  EXPECT_EQ(s.check(), "what");
  EXPECT_EQ(s.detail(), "bad owner or permissions on " + path + ": " + why);
}

TEST(SafePath, SafeFileAndDirectoryPass) {
  Tree t;  // below /tmp: a root-owned sticky directory is passed through
  EXPECT_TRUE(ra::CheckSafeFile("what", t.f).ok()) << ra::CheckSafeFile("what", t.f).message();
  EXPECT_TRUE(ra::CheckSafeDir("what", t.dir.path()).ok());
  EXPECT_TRUE(ra::CheckSafeDir("what", t.dir.path() + "/").ok());
  EXPECT_TRUE(ra::CheckSafeParentDir("what", t.f).ok());
  // Owned by root counts as safe too (we are root or the owner).
  ASSERT_EQ(chown(t.f.c_str(), 0, static_cast<gid_t>(-1)), 0);
  EXPECT_TRUE(ra::CheckSafeFile("what", t.f).ok());
  // Mode 600, read-only, executable: all fine for a trust file.
  ASSERT_EQ(chmod(t.f.c_str(), 0500), 0);
  EXPECT_TRUE(ra::CheckSafeFile("what", t.f).ok());
}

TEST(SafePath, GroupOrWorldWritableFileIsRefused) {
  Tree t;
  ASSERT_EQ(chmod(t.f.c_str(), 0664), 0);
  ExpectBad(ra::CheckSafeFile("what", t.f), t.f, "writable by group or others");
  ASSERT_EQ(chmod(t.f.c_str(), 0646), 0);
  ExpectBad(ra::CheckSafeFile("what", t.f), t.f, "writable by group or others");
}

TEST(SafePath, OtherOwnerIsRefused) {
  Tree t;
  ASSERT_EQ(chown(t.f.c_str(), kOther, static_cast<gid_t>(-1)), 0);
  ExpectBad(ra::CheckSafeFile("what", t.f), t.f, "owned by uid " + std::to_string(kOther));
}

TEST(SafePath, UnsafeParentDirectoryIsRefused) {
  Tree t;
  std::string sub = t.dir / "sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  WriteFile(sub + "/f", "x\n");
  ASSERT_EQ(chmod((sub + "/f").c_str(), 0600), 0);
  ASSERT_TRUE(ra::CheckSafeFile("what", sub + "/f").ok());
  ASSERT_EQ(chmod(sub.c_str(), 0775), 0);
  ExpectBad(ra::CheckSafeFile("what", sub + "/f"), sub, "writable by group or others");
  // Root's and sticky (the suite runs as root): passed through like /tmp,
  // never the directory judged.
  ASSERT_EQ(geteuid(), 0u) << "tests run as root";
  ASSERT_EQ(chmod(sub.c_str(), 01777), 0);
  EXPECT_TRUE(ra::CheckSafeFile("what", sub + "/f").ok());
  ExpectBad(ra::CheckSafeDir("what", sub), sub, "writable by group or others");
  ASSERT_EQ(chmod(sub.c_str(), 0755), 0);
  ASSERT_EQ(chown(sub.c_str(), kOther, static_cast<gid_t>(-1)), 0);
  ExpectBad(ra::CheckSafeFile("what", sub + "/f"), sub, "owned by uid " + std::to_string(kOther));
  ExpectBad(ra::CheckSafeParentDir("what", sub + "/new"), sub,
            "owned by uid " + std::to_string(kOther));
}

TEST(SafePath, StickyRootDirectoryIsNeverTheObjectNorOnAnExecutablePath) {
  struct stat st;
  ASSERT_EQ(stat("/tmp", &st), 0);
  ASSERT_TRUE(st.st_uid == 0 && (st.st_mode & 01002) == 01002) << "/tmp is not root's, sticky";
  ExpectBad(ra::CheckSafeDir("what", "/tmp"), "/tmp", "writable by group or others");
  Tree t;
  ASSERT_EQ(chmod(t.f.c_str(), 0755), 0);
  int fd = -1;
  ExpectBad(ra::OpenSafePath("what", t.f, ra::SafePathType::kExecutable, &fd), "/tmp",
            "writable by group or others");
  EXPECT_EQ(fd, -1);
}

TEST(SafePath, SymlinksAreResolvedAndTheirTargetsJudged) {
  Tree t;
  std::string link = t.dir / "link";
  ASSERT_EQ(symlink("f", link.c_str()), 0);
  EXPECT_TRUE(ra::CheckSafeFile("what", link).ok());
  // A link to an unsafe file: the target is named.
  ASSERT_EQ(chmod(t.f.c_str(), 0666), 0);
  ExpectBad(ra::CheckSafeFile("what", link), t.f, "writable by group or others");
  ASSERT_EQ(chmod(t.f.c_str(), 0644), 0);
  // A link through an unsafe directory.
  std::string open_dir = t.dir / "open";
  ASSERT_EQ(mkdir(open_dir.c_str(), 0777), 0);
  ASSERT_EQ(chmod(open_dir.c_str(), 0777), 0);
  WriteFile(open_dir + "/g", "x\n");
  ASSERT_EQ(chmod((open_dir + "/g").c_str(), 0644), 0);
  std::string link2 = t.dir / "link2";
  ASSERT_EQ(symlink((open_dir + "/g").c_str(), link2.c_str()), 0);
  ExpectBad(ra::CheckSafeFile("what", link2), open_dir, "writable by group or others");
  // A link someone else made.
  ASSERT_EQ(lchown(link.c_str(), kOther, static_cast<gid_t>(-1)), 0);
  ExpectBad(ra::CheckSafeFile("what", link), link, "owned by uid " + std::to_string(kOther));
  // A loop ends.
  std::string loop = t.dir / "loop";
  ASSERT_EQ(symlink("loop", loop.c_str()), 0);
  ra::Status s = ra::CheckSafeFile("what", loop);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("too many symbolic links"), std::string::npos) << s.detail();
}

TEST(SafePath, DotDotAndRelativePathsAreWalked) {
  Tree t;
  std::string sub = t.dir / "sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  EXPECT_TRUE(ra::CheckSafeFile("what", sub + "/../f").ok());
  EXPECT_TRUE(ra::CheckSafeDir("what", sub + "/..").ok());
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(chdir(t.dir.path().c_str()), 0);
  ra::Status ok = ra::CheckSafeFile("what", "f");
  ASSERT_EQ(chmod(t.f.c_str(), 0620), 0);
  ra::Status bad = ra::CheckSafeFile("what", "./f");
  ASSERT_EQ(chdir(cwd), 0);
  EXPECT_TRUE(ok.ok()) << ok.message();
  ExpectBad(bad, t.f, "writable by group or others");
}

TEST(SafePath, WrongTypeAndMissingAreNamed) {
  Tree t;
  ra::Status s = ra::CheckSafeFile("what", t.dir.path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.detail(), t.dir.path() + ": not a regular file");
  s = ra::CheckSafeDir("what", t.f);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.detail(), t.f + ": not a directory");
  s = ra::CheckSafeFile("what", t.f + "/");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.detail(), t.f + ": not a directory");
  s = ra::CheckSafeFile("what", t.dir / "missing");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(t.dir / "missing"), std::string::npos) << s.detail();
  EXPECT_NE(s.detail().find("No such file"), std::string::npos) << s.detail();
  s = ra::CheckSafeFile("what", t.f + "/x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.detail(), t.f + ": not a directory");
  EXPECT_FALSE(ra::CheckSafeFile("what", "").ok());
}

TEST(SafePath, OpenReturnsTheJudgedObject) {
  Tree t;
  int fd = -1;
  ASSERT_TRUE(ra::OpenSafePath("what", t.f, ra::SafePathType::kFile, &fd).ok());
  ASSERT_GE(fd, 0);
  struct stat a, b;
  ASSERT_EQ(fstat(fd, &a), 0);
  ASSERT_EQ(stat(t.f.c_str(), &b), 0);
  close(fd);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
}

}  // namespace
