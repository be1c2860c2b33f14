// The incremental hash cache end to end: the real binary, a private
// XDG_CACHE_HOME, the committed fixture site (its files are old enough to be
// cached). Same output cold, warm, with --no-cache and with a garbled cache.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/cache/hash_cache.hpp"
#include "scanner/python/package_cache.hpp"
#include "scanner/cache/wall_clock.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::TempDir;

const std::string kBasic = std::string(ENVLOCK_FIXTURES) + "/sites/basic";

// The scan without its creation time, as text.
std::string scan(const std::string& cache_home, std::vector<std::string> extra = {}) {
  ::unsetenv("XDG_CACHE_HOME");  // the child's environment gets ours first
  std::vector<std::string> args{"scan", "--site", kBasic, "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = envlock(args, {"XDG_CACHE_HOME=" + cache_home});
  EXPECT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  doc["envlock"].erase("created");
  return doc.dump(1);
}

TEST(ScanCache, ColdWarmNoCacheAndGarbledGiveTheSameScan) {
  TempDir tmp;
  std::string home = tmp / "cache";
  std::string file = home + "/envlock/file-hashes.bin";
  std::string uncached = scan(tmp / "unused", {"--no-cache"});
  EXPECT_FALSE(std::filesystem::exists(tmp / "unused")) << "--no-cache writes nothing";

  EXPECT_EQ(scan(home), uncached);
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_GT(scanner::HashCache(file, scanner::wall_clock_ns()).size(), 0u);
  EXPECT_EQ(scan(home), uncached);

  testing::write_file(file, "garbage");
  EXPECT_EQ(scan(home), uncached);
  EXPECT_EQ(scanner::HashCache(file, scanner::wall_clock_ns()).note(), "") << "rebuilt by the scan";
}

TEST(ScanCache, AWarmScanAnswersFromTheCacheAndNoCacheDoesNot) {
  TempDir tmp;
  std::string home = tmp / "cache";
  std::string file = home + "/envlock/file-hashes.bin";
  // Plant a wrong digest under the exact stat key of one file: a warm scan
  // believes it (the proof that nothing was read), --no-cache does not.
  scanner::DiskFileSystem fs("/");
  auto st = fs.stat(kBasic + "/good_pkg/__init__.py");
  ASSERT_TRUE(st);
  {
    scanner::HashCache cache(file, scanner::wall_clock_ns() + 3600'000'000'000);
    scanner::CachedDigest wrong;
    wrong.sha256.fill(0x42);
    cache.store(scanner::FileKey::of(*st), wrong);
    ASSERT_TRUE(cache.save());
  }
  auto warm = nlohmann::json::parse(scan(home));
  bool planted_seen = false;
  for (const auto& p : warm.value("integrity", nlohmann::json::array())) {
    planted_seen |= p["path"] == "good_pkg/__init__.py" && p["problem"] == "modified";
  }
  EXPECT_TRUE(planted_seen) << warm.dump(1);
  auto cold = nlohmann::json::parse(scan(home, {"--no-cache"}));
  for (const auto& p : cold.value("integrity", nlohmann::json::array())) {
    EXPECT_NE(p["path"], "good_pkg/__init__.py") << p.dump();
  }
}

// A digest cached before a change the key did not see (a write through an
// already dirty shared mapping keeps ctime) is believed only for a while;
// --rehash-after 0 and --rehash believe none, and --rehash writes what it read.
TEST(ScanCache, RehashTrustsNoCachedDigestAndStillWritesTheCache) {
  TempDir tmp;
  std::string home = tmp / "cache";
  std::string file = home + "/envlock/file-hashes.bin";
  scanner::DiskFileSystem fs("/");
  auto st = fs.stat(kBasic + "/good_pkg/__init__.py");
  ASSERT_TRUE(st);
  auto plant = [&] {
    scanner::HashCache cache(file, scanner::wall_clock_ns() + 3600'000'000'000);
    scanner::CachedDigest wrong;
    wrong.sha256.fill(0x42);
    cache.store(scanner::FileKey::of(*st), wrong);
    ASSERT_TRUE(cache.save());
  };
  std::string uncached = scan(tmp / "unused", {"--no-cache"});
  plant();
  EXPECT_NE(scan(home), uncached) << "the planted digest is believed within the window";
  plant();
  EXPECT_EQ(scan(home, {"--rehash-after", "0"}), uncached);
  plant();
  EXPECT_EQ(scan(home, {"--rehash"}), uncached);
  EXPECT_EQ(scan(home), uncached) << "--rehash wrote the digests it took";
  EXPECT_EQ(scan(home, {"--rehash"}), uncached) << "the same output, warm or rehashed";
  auto bad = envlock({"scan", "--site", kBasic, "--rehash-after", "-1"});
  EXPECT_EQ(bad.status, 2) << bad.err;
}

// --fast keeps what it derives from each .dist-info directory: the same scan
// cold, warm and uncached; a planted summary is believed while the directory
// is unchanged (the proof that it was not read), never with --no-cache.
TEST(ScanCache, FastScansUseThePackageCache) {
  TempDir tmp;
  std::string home = tmp / "cache";
  std::string uncached = scan(tmp / "unused", {"--fast", "--no-cache"});
  EXPECT_EQ(scan(home, {"--fast"}), uncached);
  ASSERT_TRUE(std::filesystem::exists(home + "/envlock/packages.json"));
  EXPECT_EQ(scan(home, {"--fast"}), uncached);

  std::string dir = kBasic + "/good_pkg-1.0.dist-info";
  {
    scanner::PackageCache cache(home + "/envlock/packages.json",
                                scanner::wall_clock_ns() + 3600'000'000'000);
    auto real = cache.lookup(dir);
    ASSERT_TRUE(real) << "the cold scan stored the good package";
    real->package.version = "9.9.9";
    cache.store(dir, *real);
    ASSERT_TRUE(cache.save());
  }
  auto version_of_good = [](const std::string& text) {
    const auto doc = nlohmann::json::parse(text);  // not a temporary in the range-for
    for (const auto& p : doc["packages"]) {
      if (p["name"] == "good-pkg") return p["version"].get<std::string>();
    }
    return std::string("?");
  };
  EXPECT_EQ(version_of_good(scan(home, {"--fast"})), "9.9.9");
  EXPECT_EQ(version_of_good(scan(home, {"--fast", "--no-cache"})), "1.0");
  EXPECT_EQ(version_of_good(scan(home, {"--fast", "--rehash"})), "1.0") << "--rehash believes no entry";
  EXPECT_EQ(version_of_good(scan(home, {"--fast"})), "1.0") << "and wrote what it read";
  EXPECT_EQ(version_of_good(scan(home)), "1.0") << "a full scan never uses it";
}

}  // namespace
}  // namespace envlock
