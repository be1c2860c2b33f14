#include "scanner/python/package_catalog.hpp"

#include <dirent.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include <gtest/gtest.h>

#include "scanner/fs/disk_filesystem.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

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
  DiskFileSystem fs("/");
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
  DiskFileSystem fs("/");
  auto catalog = read_catalog(fs, {kBasic});
  EXPECT_NE(find(catalog, "vendorer"), nullptr);
  EXPECT_EQ(find(catalog, "inner"), nullptr);
}

TEST(PackageCatalog, BrokenPackagesBecomeDiagnostics) {
  DiskFileSystem fs("/");
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
  DiskFileSystem fs("/");
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
  DiskFileSystem fs("/");
  auto dirs = expand_pth(fs, {kBasic});
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[1], kBasic + "/eggy-1.0-py3.11.egg");
}

// Python takes the first copy of a name in os.listdir order, which is the
// directory's readdir order; name order is what an image scan falls back to.
TEST(PackageCatalog, DuplicatesFollowTheDirectoryReadOrder) {
  envlock::testing::TempDir tmp;
  const std::string site = tmp.path();
  for (int i = 0; i < 8; ++i) {
    const std::string name = "dup" + std::to_string(i);
    const std::string dist = site + "/" + name + "-1.0.dist-info";
    const std::string egg = site + "/" + name + "-2.0.egg-info";
    // Both creation orders: readdir follows creation on some filesystems.
    for (const std::string& dir : i % 2 == 0 ? std::vector{dist, egg} : std::vector{egg, dist}) {
      const bool is_dist = dir == dist;
      envlock::testing::write_file(dir + (is_dist ? "/METADATA" : "/PKG-INFO"),
                                   "Metadata-Version: 2.1\nName: " + name +
                                       "\nVersion: " + (is_dist ? "1.0" : "2.0") + "\n");
    }
  }
  std::map<std::string, std::string> first;  // name -> first entry readdir gives
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(site.c_str()), ::closedir);
  ASSERT_TRUE(d);
  while (dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n.starts_with("dup")) first.emplace(n.substr(0, n.find('-')), site + "/" + n);
  }
  DiskFileSystem fs("/");
  auto catalog = read_catalog(fs, {site});
  ASSERT_EQ(catalog.entries.size(), 16u);
  for (const auto& [name, dir] : first) {
    const auto* taken = find(catalog, name);
    ASSERT_NE(taken, nullptr) << name;
    EXPECT_EQ(taken->metadata_dir, dir);
    EXPECT_NE(find(catalog, name, true), nullptr) << name;
  }
}

TEST(PackageCatalog, AZippedEggOnAPthLineIsADistribution) {
  envlock::testing::TempDir tmp;
  const std::string site = tmp.path();
  const std::string egg = site + "/demo-1.0-py3.11.egg";
  const std::string second = site + "/sub/dual-2.0-py3.11.egg";
  std::filesystem::create_directories(site + "/sub");
  auto r = envlock::testing::run(
      {"python3", "-c",
       "import sys, zipfile\n"
       "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
       "    z.writestr('EGG-INFO/PKG-INFO', 'Metadata-Version: 1.1\\nName: demo\\nVersion: "
       "1.0\\n')\n"
       "    z.writestr('EGG-INFO/requires.txt', 'six>=1\\n[dev]\\npytest\\n')\n"
       "with zipfile.ZipFile(sys.argv[2], 'w') as z:\n"
       "    z.writestr('EGG-INFO/PKG-INFO', 'Metadata-Version: 2.1\\nName: dual\\nVersion: 2.0\\n"
       "Requires-Dist: attrs\\n')\n"
       "    z.writestr('EGG-INFO/requires.txt', 'ignored\\n')\n",
       egg, second});
  ASSERT_EQ(r.status, 0) << r.err;
  envlock::testing::write_file(site + "/easy-install.pth",
                               "./demo-1.0-py3.11.egg\n" + second + "\n./missing.egg\n");
  DiskFileSystem fs("/");
  const auto sites = expand_pth(fs, {site});
  EXPECT_EQ(sites, (std::vector<std::string>{site, egg, second}));
  auto catalog = read_catalog(fs, sites);
  EXPECT_TRUE(catalog.diagnostics.empty());
  const auto* demo = find(catalog, "demo");
  ASSERT_NE(demo, nullptr);
  EXPECT_EQ(demo->package.version, "1.0");
  EXPECT_EQ(demo->package.format, "egg-zip");
  EXPECT_EQ(demo->package.location, egg);
  EXPECT_EQ(demo->package.requires_dist,
            (std::vector<std::string>{"six>=1", "pytest; extra == \"dev\""}));
  ASSERT_EQ(demo->files.size(), 1u);
  EXPECT_EQ(demo->files[0].path, egg);
  EXPECT_EQ(demo->files[0].listed, "demo-1.0-py3.11.egg");
  EXPECT_TRUE(demo->has_file_list);
  const auto* dual = find(catalog, "dual");
  ASSERT_NE(dual, nullptr);
  // PKG-INFO's Requires-Dist wins over requires.txt, as in importlib.metadata.
  EXPECT_EQ(dual->package.requires_dist, std::vector<std::string>{"attrs"});
}

TEST(PackageCatalog, ABrokenZippedEggIsADiagnostic) {
  envlock::testing::TempDir tmp;
  const std::string site = tmp.path();
  envlock::testing::write_file(site + "/bad.egg", "PK not really\n");
  envlock::testing::write_file(site + "/x.pth", "bad.egg\n");
  DiskFileSystem fs("/");
  auto catalog = read_catalog(fs, expand_pth(fs, {site}));
  EXPECT_TRUE(catalog.entries.empty());
  ASSERT_EQ(catalog.diagnostics.size(), 1u);
  EXPECT_EQ(catalog.diagnostics[0].subject, site + "/bad.egg");
}

}  // namespace
}  // namespace envlock::scanner
