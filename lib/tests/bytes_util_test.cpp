// ReadFileBounded: what every key, anchor and collateral file goes through.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "common/bytes_util.h"
#include "ra_test_util.h"

namespace {

TEST(ReadFileBounded, ReadsARegularFileWithinTheBound) {
  ra_test::TempDir d;
  ra_test::WriteFile(d / "f", "hello");
  ra::Bytes b;
  ASSERT_TRUE(ra::ReadFileBounded(d / "f", 5, &b).ok());
  EXPECT_EQ(std::string(b.begin(), b.end()), "hello");
  ra::Status s = ra::ReadFileBounded(d / "f", 4, &b);
  EXPECT_NE(s.message().find("larger than 4 bytes"), std::string::npos) << s.message();
}

TEST(ReadFileBounded, RefusesAFifoWithoutHanging) {
  ra_test::TempDir d;
  ASSERT_EQ(mkfifo((d / "fifo").c_str(), 0600), 0);
  ra::Bytes b;
  ra::Status s = ra::ReadFileBounded(d / "fifo", 100, &b);
  EXPECT_NE(s.message().find("not a regular file"), std::string::npos) << s.message();
}

TEST(ReadFileBounded, RefusesDirectoriesAndMissingFiles) {
  ra_test::TempDir d;
  ra::Bytes b;
  EXPECT_NE(ra::ReadFileBounded(d.path(), 100, &b).message().find("not a regular file"),
            std::string::npos);
  EXPECT_FALSE(ra::ReadFileBounded(d / "missing", 100, &b).ok());
}

}  // namespace
