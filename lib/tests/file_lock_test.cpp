// The lock that serializes azure-vtpm's NV exchange between sshd's
// monitors: the wait for it is bounded, and a lock file that cannot be
// opened is an error (issue 14: it used to wait forever, or run unlocked).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/file_lock.h"
#include "provider/providers.h"
#include "ra_test_util.h"

namespace {

using ra_test::TempDir;

// Another monitor holding the lock: flock locks belong to the open file
// description, so a second open() in this process conflicts as another
// process would.
int HoldLock(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) return -1;
  return fd;
}

TEST(FileLockTest, FreeLockIsTakenAndReleased) {
  TempDir dir;
  std::string path = dir / "lock";
  {
    ra::FileLock lock;
    ra::Status s = lock.Acquire("test", path, 100);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(HoldLock(path), -1) << "held while the FileLock lives";
  }
  int fd = HoldLock(path);
  EXPECT_GE(fd, 0) << "released when the FileLock goes";
  close(fd);
}

TEST(FileLockTest, BusyLockWaitIsBounded) {
  TempDir dir;
  std::string path = dir / "lock";
  int holder = HoldLock(path);
  ASSERT_GE(holder, 0);
  ra::FileLock lock;
  auto start = std::chrono::steady_clock::now();
  ra::Status s = lock.Acquire("azure-vtpm", path, 300);
  auto took = std::chrono::steady_clock::now() - start;
  close(holder);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.check(), "azure-vtpm");
  EXPECT_NE(s.detail().find(path + ": still held by another process after 300 ms"),
            std::string::npos) << s.message();
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(FileLockTest, LockReleasedWithinTheWaitIsTaken) {
  TempDir dir;
  std::string path = dir / "lock";
  int holder = HoldLock(path);
  ASSERT_GE(holder, 0);
  std::thread release([holder] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    close(holder);
  });
  ra::FileLock lock;
  ra::Status s = lock.Acquire("test", path, 5000);
  release.join();
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(FileLockTest, UnopenableLockFileIsAnError) {
  TempDir dir;
  ra::FileLock lock;
  std::string missing = dir / "no-such-dir/lock";
  ra::Status s = lock.Acquire("test", missing, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("lock file " + missing + ": No such file"), std::string::npos)
      << s.message();
  EXPECT_FALSE(ra::CheckLockFile("test", missing).ok());
  // Not through a symbolic link (someone else's file would be created or
  // locked in its place).
  std::string link = dir / "link";
  ASSERT_EQ(symlink((dir / "elsewhere").c_str(), link.c_str()), 0);
  EXPECT_FALSE(lock.Acquire("test", link, 100).ok());
  EXPECT_FALSE(ra::CheckLockFile("test", link).ok());
  EXPECT_FALSE(lock.Acquire("test", "relative/lock", 100).ok());
}

// flock() needs only a descriptor: whoever can open the lock file, even
// read-only, can hold the lock for as long as they like and stall every
// connection's attestation.  So a lock file that another user owns, or
// that group or others may open, is refused at once (by sshd -t too), and
// so is anything but a regular file.
// Others who may write the lock's directory may replace the file.
TEST(FileLockTest, LockInADirectoryOthersMayWriteIsRefused) {
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0777), 0);
  ra::FileLock lock;
  ra::Status s = lock.Acquire("test", dir / "x.lock", 100);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.detail(), "bad owner or permissions on " + dir.path() +
                            ": writable by group or others");
  EXPECT_FALSE(ra_test::Exists(dir / "x.lock")) << "created before the check";
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  EXPECT_TRUE(lock.Acquire("test", dir / "x.lock", 100).ok());
}

TEST(FileLockTest, LockFileOthersCanOpenIsRefused) {
  TempDir dir;
  ra::FileLock lock;

  std::string readable = dir / "readable.lock";
  ra_test::WriteFile(readable, "");
  ASSERT_EQ(chmod(readable.c_str(), 0644), 0);
  // What a local user could do with it: hold it from a read-only open.
  int ro = open(readable.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  ASSERT_EQ(flock(ro, LOCK_EX | LOCK_NB), 0);
  close(ro);
  ra::Status s = lock.Acquire("azure-vtpm", readable, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find("bad owner or permissions on lock file " + readable +
                            ": group or others may open it"),
            std::string::npos) << s.message();
  EXPECT_FALSE(ra::CheckLockFile("test", readable).ok());
  ASSERT_EQ(chmod(readable.c_str(), 0660), 0);
  EXPECT_FALSE(lock.Acquire("test", readable, 100).ok()) << "group may open it";

  std::string theirs = dir / "theirs.lock";
  ra_test::WriteFile(theirs, "");
  ASSERT_EQ(chmod(theirs.c_str(), 0600), 0);
  ASSERT_EQ(chown(theirs.c_str(), 65534, 65534), 0) << "tests run as root";
  s = lock.Acquire("test", theirs, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(theirs + ": owned by uid 65534"), std::string::npos) << s.message();
  EXPECT_FALSE(ra::CheckLockFile("test", theirs).ok());

  std::string fifo = dir / "fifo.lock";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  s = lock.Acquire("test", fifo, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.detail().find(fifo + ": not a regular file"), std::string::npos) << s.message();

  // Ours, 0600 (as Acquire creates it): taken.
  ASSERT_EQ(chmod(readable.c_str(), 0600), 0);
  s = lock.Acquire("test", readable, 100);
  EXPECT_TRUE(s.ok()) << s.message();
}

// The provider refuses to open with a lock file it cannot make, before it
// reaches for the TPM: at sshd start-up, not as failed connections.
TEST(FileLockTest, AzureVtpmProviderRefusesAMissingLockFile) {
  TempDir dir;
  std::string missing = dir / "no-such-dir/vtpm.lock";
  std::unique_ptr<ra::EvidenceProvider> p;
  ra::Status s = ra::OpenAzureVtpmProvider(
      ";tcti=swtpm:host=127.0.0.1,port=1;lock=" + missing, &p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("azure-vtpm: lock file " + missing), std::string::npos)
      << s.message();
}

}  // namespace
