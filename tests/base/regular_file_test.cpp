#include "base/regular_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace envlock {
namespace {

using Reason = ReadFileError::Reason;
using testing::TempDir;
using testing::write_file;

TEST(ReadRegularFile, WholeFileUpToTheLimit) {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  write_file(path, "abcd");
  EXPECT_EQ(read_regular_file(path, 4).value(), "abcd");
  auto over = read_regular_file(path, 3);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().reason, Reason::kTooLarge);
  EXPECT_EQ(over.error().size, 4u);
}

TEST(ReadRegularFile, ReasonsForWhatIsNoRegularFile) {
  TempDir dir;
  auto missing = read_regular_file(dir.path() + "/none", 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, Reason::kStat);
  EXPECT_EQ(missing.error().err, ENOENT);
  auto directory = read_regular_file(dir.path(), 10);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().reason, Reason::kNotRegular);
  EXPECT_TRUE(S_ISDIR(directory.error().mode));
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = read_regular_file(fifo, 10);  // returns at once: never opened
  ASSERT_FALSE(pipe);
  EXPECT_EQ(pipe.error().reason, Reason::kNotRegular);
}

}  // namespace
}  // namespace envlock
