#include "scanner/python/site_entries.hpp"

#include <gtest/gtest.h>

#include "scanner/fs/disk_filesystem.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

TEST(SiteEntries, StartupHooksInEveryForm) {
  for (const char* name : {"a.pth", "distutils-precedence.pth", "sitecustomize.py", "sitecustomize",
                           "sitecustomize.pyc", "usercustomize.cpython-311-x86_64-linux-gnu.so",
                           "usercustomize.so"}) {
    EXPECT_TRUE(is_startup_hook(name)) << name;
  }
  for (const char* name : {"numpy", "sitecustomizer.py", "pth", "a.pth.bak", "my_sitecustomize.py"}) {
    EXPECT_FALSE(is_startup_hook(name)) << name;
  }
}

const lockfile::SiteEntry* entry(const lockfile::Fingerprint& fp, const std::string& name) {
  for (const auto& e : fp.site_entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

TEST(SiteEntries, RecordsKindOwnersHooksAndDigestsOfUnownedEntries) {
  TempDir tmp;
  const std::string site = tmp.path();
  write_file(site + "/numpy/__init__.py", "");
  write_file(site + "/hook.pth", "import os\n");
  write_file(site + "/loose.py", "x = 1\n");
  write_file(site + "/vendored/a/b.py", "y = 2\n");
  write_file(site + "/vendored/__pycache__/c.cpython-311.pyc", "changes at every import");
  DiskFileSystem fs("/");
  TopLevelOwners owners;
  owners.names[site]["numpy"] = {"numpy"};
  owners.names[site]["hook.pth"] = {"hooky"};
  lockfile::Fingerprint fp;
  record_site_entries(fs, {site}, owners, {}, fp);
  ASSERT_EQ(fp.site_entries.size(), 4u);
  const auto* numpy = entry(fp, "numpy");
  ASSERT_NE(numpy, nullptr);
  EXPECT_EQ(numpy->kind, "directory");
  EXPECT_EQ(numpy->owner, "numpy");
  EXPECT_EQ(numpy->digest, "") << "an owned directory is its package's to verify";
  const auto* hook = entry(fp, "hook.pth");
  ASSERT_NE(hook, nullptr);
  EXPECT_TRUE(hook->startup);
  EXPECT_EQ(hook->digest.rfind("sha256:", 0), 0u) << "hooks are pinned even when owned";
  const auto* loose = entry(fp, "loose.py");
  ASSERT_NE(loose, nullptr);
  EXPECT_EQ(loose->owner, "");
  EXPECT_EQ(loose->digest.rfind("sha256:", 0), 0u);
  const auto* vendored = entry(fp, "vendored");
  ASSERT_NE(vendored, nullptr);
  const std::string before = vendored->digest;
  EXPECT_EQ(before.rfind("sha256:", 0), 0u);

  // Byte code does not move the tree digest; a source does.
  write_file(site + "/vendored/__pycache__/d.cpython-311.pyc", "new");
  lockfile::Fingerprint again;
  record_site_entries(fs, {site}, owners, {}, again);
  EXPECT_EQ(entry(again, "vendored")->digest, before);
  write_file(site + "/vendored/a/b.py", "y = 3\n");
  lockfile::Fingerprint changed;
  record_site_entries(fs, {site}, owners, {}, changed);
  EXPECT_NE(entry(changed, "vendored")->digest, before);
}

// An editable project's source directory, added to sys.path by its .pth, is
// the editable package's: its own digest covers it, so nothing there is
// "unowned" (one change, one finding).
TEST(SiteEntries, ASiteInsideAnEditableProjectIsThatPackages) {
  TempDir tmp;
  write_file(tmp / "project/src/edpkg/__init__.py", "");
  DiskFileSystem fs("/");
  TopLevelOwners owners;
  owners.trees[tmp / "project"] = "edpkg";
  lockfile::Fingerprint fp;
  record_site_entries(fs, {tmp / "project/src"}, owners, {}, fp);
  ASSERT_EQ(fp.site_entries.size(), 1u);
  EXPECT_EQ(fp.site_entries[0].owner, "edpkg");
  EXPECT_EQ(fp.site_entries[0].digest, "");
}

TEST(SiteEntries, TheStandardLibraryIsNotInventoried) {
  TempDir tmp;
  write_file(tmp / "lib/python3.11/os.py", "");
  write_file(tmp / "lib/python3.11/json/__init__.py", "");
  write_file(tmp / "lib/python3.11/lib-dynload/_json.so", "");
  DiskFileSystem fs("/");
  lockfile::Fingerprint fp;
  record_site_entries(fs, {tmp / "lib/python3.11", tmp / "lib/python3.11/lib-dynload"}, {}, {}, fp);
  EXPECT_TRUE(fp.site_entries.empty());
}

TEST(SiteEntries, ABudgetReachedMakesTheScanIncomplete) {
  TempDir tmp;
  const std::string site = tmp.path();
  for (int i = 0; i < 5; ++i) write_file(site + "/big/f" + std::to_string(i), "data");
  DiskFileSystem fs("/");
  SiteEntryOptions options;
  options.max_entries = 3;
  lockfile::Fingerprint fp;
  record_site_entries(fs, {site}, {}, options, fp);
  ASSERT_EQ(fp.integrity.size(), 1u);
  EXPECT_EQ(fp.integrity[0].problem, "incomplete");
  EXPECT_EQ(fp.integrity[0].path, "big");
  EXPECT_EQ(fp.integrity[0].detail,
            "more than 3 entries in unowned top-level directories; stopped digesting unowned "
            "top-level directories");
  EXPECT_EQ(fp.diagnostics.size(), 1u);
}

}  // namespace
}  // namespace envlock::scanner
