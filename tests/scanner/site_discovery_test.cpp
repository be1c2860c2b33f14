#include "scanner/site_discovery.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "scanner/live_filesystem.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

// Files an interpreter needs to be found the way getpath finds it: the
// executable (python3 -> python3.X), and os.py, its standard library landmark.
// `site_py` is the text of its site.py ("" for none).
void interpreter(const TempDir& root, const std::string& prefix, const std::string& minor,
                 const std::string& site_py) {
  write_file(root / (prefix + "/bin/python" + minor), "");
  std::filesystem::create_symlink("python" + minor, root / (prefix + "/bin/python3"));
  write_file(root / (prefix + "/lib/python" + minor + "/os.py"), "");
  if (!site_py.empty()) write_file(root / (prefix + "/lib/python" + minor + "/site.py"), site_py);
}

// The line of Debian's site.py patch that names its scheme; upstream's never does.
const std::string kDebianSite = "            sitepackages.append(os.path.join(prefix, \"local/lib\", \"dist-packages\"))\n";
const std::string kUpstreamSite = "            path = os.path.join(prefix, libdir, \"site-packages\")\n";

std::vector<std::string> make_dirs(const TempDir& root, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) std::filesystem::create_directories(root / d.substr(1));
  return dirs;
}

TEST(SiteDiscovery, DebianRootUsesDpkgForTheExactVersion) {
  TempDir root;
  interpreter(root, "usr", "3.11", kDebianSite);
  // Debian's order (site.py of python3.11 on bookworm); its python3.11 never
  // reads lib/python3.11/site-packages nor /usr/local/.../site-packages.
  auto expected = make_dirs(root, {"/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages",
                                   "/usr/lib/python3.11/dist-packages"});
  make_dirs(root, {"/usr/lib/python3.11/site-packages", "/usr/local/lib/python3.11/site-packages"});
  write_file(root / "var/lib/dpkg/status",
             "Package: python3.11-minimal\nStatus: install ok installed\nVersion: 3.11.2-6+deb12u6\n\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->python.version, "3.11.2");
  EXPECT_EQ(found->python.abi, "cp311");
  EXPECT_EQ(found->python.prefix, "/usr");
  EXPECT_EQ(found->python.executable, "/usr/bin/python3");
  EXPECT_EQ(found->site_dirs, expected);
  EXPECT_TRUE(found->notes.empty());
}

TEST(SiteDiscovery, PythonFromSourceUsesPatchlevel) {
  TempDir root;
  interpreter(root, "usr/local", "3.12", kUpstreamSite);
  std::filesystem::create_directories(root / "usr/local/lib/python3.12/site-packages");
  std::filesystem::create_directories(root / "usr/local/lib/python3.9/site-packages");
  // A python.org image is Debian underneath: Debian's shared directory is
  // there but its interpreter is not, and upstream's site.py never reads it.
  std::filesystem::create_directories(root / "usr/lib/python3/dist-packages");
  write_file(root / "usr/local/include/python3.12/patchlevel.h",
             "#define PY_MINOR_VERSION 12\n#define PY_VERSION \"3.12.1\"\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.version, "3.12.1");
  EXPECT_EQ(found->python.executable, "/usr/local/bin/python3");
  EXPECT_EQ(found->site_dirs, std::vector<std::string>{"/usr/local/lib/python3.12/site-packages"});
}

TEST(SiteDiscovery, AnEmptyUsrLocalDoesNotMakeItThePrefix) {
  // Debian creates /usr/local/lib/python3.11/dist-packages; nothing runs from /usr/local.
  TempDir root;
  interpreter(root, "usr", "3.11", kDebianSite);
  make_dirs(root, {"/usr/local/lib/python3.11/dist-packages", "/usr/local/bin"});
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.prefix, "/usr");
  EXPECT_EQ(found->python.executable, "/usr/bin/python3");
}

TEST(SiteDiscovery, PathOrderPicksTheInterpreterPython3Runs) {
  // python:3.11 with Debian's python3 installed by apt: PATH has
  // /usr/local/bin first, so `python3` is the python.org build.
  TempDir root;
  interpreter(root, "usr", "3.11", kDebianSite);
  interpreter(root, "usr/local", "3.11", kUpstreamSite);
  make_dirs(root, {"/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/site-packages"});
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.executable, "/usr/local/bin/python3");
  EXPECT_EQ(found->site_dirs, std::vector<std::string>{"/usr/local/lib/python3.11/site-packages"});
  // An image whose PATH puts /usr/bin first runs Debian's.
  auto debian = discover_python(fs, "/", "/usr/bin:/usr/local/bin");
  ASSERT_TRUE(debian);
  EXPECT_EQ(debian->python.executable, "/usr/bin/python3");
  EXPECT_EQ(debian->site_dirs, std::vector<std::string>{"/usr/lib/python3/dist-packages"});
}

TEST(SiteDiscovery, AVenvOnTheImagePathIsFound) {
  TempDir root;
  interpreter(root, "usr/local", "3.12", kUpstreamSite);
  make_dirs(root, {"/home/app/env/lib/python3.12/site-packages", "/home/app/env/bin"});
  std::filesystem::create_symlink("/usr/local/bin/python3", root / "home/app/env/bin/python3");
  write_file(root / "home/app/env/pyvenv.cfg", "home = /usr/local/bin\ninclude-system-site-packages = false\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/", "/home/app/env/bin:/usr/local/bin:/usr/bin");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.executable, "/home/app/env/bin/python3");
  EXPECT_EQ(found->python.prefix, "/home/app/env");
  EXPECT_EQ(found->site_dirs, std::vector<std::string>{"/home/app/env/lib/python3.12/site-packages"});
}

TEST(SiteDiscovery, WithoutAnInterpreterTheStandardLibraryDecidesAndANoteSaysSo) {
  // A tree with a standard library and site directories but no executable
  // (copied out of an image, stripped): no executable is made up.
  TempDir root;
  write_file(root / "usr/lib/python3.11/os.py", "");
  make_dirs(root, {"/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"});
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.prefix, "/usr");
  EXPECT_EQ(found->python.executable, "");
  // No site.py to read: Debian's shared directory marks Debian's scheme.
  EXPECT_EQ(found->site_dirs, (std::vector<std::string>{"/usr/local/lib/python3.11/dist-packages",
                                                         "/usr/lib/python3/dist-packages"}));
  EXPECT_EQ(found->notes, std::vector<std::string>{
                              "/: no python3 or python on PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                              "/sbin:/bin) in this tree; site directories are those an interpreter in /usr would "
                              "have, and no executable is reported"});
}

TEST(SiteDiscovery, Lib64StandardLibraryPutsLib64First) {
  // configure --with-platlibdir=lib64 (Fedora): sys.platlibdir is lib64 and
  // getsitepackages() lists lib64 before lib.
  TempDir root;
  write_file(root / "usr/bin/python3.12", "");
  std::filesystem::create_symlink("python3.12", root / "usr/bin/python3");
  write_file(root / "usr/lib64/python3.12/os.py", "");
  write_file(root / "usr/lib64/python3.12/site.py", kUpstreamSite);
  auto expected = make_dirs(root, {"/usr/lib64/python3.12/site-packages", "/usr/lib/python3.12/site-packages"});
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->site_dirs, expected);
}

TEST(SiteDiscovery, DebianVenvWithSystemSitePackagesHasDebiansOrder) {
  // site.venv() then getsitepackages([venv, /usr]) with sys.prefix a venv:
  // Debian adds each prefix's lib/python3.X/site-packages in that case.
  TempDir root;
  interpreter(root, "usr", "3.11", kDebianSite);
  auto expected = make_dirs(root, {"/opt/venv/lib/python3.11/site-packages", "/usr/lib/python3.11/site-packages",
                                   "/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages",
                                   "/usr/lib/python3.11/dist-packages"});
  std::filesystem::create_directories(root / "opt/venv/bin");
  std::filesystem::create_symlink("/usr/bin/python3", root / "opt/venv/bin/python3");
  // No include-system-site-packages line: site.venv() takes it as true.
  write_file(root / "opt/venv/pyvenv.cfg", "home = /usr/bin\n");
  LiveFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.executable, "/opt/venv/bin/python3");
  EXPECT_EQ(found->site_dirs, expected);
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
            "/: no Python installation found (looked for pyvenv.cfg, conda-meta/, python3 on PATH, "
            "usr/local/lib/python3.X and usr/lib/python3.X)");
}

}  // namespace
}  // namespace envlock::scanner
