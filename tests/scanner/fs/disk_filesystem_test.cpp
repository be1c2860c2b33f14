#include "scanner/fs/disk_filesystem.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

TEST(DiskFileSystem, AbsoluteSymlinksResolveInsideTheRoot) {
  TempDir root;
  write_file(root / "etc/os-release", "ID=inside\n");
  std::filesystem::create_directories(root / "usr/lib");
  std::filesystem::create_symlink("/etc/os-release", root / "usr/lib/os-release");
  DiskFileSystem fs(root.path());
  auto text = fs.read("/usr/lib/os-release", kDefaultReadLimit);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "ID=inside\n");
  EXPECT_EQ(*fs.realpath("/usr/lib/os-release"), "/etc/os-release");
  EXPECT_EQ(*fs.readlink("/usr/lib/os-release"), "/etc/os-release");
  EXPECT_EQ(fs.lstat("/usr/lib/os-release")->type, FileType::kSymlink);
  EXPECT_EQ(fs.stat("/usr/lib/os-release")->type, FileType::kRegular);
}

TEST(DiskFileSystem, DotDotNeverLeavesTheRoot) {
  TempDir root;
  write_file(root / "etc/passwd", "inside\n");
  std::filesystem::create_symlink("../../../../../../etc/passwd", root / "escape");
  DiskFileSystem fs(root.path());
  EXPECT_EQ(*fs.read("/escape", kDefaultReadLimit), "inside\n");
  EXPECT_EQ(*fs.read("/../../etc/passwd", kDefaultReadLimit), "inside\n");
}

TEST(DiskFileSystem, SymlinkLoopsEnd) {
  TempDir root;
  std::filesystem::create_symlink("b", root / "a");
  std::filesystem::create_symlink("a", root / "b");
  DiskFileSystem fs(root.path());
  auto st = fs.stat("/a");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "/a: too many levels of symbolic links");
}

TEST(DiskFileSystem, FifosAndDevicesAreNeverRead) {
  TempDir root;
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
  DiskFileSystem fs(root.path());
  auto r = fs.read("/fifo", kDefaultReadLimit);  // must not block waiting for a writer
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/fifo: not a regular file");
  DiskFileSystem host("/");
  auto zero = host.read("/dev/zero", kDefaultReadLimit);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message, "/dev/zero: not a regular file");
}

TEST(DiskFileSystem, ReadLimitNamesTheFile) {
  TempDir root;
  write_file(root / "big", std::string(100, 'x'));
  DiskFileSystem fs(root.path());
  auto r = fs.read("/big", 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/big: file is larger than the 10-byte limit");
  EXPECT_EQ(fs.read_prefix("/big", 10)->size(), 10u);
  EXPECT_EQ(fs.read_prefix("/big", 1000)->size(), 100u);
}

TEST(DiskFileSystem, ReadAtGivesAWindowAndTheDefaultAgrees) {
  TempDir root;
  std::string content;
  for (int i = 0; i < 200000; ++i) content.push_back(static_cast<char>('a' + i % 26));
  write_file(root / "f", content);
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
  DiskFileSystem fs(root.path());
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

TEST(DiskFileSystem, ListIsSortedAndTyped) {
  TempDir root;
  write_file(root / "d/b.txt", "b");
  write_file(root / "d/a.txt", "a");
  std::filesystem::create_directories(root / "d/c");
  DiskFileSystem fs(root.path());
  auto entries = fs.list("/d");
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "a.txt");
  EXPECT_EQ((*entries)[2].name, "c");
  EXPECT_EQ((*entries)[2].type, FileType::kDirectory);
}

TEST(DiskFileSystem, Sha256StreamsContent) {
  TempDir root;
  write_file(root / "f", "abc");
  DiskFileSystem fs(root.path());
  EXPECT_EQ(*fs.sha256("/f"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Runs `body` once with openat2 and once walking by hand, as kernels before 5.6 do.
template <class F>
void both_resolutions(F body) {
  for (bool kernel : {true, false}) {
    SCOPED_TRACE(kernel ? "openat2" : "by hand");
    PathJail::use_kernel_resolution(kernel);
    body();
  }
  PathJail::use_kernel_resolution(true);
}

TEST(DiskFileSystem, APrefixKeepsItsHostPathsAndIsNeverLeft) {
  // A venv scanned as --root: paths read as on the host, nothing outside is read.
  TempDir tmp;
  const std::string venv = tmp / "venv";
  write_file(tmp / "secret", "SECRET-MARKER\n");
  write_file(venv + "/lib/site/INSTALLER", "pip\n");
  std::filesystem::create_symlink(venv + "/lib/site/INSTALLER", venv + "/abs-inside");
  std::filesystem::create_symlink(tmp / "secret", venv + "/abs-outside");
  std::filesystem::create_symlink("../secret", venv + "/rel-outside");
  std::filesystem::create_symlink(venv + "/../secret", venv + "/abs-dotdot");
  both_resolutions([&] {
    DiskFileSystem fs(venv, venv);
    EXPECT_EQ(*fs.read(venv + "/lib/site/INSTALLER", 100), "pip\n");
    EXPECT_EQ(*fs.read(venv + "/abs-inside", 100), "pip\n");
    EXPECT_EQ(*fs.realpath(venv + "/abs-inside"), venv + "/lib/site/INSTALLER");
    for (const char* name : {"/abs-outside", "/rel-outside", "/abs-dotdot"}) {
      auto r = fs.read(venv + name, 100);
      ASSERT_FALSE(r) << name;
      EXPECT_EQ(r.error().message, venv + name + ": leaves " + venv);
    }
    EXPECT_EQ(fs.read(tmp / "secret", 100).error().message, tmp / "secret" + ": leaves " + venv);
    EXPECT_FALSE(fs.stat(venv + "/abs-outside"));
    EXPECT_EQ(fs.lstat(venv + "/abs-outside")->type, FileType::kSymlink);
  });
}

TEST(DiskFileSystem, ReadBeneathKeepsMetadataInsideItsSite) {
  TempDir tmp;
  const std::string site = tmp / "site";
  write_file(tmp / "secret", "SECRET-MARKER\n");
  write_file(site + "/a-1.0.dist-info/METADATA", "Name: a\n");
  std::filesystem::create_symlink(tmp / "secret", site + "/a-1.0.dist-info/INSTALLER");
  std::filesystem::create_symlink("METADATA", site + "/a-1.0.dist-info/WHEEL");
  std::filesystem::create_directories(tmp / "elsewhere.dist-info");
  write_file(tmp / "elsewhere.dist-info/METADATA", "SECRET-MARKER\n");
  std::filesystem::create_symlink(tmp / "elsewhere.dist-info", site + "/b-1.0.dist-info");
  both_resolutions([&] {
    for (const std::string& root : {std::string("/"), tmp.path()}) {
      // The live host, and the same tree as a root filesystem (paths then start at the root).
      DiskFileSystem fs(root, "/");
      const std::string s = root == "/" ? site : "/site";
      EXPECT_EQ(*fs.read_beneath(s, s + "/a-1.0.dist-info/WHEEL", 100), "Name: a\n");
      auto installer = fs.read_beneath(s, s + "/a-1.0.dist-info/INSTALLER", 100);
      ASSERT_FALSE(installer);
      EXPECT_EQ(installer.error().message, s + "/a-1.0.dist-info/INSTALLER: leaves " + s);
      auto through_dir = fs.read_beneath(s, s + "/b-1.0.dist-info/METADATA", 100);
      ASSERT_FALSE(through_dir);
      EXPECT_EQ(through_dir.error().message, s + "/b-1.0.dist-info/METADATA: leaves " + s);
      EXPECT_EQ(fs.read_beneath(s, "/etc/hostname", 100).error().message, "/etc/hostname: leaves " + s);
    }
  });
}

TEST(DiskFileSystem, ARootStaysConfinedWhileADirectoryIsSwappedForALinkOut) {
  // The attack on check-then-open: a directory of the root is exchanged, over
  // and over, with a symlink to a host directory while the scan reads through
  // it. Every read must give the file inside or fail; never the one outside.
  TempDir tmp;
  const std::string root = tmp / "root";
  write_file(root + "/pkg/RECORD", "inside\n");
  write_file(tmp / "host/RECORD", "SECRET-MARKER\n");
  std::filesystem::create_symlink(tmp / "host", root + "/swap");
  both_resolutions([&] {
    std::atomic<bool> stop{false};
    std::thread swapper([&] {
      while (!stop.load()) {
        ::renameat2(AT_FDCWD, (root + "/pkg").c_str(), AT_FDCWD, (root + "/swap").c_str(), RENAME_EXCHANGE);
      }
    });
    DiskFileSystem fs(root);
    int inside = 0;
    for (int i = 0; i < 2000; ++i) {
      auto text = fs.read("/pkg/RECORD", 100);
      if (text) {
        ASSERT_EQ(*text, "inside\n") << "read " << i << " reached the host";
        ++inside;
      }
      auto chunks = fs.sha256("/pkg/RECORD");
      if (chunks) {
        ASSERT_EQ(*chunks, "7b2441693c861bf6969869d8b6f45f098bc8ef07b78ca043a1cb663159aabb10");
      }
    }
    stop = true;
    swapper.join();
    RecordProperty("reads_inside", inside);
  });
}

}  // namespace
}  // namespace envlock::scanner
