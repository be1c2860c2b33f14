#include "scanner/python/editable_project.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "scanner/fs/disk_filesystem.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

TEST(EditableProject, FileUrlPath) {
  EXPECT_EQ(file_url_path("file:///home/x/proj"), "/home/x/proj");
  EXPECT_EQ(file_url_path("file:///home/x/my%20proj/"), "/home/x/my proj");
  EXPECT_EQ(file_url_path("file://localhost/srv/p"), "/srv/p");
  EXPECT_EQ(file_url_path("file:///a/../b"), "/b");
  EXPECT_EQ(file_url_path("file:///a%2"), "/a%2");  // a truncated escape stays as written
  EXPECT_FALSE(file_url_path("https://example.com/x"));
  EXPECT_FALSE(file_url_path("file://host/x"));
  EXPECT_FALSE(file_url_path("file:///a%00b"));
  EXPECT_FALSE(file_url_path("/plain/path"));
}

class EditableTree : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(tmp_ / "proj/pyproject.toml", "[project]\nname = 'p'\n");
    write_file(tmp_ / "proj/src/p/__init__.py", "X = 1\n");
    write_file(tmp_ / "proj/src/p/data.json", "{}\n");
  }
  EditableProject hash(const EditableLimits& limits = {}) {
    return hash_editable_project(fs_, tmp_ / "proj", nullptr, limits);
  }
  TempDir tmp_;
  DiskFileSystem fs_{"/"};
};

TEST_F(EditableTree, AnyEditChangesTheDigest) {
  auto before = hash();
  EXPECT_TRUE(before.complete);
  EXPECT_EQ(before.summary.count, 3u);
  EXPECT_EQ(before.sources, std::vector<std::string>{tmp_ / "proj/src/p/__init__.py"});
  EXPECT_EQ(hash().summary.digest, before.summary.digest);

  write_file(tmp_ / "proj/src/p/__init__.py", "X = 2\n");
  auto edited = hash();
  EXPECT_NE(edited.summary.digest, before.summary.digest);
  write_file(tmp_ / "proj/src/p/__init__.py", "X = 1\n");
  EXPECT_EQ(hash().summary.digest, before.summary.digest);

  write_file(tmp_ / "proj/src/p/new.py", "");
  EXPECT_NE(hash().summary.digest, before.summary.digest);
  std::filesystem::remove(tmp_ / "proj/src/p/new.py");

  // A symlink is recorded by its target, never followed.
  ASSERT_EQ(::symlink("/etc/hostname", (tmp_ / "proj/src/p/link.py").c_str()), 0);
  auto linked = hash();
  EXPECT_NE(linked.summary.digest, before.summary.digest);
  EXPECT_EQ(linked.summary.count, 4u);
}

TEST_F(EditableTree, WhatIsNotTheProjectsCodeIsSkipped) {
  auto before = hash();
  write_file(tmp_ / "proj/.git/HEAD", "ref\n");
  write_file(tmp_ / "proj/src/p/__pycache__/__init__.cpython-311.pyc", "x");
  write_file(tmp_ / "proj/src/p.egg-info/PKG-INFO", "x");
  write_file(tmp_ / "proj/build/lib/p/__init__.py", "x");
  write_file(tmp_ / "proj/dist/p-1.0.tar.gz", "x");
  write_file(tmp_ / "proj/.venv/pyvenv.cfg", "home = /usr/bin\n");
  write_file(tmp_ / "proj/.venv/lib/site.py", "x");
  write_file(tmp_ / "proj/.tox/py311/x", "x");
  EXPECT_EQ(hash().summary.digest, before.summary.digest);
  // `build` below the top is a package name like any other.
  write_file(tmp_ / "proj/src/p/build/__init__.py", "");
  EXPECT_NE(hash().summary.digest, before.summary.digest);
}

TEST_F(EditableTree, LimitsStopTheWalkAndSaySo) {
  EditableLimits files;
  files.max_files = 2;
  auto few = hash(files);
  EXPECT_FALSE(few.complete);
  EXPECT_EQ(few.summary.count, 2u);
  ASSERT_EQ(few.diagnostics.size(), 1u);
  EXPECT_NE(few.diagnostics[0].message.find("more than 2 files"), std::string::npos);

  EditableLimits bytes;
  bytes.max_bytes = 10;
  auto small = hash(bytes);
  EXPECT_FALSE(small.complete);
  EXPECT_NE(small.diagnostics.at(0).message.find("more than 10 bytes"), std::string::npos);

  // No depth limit an attacker could use to hide a file: 300 levels.
  std::string deep = tmp_ / "proj/d";
  for (int i = 0; i < 300; ++i) deep += "/d";
  std::filesystem::create_directories(deep);
  write_file(deep + "/x.py", "");
  auto nested = hash();
  EXPECT_TRUE(nested.complete);
  EXPECT_EQ(nested.summary.count, 4u);

  auto missing = hash_editable_project(fs_, tmp_ / "nowhere", nullptr);
  EXPECT_TRUE(missing.complete);
  EXPECT_EQ(missing.summary.count, 0u);
  for (std::string pseudo : {"/proc", "/sys/kernel", "/dev"}) {
    auto kernel = hash_editable_project(fs_, pseudo, nullptr);
    EXPECT_FALSE(kernel.complete) << pseudo;
    EXPECT_EQ(kernel.summary.count, 0u) << pseudo;
  }
  ASSERT_EQ(::symlink("/proc/self", (tmp_ / "to-proc").c_str()), 0);
  EXPECT_FALSE(hash_editable_project(fs_, tmp_ / "to-proc", nullptr).complete);
  write_file(tmp_ / "file", "");
  auto not_a_dir = hash_editable_project(fs_, tmp_ / "file", nullptr);
  EXPECT_FALSE(not_a_dir.complete);
  EXPECT_EQ(not_a_dir.diagnostics.size(), 1u);
}

}  // namespace
}  // namespace envlock::scanner
