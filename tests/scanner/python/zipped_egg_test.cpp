#include "scanner/python/zipped_egg.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/image/image_filesystem.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/support/image_builder.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::run;
using envlock::testing::TempDir;
using envlock::testing::write_file;

// Writes a zip archive with Python's zipfile, the module that reads eggs at
// import time: members in order, deflated.
void make_zip(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& list) {
  nlohmann::json members = nlohmann::json::array();
  for (const auto& [name, text] : list) members.push_back(nlohmann::json::array({name, text}));
  auto r = run({"python3", "-c",
                "import json, sys, zipfile\n"
                "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                "    for name, text in json.loads(sys.argv[2]):\n"
                "        z.writestr(name, text)\n",
                path, members.dump()});
  ASSERT_EQ(r.status, 0) << r.err;
}

TEST(ZippedEgg, ReadsEggInfoFromTheArchive) {
  TempDir tmp;
  const std::string egg = tmp / "demo-1.0-py3.11.egg";
  make_zip(egg, {{"demo/__init__.py", ""},
                 {"demo/_speedups.cpython-311-x86_64-linux-gnu.so",
                  "\x7f"
                  "ELF"},
                 {"EGG-INFO/PKG-INFO", "Metadata-Version: 1.1\nName: demo\nVersion: 1.0\n"},
                 {"EGG-INFO/requires.txt", "six>=1\n"},
                 {"other-2.0.dist-info/METADATA", "Name: other\n"}});
  DiskFileSystem fs("/");
  auto zip = read_zipped_egg(fs, egg, true);
  ASSERT_TRUE(zip) << zip.error().message;
  EXPECT_TRUE(zip->has_egg_info);
  EXPECT_EQ(zip->pkg_info, "Metadata-Version: 1.1\nName: demo\nVersion: 1.0\n");
  EXPECT_EQ(zip->requires_txt, "six>=1\n");
  EXPECT_EQ(zip->other_metadata, std::vector<std::string>{"other-2.0.dist-info"});
  EXPECT_EQ(zip->native,
            std::vector<std::string>{"demo/_speedups.cpython-311-x86_64-linux-gnu.so"});
  // Not an egg: names only.
  auto names = read_zipped_egg(fs, egg, false);
  ASSERT_TRUE(names);
  EXPECT_FALSE(names->pkg_info);
  EXPECT_TRUE(names->has_egg_info);
}

TEST(ZippedEgg, TheLastOfTwoMembersWithOneNameCounts) {
  TempDir tmp;
  const std::string egg = tmp / "twice.egg";
  make_zip(egg, {{"EGG-INFO/PKG-INFO", "Name: twice\nVersion: 1\n"},
                 {"EGG-INFO/PKG-INFO", "Name: twice\nVersion: 2\n"}});
  DiskFileSystem fs("/");
  auto zip = read_zipped_egg(fs, egg, true);
  ASSERT_TRUE(zip) << zip.error().message;
  EXPECT_EQ(zip->pkg_info, "Name: twice\nVersion: 2\n");
}

TEST(ZippedEgg, HostileArchivesAreErrorsNamingThem) {
  TempDir tmp;
  DiskFileSystem fs("/");
  const std::string bomb = tmp / "bomb.egg";
  // 64 MiB of one letter deflates to ~64 KiB; only 1 MiB may be read.
  auto r = run({"python3", "-c",
                "import sys, zipfile\n"
                "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                "    z.writestr('EGG-INFO/PKG-INFO', 'a' * (64 << 20))\n",
                bomb});
  ASSERT_EQ(r.status, 0) << r.err;
  ZipLimits limits;
  limits.max_member_bytes = 1 << 20;
  auto zip = read_zipped_egg(fs, bomb, true, limits);
  ASSERT_FALSE(zip);
  EXPECT_EQ(zip.error().message, bomb + ": EGG-INFO/PKG-INFO: larger than the 1048576-byte limit");

  const std::string text = tmp / "text.egg";
  write_file(text, "not a zip archive at all\n");
  zip = read_zipped_egg(fs, text, true);
  ASSERT_FALSE(zip);
  EXPECT_TRUE(zip.error().message.starts_with(text + ": ")) << zip.error().message;

  const std::string many = tmp / "many.egg";
  make_zip(many, {{"a", ""}, {"b", ""}, {"c", ""}});
  limits = {};
  limits.max_members = 2;
  zip = read_zipped_egg(fs, many, true, limits);
  ASSERT_FALSE(zip);
  EXPECT_EQ(zip.error().message, many + ": more than 2 members");
  limits = {};
  limits.max_archive_bytes = 10;
  zip = read_zipped_egg(fs, many, true, limits);
  ASSERT_FALSE(zip);
  EXPECT_TRUE(zip.error().message.find("-byte limit for a zip archive on sys.path") !=
              std::string::npos);

  // Truncated: the central directory is gone.
  const std::string cut = tmp / "cut.egg";
  make_zip(cut, {{"EGG-INFO/PKG-INFO", "Name: cut\nVersion: 1\n"}});
  std::string bytes = envlock::testing::read_file(cut);
  write_file(cut, bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(read_zipped_egg(fs, cut, true));
}

// An image keeps a .egg file's bytes while the layer streams
// (wanted_files.hpp), so the same archive reader sees it there.
TEST(ZippedEgg, AnImageScanReadsTheEggItKept) {
  TempDir tmp;
  const std::string local = tmp / "demo.egg";
  make_zip(local, {{"EGG-INFO/PKG-INFO", "Metadata-Version: 1.1\nName: demo\nVersion: 3.1\n"}});
  const std::string site = "usr/local/lib/python3.11/site-packages";
  envlock::testing::ImageSpec spec;
  spec.layers = {
      {{envlock::testing::file(site + "/demo-3.1-py3.11.egg", envlock::testing::read_file(local)),
        envlock::testing::file(site + "/easy-install.pth", "./demo-3.1-py3.11.egg\n")}}};
  const std::string layout = tmp / "layout";
  envlock::testing::write_oci_layout(layout, spec);
  auto image = open_image(layout, {});
  ASSERT_TRUE(image) << image.error().message;
  const FileSystem& fs = *image->fs;
  const auto sites = expand_pth(fs, {"/" + site});
  ASSERT_EQ(sites.size(), 2u);
  auto catalog = read_catalog(fs, sites);
  EXPECT_TRUE(catalog.diagnostics.empty());
  ASSERT_EQ(catalog.entries.size(), 1u);
  EXPECT_EQ(catalog.entries[0].package.name, "demo");
  EXPECT_EQ(catalog.entries[0].package.version, "3.1");
  EXPECT_EQ(catalog.entries[0].package.location, "/" + site + "/demo-3.1-py3.11.egg");
}

}  // namespace
}  // namespace envlock::scanner
