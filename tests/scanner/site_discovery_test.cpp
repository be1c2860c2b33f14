#include "scanner/site_discovery.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "scanner/live_filesystem.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

TEST(SiteDiscovery, DebianRootUsesDpkgForTheExactVersion) {
  TempDir root;
  std::filesystem::create_directories(root / "usr/lib/python3.11");
  std::filesystem::create_directories(root / "usr/lib/python3/dist-packages");
  std::filesystem::create_directories(root / "usr/local/lib/python3.11/dist-packages");
  write_file(root / "var/lib/dpkg/status",
             "Package: python3.11-minimal\nStatus: install ok installed\nVersion: 3.11.2-6+deb12u6\n\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->python.version, "3.11.2");
  EXPECT_EQ(found->python.abi, "cp311");
  EXPECT_EQ(found->site_dirs, (std::vector<std::string>{"/usr/local/lib/python3.11/dist-packages",
                                                         "/usr/lib/python3/dist-packages"}));
}

TEST(SiteDiscovery, PythonFromSourceUsesPatchlevel) {
  TempDir root;
  std::filesystem::create_directories(root / "usr/local/lib/python3.12/site-packages");
  std::filesystem::create_directories(root / "usr/local/lib/python3.9/site-packages");
  write_file(root / "usr/local/include/python3.12/patchlevel.h",
             "#define PY_MINOR_VERSION 12\n#define PY_VERSION \"3.12.1\"\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.version, "3.12.1");
  EXPECT_EQ(found->site_dirs, std::vector<std::string>{"/usr/local/lib/python3.12/site-packages"});
}

TEST(SiteDiscovery, VenvHonoursIncludeSystemSitePackages) {
  TempDir root;
  std::filesystem::create_directories(root / "opt/venv/lib/python3.11/site-packages");
  std::filesystem::create_directories(root / "usr/lib/python3.11/site-packages");
  write_file(root / "opt/venv/pyvenv.cfg",
             "home = /usr/bin\ninclude-system-site-packages = true\nversion = 3.11.4\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.version, "3.11.4");
  EXPECT_EQ(found->site_dirs, (std::vector<std::string>{"/opt/venv/lib/python3.11/site-packages",
                                                         "/usr/lib/python3.11/site-packages"}));
}

TEST(SiteDiscovery, AVenvScannedAsItsOwnRootLeavesItsBaseOutWithANote) {
  // `--root /…/venv`: the jail is the venv; the base interpreter it names is
  // the host's and is not read.
  TempDir tmp;
  const std::string venv = tmp / "venv";
  std::filesystem::create_directories(venv + "/lib/python3.11/site-packages");
  std::filesystem::create_directories(tmp / "base/lib/python3.11/site-packages");
  write_file(venv + "/pyvenv.cfg", "home = " + tmp / "base/bin" + "\ninclude-system-site-packages = true\n");
  LiveFileSystem fs(venv, false, venv);
  auto found = discover_python(fs, venv);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->site_dirs, (std::vector<std::string>{venv + "/lib/python3.11/site-packages"}));
  EXPECT_EQ(found->notes, (std::vector<std::string>{venv + "/pyvenv.cfg: include-system-site-packages: " +
                                                    tmp / "base: leaves " + venv +
                                                    "; its site-packages are not scanned"}));
}

TEST(SiteDiscovery, CondaPrefixReadsCondaMeta) {
  TempDir root;
  std::filesystem::create_directories(root / "opt/conda/lib/python3.10/site-packages");
  write_file(root / "opt/conda/conda-meta/python-3.10.13-h955ad1f_0.json",
             "{\"name\": \"python\", \"version\": \"3.10.13\"}");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/opt/conda");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.version, "3.10.13");
  EXPECT_EQ(found->python.abi, "cp310");
}

TEST(SiteDiscovery, NothingFoundIsAClearError) {
  TempDir root;
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().message,
            "/: no Python installation found (looked for pyvenv.cfg, conda-meta/, "
            "usr/local/lib/python3.X and usr/lib/python3.X)");
}

}  // namespace
}  // namespace envlock::scanner
