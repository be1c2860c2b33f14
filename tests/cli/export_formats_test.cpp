#include "cli/export_formats.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "cli/export_cyclonedx.hpp"
#include "cli/export_pylock.hpp"
#include "cli/export_requirements.hpp"
#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(ExportFormat, ParsesWords) {
  EXPECT_EQ(*parse_export_format("pylock"), ExportFormat::kPylock);
  EXPECT_EQ(*parse_export_format("requirements"), ExportFormat::kRequirements);
  EXPECT_EQ(*parse_export_format("cyclonedx"), ExportFormat::kCycloneDx);
  const auto bad = parse_export_format("spdx");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(bad.error().message,
            "unknown export format 'spdx' (expected pylock, requirements or cyclonedx)");
}

TEST(ExportFormat, Dispatches) {
  const auto fp = testing::sample_fingerprint();
  EXPECT_EQ(*export_fingerprint(fp, ExportFormat::kPylock), *export_pylock(fp));
  EXPECT_EQ(*export_fingerprint(fp, ExportFormat::kRequirements), *export_requirements(fp));
  EXPECT_EQ(*export_fingerprint(fp, ExportFormat::kCycloneDx), export_cyclonedx(fp));
}

TEST(ExportedPackages, SkipsShadowedAndSortsByName) {
  auto fp = testing::sample_fingerprint();
  std::swap(fp.packages[0], fp.packages[6]);
  std::vector<std::string> names;
  for (const auto* p : exported_packages(fp)) names.push_back(p->name + "==" + p->version);
  EXPECT_EQ(names, (std::vector<std::string>{"myapp==1.0.0", "mylib==0.3.0", "numpy==1.26.4",
                                             "six==1.16.0", "tarpkg==1.0", "torch==2.1.0+cu118"}));
}

// pip cannot install a conda package that is no Python distribution
// (libopenblas); one conda installed that is a distribution stays.
TEST(ExportedPackages, SkipsCondaPackagesThatAreNoPythonDistribution) {
  auto fp = testing::sample_fingerprint();
  lockfile::Package openblas;
  openblas.name = "libopenblas";
  openblas.version = "0.3.25";
  openblas.installer = "conda";
  openblas.format = "conda";
  openblas.build = "pthreads_h413a1c8_0";
  fp.packages.push_back(openblas);
  fp.packages[0].installer = "conda";
  fp.packages[0].build = "py311h64a7726_0";
  std::vector<std::string> names;
  for (const auto* p : exported_packages(fp)) names.push_back(p->name);
  EXPECT_EQ(std::count(names.begin(), names.end(), "libopenblas"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), fp.packages[0].name), fp.packages[0].shadowed ? 0 : 1);
}

TEST(ExportChecks, NamesVersionsUrls) {
  EXPECT_TRUE(is_valid_project_name("zope.interface"));
  EXPECT_TRUE(is_valid_project_name("a"));
  EXPECT_FALSE(is_valid_project_name(""));
  EXPECT_FALSE(is_valid_project_name("-a"));
  EXPECT_FALSE(is_valid_project_name("a b"));
  EXPECT_FALSE(is_valid_project_name("caf\xc3\xa9"));
  EXPECT_TRUE(is_plain_version("1!2.0.post1+cu118.x_y-z"));
  EXPECT_FALSE(is_plain_version(""));
  EXPECT_FALSE(is_plain_version("1.0;"));
  EXPECT_TRUE(is_plain_url("git+https://x.example/a.git"));
  EXPECT_FALSE(is_plain_url("https://x/a b"));
  EXPECT_FALSE(is_plain_url("https://x/\xc3\xa9"));
}

TEST(SplitArchiveHash, BothSpellings) {
  EXPECT_EQ(split_archive_hash("sha256=AbC1"), (std::pair<std::string, std::string>{"sha256", "AbC1"}));
  EXPECT_EQ(split_archive_hash("SHA256:ab"), (std::pair<std::string, std::string>{"sha256", "ab"}));
  EXPECT_EQ(split_archive_hash("ab"), (std::pair<std::string, std::string>{}));
  EXPECT_EQ(split_archive_hash("sha256="), (std::pair<std::string, std::string>{}));
  EXPECT_EQ(split_archive_hash("sha256=zz"), (std::pair<std::string, std::string>{}));
  EXPECT_EQ(split_archive_hash("sh a=ab"), (std::pair<std::string, std::string>{}));
}

}  // namespace
}  // namespace envlock::cli
