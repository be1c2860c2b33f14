// The --fast package cache: a .dist-info directory is served from it only
// while it and everything in it stat as when it was stored, and a warm scan
// gives exactly what reading the directory gives.

#include "scanner/python/package_cache.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "lockfile/json_codec.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/python/python_probe.hpp"
#include "scanner/cache/wall_clock.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using testing::TempDir;
using testing::write_file;

// Stamps younger than the racy window are not trusted; the files here were
// just written, so tests store as if the scan had started a minute from now.
std::int64_t later() { return wall_clock_ns() + 60'000'000'000; }

PackageSummary full_summary(const std::string& site) {
  PackageSummary s;
  auto& p = s.package;
  p.name = "demo-pkg";
  p.raw_name = "Demo_Pkg";
  p.version = "1.2.3";
  p.installer = "pip";
  p.location = site;
  p.metadata = "sha256:00ff";
  p.requires_dist = {"numpy>=1.20", "extra-thing; extra == \"x\""};
  p.requires_python = ">=3.8";
  p.files = {42, "sha256:abcd"};
  p.format = "dist-info";
  p.requested = true;
  p.wheel_tags = {"cp311-cp311-manylinux_2_17_x86_64"};
  p.direct_url = "file:///src/demo";
  p.direct_kind = "editable";
  p.direct_hash = "sha256=beef";
  s.has_file_list = true;
  s.native = {site + "/demo/_ext.so"};
  return s;
}

std::string as_json(const lockfile::Package& p) {
  lockfile::Fingerprint fp;
  fp.packages = {p};
  return lockfile::to_json(fp)["packages"].dump();
}

class PackageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir + "/METADATA", "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.2.3\n\n");
    write_file(dir + "/RECORD", "demo/__init__.py,sha256=x,1\n");
    write_file(dir + "/INSTALLER", "pip\n");
  }
  TempDir tmp;
  std::string site = tmp / "site";
  std::string dir = site + "/demo_pkg-1.2.3.dist-info";
  std::string file = tmp / "cache/packages.json";
};

TEST_F(PackageCacheTest, EveryFieldSurvivesASaveAndALoad) {
  PackageCache cache(file, later());
  cache.store(dir, full_summary(site));
  ASSERT_TRUE(cache.save());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  PackageCache again(file, later());
  auto hit = again.lookup(dir);
  ASSERT_TRUE(hit);
  EXPECT_EQ(as_json(hit->package), as_json(full_summary(site).package));
  EXPECT_EQ(hit->native, full_summary(site).native);
  EXPECT_TRUE(hit->has_file_list);
  EXPECT_FALSE(again.lookup(site + "/other-1.0.dist-info"));
}

TEST_F(PackageCacheTest, AnyChangeInTheDirectoryIsAMiss) {
  auto stored = [&] {
    PackageCache cache(file, later());
    cache.store(dir, full_summary(site));
    EXPECT_TRUE(cache.save());
    EXPECT_TRUE(PackageCache(file, later()).lookup(dir));
  };
  stored();
  write_file(dir + "/RECORD", "demo/__init__.py,sha256=x,1\n");  // same bytes, new ctime
  EXPECT_FALSE(PackageCache(file, later()).lookup(dir));
  stored();
  write_file(dir + "/REQUESTED", "");  // a new name
  EXPECT_FALSE(PackageCache(file, later()).lookup(dir));
  stored();
  std::filesystem::remove(dir + "/INSTALLER");  // a name gone
  EXPECT_FALSE(PackageCache(file, later()).lookup(dir));
  stored();
  ::chmod((dir + "/METADATA").c_str(), 0600);  // metadata only: ctime moves
  EXPECT_FALSE(PackageCache(file, later()).lookup(dir));
}

TEST_F(PackageCacheTest, AnEntryReadLongerAgoThanTheRehashWindowIsAMiss) {
  const std::int64_t t0 = later();
  constexpr std::int64_t day = 86'400'000'000'000;
  {
    PackageCache cache(file, t0);
    cache.store(dir, full_summary(site));
    ASSERT_TRUE(cache.save());
  }
  EXPECT_TRUE(PackageCache(file, t0 + 6 * day).lookup(dir));
  EXPECT_FALSE(PackageCache(file, t0 + 8 * day).lookup(dir));
  EXPECT_FALSE(PackageCache(file, t0 + 2 * day, RehashPolicy{false, std::chrono::days(1)}).lookup(dir));
  EXPECT_FALSE(PackageCache(file, t0, RehashPolicy{true}).lookup(dir)) << "--rehash";
  // An entry an older envlock wrote has no read time: read again.
  std::string text = testing::read_file(file);
  auto at = text.find("\"read_ns\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 9, "\"read_xx\"");
  write_file(file, text);
  ::chmod(file.c_str(), 0600);
  EXPECT_FALSE(PackageCache(file, t0).lookup(dir));
}

// Two scans loaded the same (empty) cache, then each saved what it learned:
// the second save keeps the first one's entry.
TEST_F(PackageCacheTest, ScansSideBySideKeepEachOthersEntries) {
  std::string other = site + "/other_pkg-2.0.dist-info";
  write_file(other + "/METADATA", "Metadata-Version: 2.1\nName: other-pkg\nVersion: 2.0\n\n");
  write_file(other + "/INSTALLER", "pip\n");
  PackageCache first(file, later());
  PackageCache second(file, later());
  first.store(dir, full_summary(site));
  PackageSummary other_summary = full_summary(site);
  other_summary.package.name = "other-pkg";
  second.store(other, other_summary);
  ASSERT_TRUE(first.save());
  ASSERT_TRUE(second.save());

  PackageCache after(file, later());
  auto mine = after.lookup(dir);
  auto theirs = after.lookup(other);
  ASSERT_TRUE(mine);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(mine->package.name, full_summary(site).package.name);
  EXPECT_EQ(theirs->package.name, "other-pkg");

  // For a directory both hold, the saving scan's copy wins (its stamps still
  // decide whether it is used).
  PackageCache stale(file, later());
  PackageCache fresh(file, later());
  PackageSummary renamed = full_summary(site);
  renamed.package.version = "9.9";
  fresh.store(dir, renamed);
  ASSERT_TRUE(fresh.save());
  stale.store(other, other_summary);  // makes it save, holding the old entry for `dir`
  ASSERT_TRUE(stale.save());
  EXPECT_EQ(PackageCache(file, later()).lookup(dir)->package.version, full_summary(site).package.version);
}

TEST_F(PackageCacheTest, RecentStampsAreNotStored) {
  PackageCache cache(file, wall_clock_ns());  // the files are seconds old
  cache.store(dir, full_summary(site));
  EXPECT_FALSE(cache.lookup(dir));
  ASSERT_TRUE(cache.save());
  EXPECT_FALSE(std::filesystem::exists(file)) << "nothing to write";
}

TEST_F(PackageCacheTest, GarbledForeignOrMistypedFilesAreIgnored) {
  PackageCache good(file, later());
  good.store(dir, full_summary(site));
  ASSERT_TRUE(good.save());
  std::string text = testing::read_file(file);
  for (std::string bad : {std::string("garbage"), std::string("[]"), std::string("{\"format\": 7}"),
                          std::string("{\"format\":\"envlock-package-cache\",\"version\":1,\"entries\":[]}"),
                          std::string("{\"format\":\"envlock-package-cache\",\"version\":1,\"entries\":{\"") + dir +
                              "\":{\"stamps\":1,\"day\":\"x\",\"summary\":{}}}}",
                          text.substr(0, text.size() / 2)}) {
    write_file(file, bad);
    ::chmod(file.c_str(), 0600);
    EXPECT_FALSE(PackageCache(file, later()).lookup(dir)) << bad;
  }
  // A summary with one field of the wrong type is not served.
  std::string wrong = text;
  auto at = wrong.find("\"requested\":true");
  ASSERT_NE(at, std::string::npos);
  wrong.replace(at, 16, "\"requested\":\"yes\"");
  write_file(file, wrong);
  ::chmod(file.c_str(), 0600);
  EXPECT_FALSE(PackageCache(file, later()).lookup(dir));
  // Nor a file others can write.
  write_file(file, text);
  ::chmod(file.c_str(), 0666);
  EXPECT_FALSE(PackageCache(file, later()).lookup(dir));
}

// Through the Python probe: a cold and a warm --fast probe of a real site give
// the same fingerprint, and a RECORD edited after the cache was filled shows.
TEST(PackageCacheProbe, WarmFastProbeEqualsReadingTheSite) {
  TempDir tmp;
  std::filesystem::copy(std::string(ENVLOCK_FIXTURES) + "/sites/basic", tmp / "site",
                        std::filesystem::copy_options::recursive);
  std::string file = tmp / "cache/packages.json";
  auto probe = [&](std::int64_t start, bool use_cache) {
    DiskFileSystem fs("/");
    lockfile::Fingerprint fp;
    PythonProbeOptions opts;
    opts.fast = true;
    PackageCache cache(file, start);
    if (use_cache) opts.package_cache = &cache;
    auto native = probe_python_packages(fs, {tmp / "site"}, opts, fp);
    EXPECT_TRUE(cache.save());
    std::vector<std::string> paths;
    for (const auto& n : native) paths.push_back(n.path + " " + n.owner);
    std::sort(paths.begin(), paths.end());
    return std::pair{lockfile::to_json(fp).dump(), paths};
  };
  auto uncached = probe(later(), false);
  auto cold = probe(later(), true);
  ASSERT_TRUE(std::filesystem::exists(file));
  auto warm = probe(later(), true);
  EXPECT_EQ(cold, uncached);
  EXPECT_EQ(warm, uncached);

  // The good package's RECORD gains a row: the warm probe must see it.
  std::string record;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "site")) {
    if (e.path().filename().string().starts_with("good_pkg-")) record = e.path().string() + "/RECORD";
  }
  ASSERT_FALSE(record.empty());
  write_file(record, testing::read_file(record) + "good_pkg/extra.so,sha256=AAAA,4\n");
  auto changed = probe(later(), true);
  EXPECT_NE(changed.first, warm.first);
  EXPECT_EQ(changed, probe(later(), false));
}

}  // namespace
}  // namespace envlock::scanner
