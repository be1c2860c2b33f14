#include "scanner/package_catalog.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "scanner/live_filesystem.hpp"
#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

const std::string kBasic = std::string(ENVLOCK_FIXTURES) + "/sites/basic";
const std::string kSecond = std::string(ENVLOCK_FIXTURES) + "/sites/second";

const CatalogEntry* find(const Catalog& c, std::string_view name, bool shadowed = false) {
  for (const auto& e : c.entries) {
    if (e.package.name == name && e.package.shadowed == shadowed) return &e;
  }
  return nullptr;
}

TEST(PackageCatalog, ReadsEveryKindOfInstall) {
  LiveFileSystem fs("/");
  auto catalog = read_catalog(fs, expand_pth(fs, {kBasic}));
  const auto* good = find(catalog, "good-pkg");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->package.raw_name, "Good_Pkg");
  EXPECT_EQ(good->package.version, "1.0");
  EXPECT_EQ(good->package.installer, "pip");
  EXPECT_TRUE(good->package.requested);
  EXPECT_EQ(good->package.format, "dist-info");
  EXPECT_EQ(good->package.wheel_tags, std::vector<std::string>{"py3-none-any"});
  EXPECT_EQ(good->package.direct_kind, "editable");
  EXPECT_EQ(good->package.direct_url, "file:///src/good_pkg");
  EXPECT_EQ(good->package.requires_python, ">=3.8");
  EXPECT_EQ(good->package.requires_dist,
            (std::vector<std::string>{"legacy-pkg>=2.0", "rich ; extra == \"cli\""}));
  EXPECT_EQ(good->files.size(), 8u);
  EXPECT_TRUE(good->package.metadata.starts_with("sha256:"));

  const auto* legacy = find(catalog, "legacy-pkg");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->package.format, "egg-info");
  EXPECT_EQ(legacy->package.version, "2.0");
  // requires.txt sections become markers exactly as importlib.metadata writes them.
  EXPECT_EQ(legacy->package.requires_dist,
            (std::vector<std::string>{"six>=1.0", "futures; python_version < \"3\"",
                                      "pytest; extra == \"test\"",
                                      "wincertstore; (sys_platform == \"win32\") and extra == \"ssl\""}));
  ASSERT_EQ(legacy->files.size(), 3u);
  EXPECT_EQ(legacy->files[0].listed, "legacy_pkg/__init__.py");

  const auto* plain = find(catalog, "plainfile");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->package.format, "egg-info-file");

  const auto* egg = find(catalog, "eggy");
  ASSERT_NE(egg, nullptr) << "the .pth line adds the unpacked egg";
  EXPECT_EQ(egg->package.format, "egg");

  const auto* folded = find(catalog, "folded");
  ASSERT_NE(folded, nullptr);
  EXPECT_EQ(folded->package.requires_dist, std::vector<std::string>{"good-pkg"});
}

TEST(PackageCatalog, VendoredCopiesAreNotInstalls) {
  LiveFileSystem fs("/");
  auto catalog = read_catalog(fs, {kBasic});
  EXPECT_NE(find(catalog, "vendorer"), nullptr);
  EXPECT_EQ(find(catalog, "inner"), nullptr);
}

TEST(PackageCatalog, BrokenPackagesBecomeDiagnostics) {
  LiveFileSystem fs("/");
  auto catalog = read_catalog(fs, {kBasic});
  std::vector<std::string> messages;
  for (const auto& d : catalog.diagnostics) messages.push_back(d.message);
  std::sort(messages.begin(), messages.end());
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], kBasic + "/broken_meta-1.0.dist-info/METADATA:1: not a metadata header: "
                                  "'this is not a header line'");
  EXPECT_EQ(messages[1], "no METADATA file");
  EXPECT_EQ(find(catalog, "broken"), nullptr);
}

TEST(PackageCatalog, LaterSiteDirsAreShadowed) {
  LiveFileSystem fs("/");
  auto catalog = read_catalog(fs, {kBasic, kSecond});
  const auto* effective = find(catalog, "good-pkg", false);
  const auto* shadowed = find(catalog, "good-pkg", true);
  ASSERT_NE(effective, nullptr);
  ASSERT_NE(shadowed, nullptr);
  EXPECT_EQ(effective->package.version, "1.0");
  EXPECT_EQ(shadowed->package.version, "2.0");
  EXPECT_EQ(shadowed->package.location, kSecond);
}

TEST(PackageCatalog, PthImportLinesAreNeverFollowed) {
  LiveFileSystem fs("/");
  auto dirs = expand_pth(fs, {kBasic});
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[1], kBasic + "/eggy-1.0-py3.11.egg");
}

}  // namespace
}  // namespace envlock::scanner
