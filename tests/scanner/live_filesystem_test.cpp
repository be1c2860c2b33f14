#include "scanner/live_filesystem.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

TEST(LiveFileSystem, AbsoluteSymlinksResolveInsideTheRoot) {
  TempDir root;
  write_file(root / "etc/os-release", "ID=inside\n");
  std::filesystem::create_directories(root / "usr/lib");
  std::filesystem::create_symlink("/etc/os-release", root / "usr/lib/os-release");
  LiveFileSystem fs(root.path());
  auto text = fs.read("/usr/lib/os-release", kDefaultReadLimit);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "ID=inside\n");
  EXPECT_EQ(*fs.realpath("/usr/lib/os-release"), "/etc/os-release");
  EXPECT_EQ(*fs.readlink("/usr/lib/os-release"), "/etc/os-release");
  EXPECT_EQ(fs.lstat("/usr/lib/os-release")->type, FileType::kSymlink);
  EXPECT_EQ(fs.stat("/usr/lib/os-release")->type, FileType::kRegular);
}

TEST(LiveFileSystem, DotDotNeverLeavesTheRoot) {
  TempDir root;
  write_file(root / "etc/passwd", "inside\n");
  std::filesystem::create_symlink("../../../../../../etc/passwd", root / "escape");
  LiveFileSystem fs(root.path());
  EXPECT_EQ(*fs.read("/escape", kDefaultReadLimit), "inside\n");
  EXPECT_EQ(*fs.read("/../../etc/passwd", kDefaultReadLimit), "inside\n");
}

TEST(LiveFileSystem, SymlinkLoopsEnd) {
  TempDir root;
  std::filesystem::create_symlink("b", root / "a");
  std::filesystem::create_symlink("a", root / "b");
  LiveFileSystem fs(root.path());
  auto st = fs.stat("/a");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, root.path() + "/a: too many levels of symbolic links");
}

TEST(LiveFileSystem, FifosAndDevicesAreNeverRead) {
  TempDir root;
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
  LiveFileSystem fs(root.path());
  auto r = fs.read("/fifo", kDefaultReadLimit);  // must not block waiting for a writer
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/fifo: not a regular file");
  LiveFileSystem host("/");
  auto zero = host.read("/dev/zero", kDefaultReadLimit);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message, "/dev/zero: not a regular file");
}

TEST(LiveFileSystem, ReadLimitNamesTheFile) {
  TempDir root;
  write_file(root / "big", std::string(100, 'x'));
  LiveFileSystem fs(root.path());
  auto r = fs.read("/big", 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/big: file is larger than the 10-byte limit");
  EXPECT_EQ(fs.read_prefix("/big", 10)->size(), 10u);
  EXPECT_EQ(fs.read_prefix("/big", 1000)->size(), 100u);
}

TEST(LiveFileSystem, ReadAtGivesAWindowAndTheDefaultAgrees) {
  TempDir root;
  std::string content;
  for (int i = 0; i < 200000; ++i) content.push_back(static_cast<char>('a' + i % 26));
  write_file(root / "f", content);
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
  LiveFileSystem fs(root.path());
  EXPECT_EQ(*fs.read_at("/f", 70000, 100), content.substr(70000, 100));
  EXPECT_EQ(*fs.read_at("/f", 199990, 100), content.substr(199990));  // short at the end
  EXPECT_EQ(*fs.read_at("/f", 200000, 5), "");                        // nothing past it
  EXPECT_EQ(*fs.read_at("/f", UINT64_MAX - 2, 5), "");
  EXPECT_EQ(fs.read_at("/fifo", 0, 5).error().message, "/fifo: not a regular file");
  // The base class streams read_chunks and must cut the same windows.
  const FileSystem& base = fs;
  EXPECT_EQ(*base.FileSystem::read_at("/f", 70000, 100), content.substr(70000, 100));
  EXPECT_EQ(*base.FileSystem::read_at("/f", 199990, 100), content.substr(199990));
  EXPECT_EQ(*base.FileSystem::read_at("/f", 200000, 5), "");
  EXPECT_EQ(*base.FileSystem::read_at("/f", UINT64_MAX - 2, 5), "");
}

TEST(LiveFileSystem, ListIsSortedAndTyped) {
  TempDir root;
  write_file(root / "d/b.txt", "b");
  write_file(root / "d/a.txt", "a");
  std::filesystem::create_directories(root / "d/c");
  LiveFileSystem fs(root.path());
  auto entries = fs.list("/d");
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "a.txt");
  EXPECT_EQ((*entries)[2].name, "c");
  EXPECT_EQ((*entries)[2].type, FileType::kDirectory);
}

TEST(LiveFileSystem, Sha256StreamsContent) {
  TempDir root;
  write_file(root / "f", "abc");
  LiveFileSystem fs(root.path());
  EXPECT_EQ(*fs.sha256("/f"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PathHelpers, NormalizeJoinParent) {
  EXPECT_EQ(normalize_path("/a//b/./c/../d"), "/a/b/d");
  EXPECT_EQ(normalize_path("/../.."), "/");
  EXPECT_EQ(join_path("/usr/lib", "x"), "/usr/lib/x");
  EXPECT_EQ(join_path("/usr/lib/", "/abs"), "/abs");
  EXPECT_EQ(parent_path("/usr/lib"), "/usr");
  EXPECT_EQ(parent_path("/usr"), "/");
  EXPECT_EQ(base_name("/usr/lib"), "lib");
}

}  // namespace
}  // namespace envlock::scanner
