#include "scanner/fs/path_jail.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

// Each case runs with openat2 and walking by hand: both must agree.
class PathJailTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { PathJail::use_kernel_resolution(GetParam()); }
  void TearDown() override { PathJail::use_kernel_resolution(true); }
};

std::string read_all(const PathJail& jail, const std::string& path) {
  auto fd = jail.open_file(path);
  if (!fd) return "error: " + fd.error().message;
  char buf[256];
  ssize_t n = ::read(fd->get(), buf, sizeof buf);
  return n < 0 ? "read error" : std::string(buf, static_cast<std::size_t>(n));
}

TEST_P(PathJailTest, ARootClampsDotDotAndRestartsAbsoluteLinksAtItsTop) {
  TempDir tmp;
  write_file(tmp / "r/etc/x", "inside");
  std::filesystem::create_directories(tmp / "r/a/b");
  std::filesystem::create_symlink("../../../../../../etc/x", tmp / "r/a/b/up");
  std::filesystem::create_symlink("/etc/x", tmp / "r/a/abs");
  std::filesystem::create_symlink("b/..", tmp / "r/a/dot");  // ends at a directory
  auto jail = PathJail::open(tmp / "r");
  ASSERT_TRUE(jail);
  EXPECT_EQ(read_all(*jail, "/a/b/up"), "inside");
  EXPECT_EQ(read_all(*jail, "/a/abs"), "inside");
  EXPECT_EQ(*jail->realpath("/a/b/up"), "/etc/x");
  EXPECT_EQ(*jail->realpath("/a/dot"), "/a");
  EXPECT_EQ(*jail->realpath("/"), "/");
  EXPECT_EQ(*jail->readlink("/a/abs"), "/etc/x");
  EXPECT_TRUE(S_ISLNK(jail->stat("/a/abs", false)->st_mode));
  EXPECT_TRUE(S_ISREG(jail->stat("/a/abs", true)->st_mode));
  EXPECT_EQ(read_all(*jail, "/a"), "error: /a: not a regular file");
  EXPECT_EQ(read_all(*jail, "/nope"), "error: /nope: No such file or directory");
}

TEST_P(PathJailTest, AMountedJailFollowsLinksOnlyWhileTheyStayUnderIt) {
  TempDir tmp;
  const std::string m = tmp / "prefix";
  write_file(m + "/lib/f", "inside");
  write_file(tmp / "outside", "outside");
  std::filesystem::create_symlink(m + "/lib/f", m + "/abs");
  std::filesystem::create_symlink(m + "/lib/../../outside", m + "/abs-dotdot");
  std::filesystem::create_symlink(m + "x/lib/f", m + "/sibling");  // "/…/prefixx" is not under "/…/prefix"
  auto jail = PathJail::open(m, m);
  ASSERT_TRUE(jail);
  EXPECT_EQ(read_all(*jail, m + "/abs"), "inside");
  EXPECT_EQ(read_all(*jail, m + "/abs-dotdot"), "error: " + m + "/abs-dotdot: leaves " + m);
  EXPECT_EQ(read_all(*jail, m + "/sibling"), "error: " + m + "/sibling: leaves " + m);
  EXPECT_EQ(read_all(*jail, tmp / "outside"), "error: " + tmp / "outside" + ": leaves " + m);
  auto sub = jail->sub(m + "/lib");
  ASSERT_TRUE(sub);
  EXPECT_EQ(read_all(*sub, m + "/lib/f"), "inside");
  EXPECT_EQ(read_all(*sub, m + "/abs"), "error: " + m + "/abs: leaves " + m + "/lib");
}

TEST_P(PathJailTest, RefusingLinksRefusesThemAnywhereOnThePath) {
  TempDir tmp;
  write_file(tmp / "d/real/f", "x");
  std::filesystem::create_symlink("real", tmp / "d/link");
  std::filesystem::create_symlink("f", tmp / "d/real/g");
  auto jail = PathJail::open(tmp / "d", "/", PathJail::Links::kRefuse);
  ASSERT_TRUE(jail);
  EXPECT_EQ(read_all(*jail, "/real/f"), "x");
  EXPECT_EQ(read_all(*jail, "/link/f"), "error: /link/f: passes through a symbolic link");
  EXPECT_EQ(read_all(*jail, "/real/g"), "error: /real/g: is a symbolic link");
}

TEST_P(PathJailTest, FifosAreRefusedUnopened) {
  TempDir tmp;
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0600), 0);
  auto jail = PathJail::open(tmp.path());
  ASSERT_TRUE(jail);
  EXPECT_EQ(read_all(*jail, "/fifo"), "error: /fifo: not a regular file");
}

INSTANTIATE_TEST_SUITE_P(Resolution, PathJailTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Openat2" : "ByHand"; });

}  // namespace
}  // namespace envlock::scanner
