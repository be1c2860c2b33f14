#include "scanner/python/site_discovery.hpp"

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/support/image_builder.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;
namespace stdfs = std::filesystem;

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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
  auto found = discover_python(fs, "/", "/home/app/env/bin:/usr/local/bin:/usr/bin");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.executable, "/home/app/env/bin/python3");
  EXPECT_EQ(found->python.prefix, "/home/app/env");
  EXPECT_EQ(found->site_dirs, std::vector<std::string>{"/home/app/env/lib/python3.12/site-packages"});
}

TEST(SiteDiscovery, OnlyTheFirst256PathEntriesAreSearched) {
  // An image config may carry megabytes of PATH: the search stays bounded.
  TempDir root;
  interpreter(root, "usr", "3.11", kDebianSite);
  std::string path;
  for (int i = 0; i < 256; ++i) path += "/nowhere:";
  auto far = discover_python(DiskFileSystem(root.path()), "/", path + "/usr/bin");
  ASSERT_TRUE(far);
  EXPECT_EQ(far->python.executable, "");
  auto near = discover_python(DiskFileSystem(root.path()), "/", path.substr(9) + "/usr/bin");
  ASSERT_TRUE(near);
  EXPECT_EQ(near->python.executable, "/usr/bin/python3");
}

TEST(SiteDiscovery, WithoutAnInterpreterTheStandardLibraryDecidesAndANoteSaysSo) {
  // A tree with a standard library and site directories but no executable
  // (copied out of an image, stripped): no executable is made up.
  TempDir root;
  write_file(root / "usr/lib/python3.11/os.py", "");
  make_dirs(root, {"/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"});
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(root.path());
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
  DiskFileSystem fs(venv, venv);
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
  DiskFileSystem fs(root.path());
  auto found = discover_python(fs, "/opt/conda");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->python.version, "3.10.13");
  EXPECT_EQ(found->python.abi, "cp310");
}

TEST(SiteDiscovery, NothingFoundIsAClearError) {
  TempDir root;
  DiskFileSystem fs(root.path());
  auto found = discover_python(fs, "/");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().message,
            "/: no Python installation found (looked for pyvenv.cfg, conda-meta/, python3 on PATH, "
            "usr/local/lib/python3.X and usr/lib/python3.X)");
}


// ---------------------------------------------------------------------------
// Ground truth: `envlock scan --root` of a tree against the sys.path the
// tree's own interpreter builds, run in the tree with chroot. The tree holds
// a real interpreter: its executable and the shared objects ldd lists for
// it, and its standard library (hard links where the filesystem allows).
// The user site is turned off (PYTHONNOUSERSITE): which user runs the
// interpreter is not in the tree (docs/images.md).

constexpr const char* kChroot = "/usr/sbin/chroot";

bool can_chroot() { return ::geteuid() == 0 && stdfs::exists(kChroot); }

// Copies directory `from` to `to` except the top-level entries in `skip`.
void link_tree(const std::string& from, const std::string& to, const std::set<std::string>& skip) {
  stdfs::create_directories(to);
  for (const auto& e : stdfs::directory_iterator(from)) {
    if (skip.count(e.path().filename().string())) continue;
    const auto dest = stdfs::path(to) / e.path().filename();
    std::error_code ec;
    stdfs::copy(e.path(), dest,
                stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks |
                    stdfs::copy_options::create_hard_links,
                ec);
    if (ec) {  // another filesystem: copy the bytes
      stdfs::copy(e.path(), dest,
                  stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks |
                      stdfs::copy_options::overwrite_existing);
    }
  }
}

void copy_file(const std::string& from, const std::string& to) {
  stdfs::create_directories(stdfs::path(to).parent_path());
  stdfs::copy_file(from, to, stdfs::copy_options::overwrite_existing);
}

// The executable `exe` at `dest` in `root`, and the shared objects it loads:
// the system's at their own paths, any other (a libpython beside a pyenv
// build) in /usr/local/lib, where LD_LIBRARY_PATH names it.
void copy_runtime(const std::string& exe, const std::string& root, const std::string& dest) {
  copy_file(exe, root + dest);
  auto ldd = envlock::testing::run({"ldd", exe});
  ASSERT_EQ(ldd.status, 0) << ldd.err;
  std::istringstream lines(ldd.out);
  for (std::string word; lines >> word;) {
    if (!word.starts_with('/')) continue;
    bool system = word.starts_with("/lib") || word.starts_with("/usr/lib");
    copy_file(word, system ? root + word : root + "/usr/local/lib/" + stdfs::path(word).filename().string());
  }
}

envlock::testing::Run in_tree(const std::string& root, const std::vector<std::string>& command) {
  std::vector<std::string> argv{"env", "-i", "PYTHONNOUSERSITE=1", "PYTHONDONTWRITEBYTECODE=1",
                                "LD_LIBRARY_PATH=/usr/local/lib", kChroot, root};
  argv.insert(argv.end(), command.begin(), command.end());
  return envlock::testing::run(argv);
}

// What `site` adds to sys.path when `exe` runs in the tree: the path of a
// normal run less that of `python -S`.
std::vector<std::string> site_path_in(const std::string& root, const std::string& exe) {
  auto path = [&](bool site) {
    std::vector<std::string> cmd{exe};
    if (!site) cmd.push_back("-S");
    cmd.insert(cmd.end(), {"-c", "import json, sys; print(json.dumps(sys.path))"});
    auto r = in_tree(root, cmd);
    EXPECT_EQ(r.status, 0) << exe << ": " << r.err;
    return r.status == 0 ? nlohmann::json::parse(r.out).get<std::vector<std::string>>() : std::vector<std::string>{};
  };
  auto with = path(true), without = path(false);
  EXPECT_TRUE(with.size() >= without.size() && std::equal(without.begin(), without.end(), with.begin()));
  return {with.begin() + static_cast<std::ptrdiff_t>(std::min(without.size(), with.size())), with.end()};
}

// The version importlib.metadata finds first on the interpreter's sys.path.
std::string version_in(const std::string& root, const std::string& exe, const std::string& name) {
  auto r = in_tree(root, {exe, "-c", "import importlib.metadata as m; print(m.version('" + name + "'))"});
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out.substr(0, r.out.find('\n'));
}

nlohmann::json scan_root(const std::string& root) {
  auto r = envlock::testing::envlock({"scan", "--root", root, "--format", "json", "--fast"});
  EXPECT_EQ(r.status, 0) << r.err;
  return r.status == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

// The version of `name` the scan reports as the one that loads (not shadowed).
std::string loaded_version(const nlohmann::json& scan, const std::string& name) {
  for (const auto& p : scan.value("packages", nlohmann::json::array())) {
    if (p["name"] == name && !p.value("shadowed", false)) return p["version"];
  }
  return "";
}

void dist(const std::string& site, const std::string& name, const std::string& version) {
  write_file(site + "/" + name + "-" + version + ".dist-info/METADATA",
             "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
}

// Every place a Debian or upstream site.py might look, each with a package,
// and `shared` in two of Debian's directories: the copy in
// /usr/lib/python3/dist-packages is the one Debian's python3 imports.
void populate_sites(const std::string& root, const std::string& minor) {
  const std::string py = "python" + minor;
  const std::vector<std::string> dirs = {"/usr/local/lib/" + py + "/dist-packages",
                                         "/usr/local/lib/" + py + "/site-packages", "/usr/lib/python3/dist-packages",
                                         "/usr/lib/" + py + "/dist-packages", "/usr/lib/" + py + "/site-packages"};
  for (const auto& dir : dirs) {
    std::string name = dir.substr(1);
    std::replace(name.begin(), name.end(), '/', '_');
    std::replace(name.begin(), name.end(), '.', '_');
    std::replace(name.begin(), name.end(), '-', '_');
    dist(root + dir, "in_" + name, "1.0");
  }
  dist(root + "/usr/lib/python3/dist-packages", "shared", "2.0");
  dist(root + "/usr/lib/" + py + "/dist-packages", "shared", "1.0");
  write_file(root + "/usr/lib/python3/dist-packages/extra.pth", "/opt/extra\n");
  dist(root + "/opt/extra", "extra", "1.0");
}

struct Interpreter {
  std::string exe;     ///< the real executable, every link resolved
  std::string prefix;  ///< sys.base_prefix
  std::string minor;   ///< "3.11"
};

// Debian's /usr/bin/python3 when this machine has it (scripts/bootstrap installs it).
std::optional<Interpreter> debian_python() {
  std::error_code ec;
  auto exe = stdfs::canonical("/usr/bin/python3", ec).string();
  if (ec || !exe.starts_with("/usr/bin/python3.")) return std::nullopt;
  std::string minor = exe.substr(std::string("/usr/bin/python").size());
  auto site = envlock::testing::read_file("/usr/lib/python" + minor + "/site.py");
  if (site.find("\"dist-packages\"") == std::string::npos) return std::nullopt;
  return Interpreter{exe, "/usr", minor};
}

// An upstream CPython build (pyenv, python.org) as `python3` on PATH, if any.
std::optional<Interpreter> upstream_python() {
  auto r = envlock::testing::run(
      {"python3", "-c",
       "import os, sys; print(os.path.realpath(sys._base_executable)); print(sys.base_prefix); "
       "print('%d.%d' % sys.version_info[:2])"});
  if (r.status != 0) return std::nullopt;
  std::istringstream lines(r.out);
  Interpreter py;
  std::getline(lines, py.exe);
  std::getline(lines, py.prefix);
  std::getline(lines, py.minor);
  auto site = envlock::testing::read_file(py.prefix + "/lib/python" + py.minor + "/site.py");
  if (site.empty() || site.find("dist-packages") != std::string::npos) return std::nullopt;
  return py;
}

// A Debian system: /usr/bin/python3.X and its standard library in /usr/lib.
void debian_tree(const std::string& root, const Interpreter& py) {
  copy_runtime(py.exe, root, "/usr/bin/python" + py.minor);
  stdfs::create_symlink("python" + py.minor, root + "/usr/bin/python3");
  link_tree("/usr/lib/python" + py.minor, root + "/usr/lib/python" + py.minor, {"dist-packages", "site-packages"});
  populate_sites(root, py.minor);
}

void expect_scan_equals_interpreter(const std::string& root, const nlohmann::json& scan) {
  const std::string exe = scan["python"].value("executable", "");
  ASSERT_FALSE(exe.empty());
  // The reported interpreter is in the tree, and it is the one compared.
  EXPECT_TRUE(stdfs::exists(stdfs::symlink_status(root + exe))) << exe;
  EXPECT_EQ(scan["python"]["site-dirs"].get<std::vector<std::string>>(), site_path_in(root, exe));
}

TEST(SiteDiscoveryTruth, DebianSystemPythonEqualsItsSysPath) {
  auto py = debian_python();
  if (!can_chroot() || !py) GTEST_SKIP() << "needs root, chroot and Debian's python3";
  TempDir tmp;
  const std::string root = tmp / "root";
  debian_tree(root, *py);
  auto scan = scan_root(root);
  EXPECT_EQ(scan["python"]["executable"], "/usr/bin/python3");
  EXPECT_EQ(scan["python"]["prefix"], "/usr");
  expect_scan_equals_interpreter(root, scan);
  EXPECT_EQ(loaded_version(scan, "shared"), version_in(root, "/usr/bin/python3", "shared"));
}

TEST(SiteDiscoveryTruth, DebianVenvWithAndWithoutSystemSitePackagesEqualsItsSysPath) {
  auto py = debian_python();
  if (!can_chroot() || !py) GTEST_SKIP() << "needs root, chroot and Debian's python3";
  TempDir tmp;
  const std::string root = tmp / "root";
  debian_tree(root, *py);
  auto made = in_tree(root, {"/usr/bin/python3", "-m", "venv", "--without-pip", "--system-site-packages", "/opt/venv"});
  ASSERT_EQ(made.status, 0) << made.err;
  dist(root + "/opt/venv/lib/python" + py->minor + "/site-packages", "in_venv", "1.0");
  // Debian's site.py also reads these under a venv's prefix.
  dist(root + "/opt/venv/local/lib/python" + py->minor + "/dist-packages", "in_venv_local", "1.0");
  dist(root + "/opt/venv/lib/python3/dist-packages", "in_venv_python3", "1.0");

  auto with = scan_root(root);
  EXPECT_EQ(with["python"]["prefix"], "/opt/venv");
  expect_scan_equals_interpreter(root, with);
  EXPECT_EQ(loaded_version(with, "shared"), version_in(root, "/opt/venv/bin/python3", "shared"));

  const std::string cfg = root + "/opt/venv/pyvenv.cfg";
  std::string text = envlock::testing::read_file(cfg);
  auto at = text.find("include-system-site-packages = true");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, std::string("include-system-site-packages = true").size(), "include-system-site-packages = false");
  write_file(cfg, text);
  auto without = scan_root(root);
  expect_scan_equals_interpreter(root, without);
  EXPECT_EQ(loaded_version(without, "shared"), "");
}

TEST(SiteDiscoveryTruth, PythonOrgBuildInUsrLocalEqualsItsSysPath) {
  // The python:3.X images: CPython built from source into /usr/local on a
  // Debian base, where Debian's directories may exist but are not read.
  auto py = upstream_python();
  if (!can_chroot() || !py) GTEST_SKIP() << "needs root, chroot and an upstream CPython as python3";
  TempDir tmp;
  const std::string root = tmp / "root";
  copy_runtime(py->exe, root, "/usr/local/bin/python" + py->minor);
  stdfs::create_symlink("python" + py->minor, root + "/usr/local/bin/python3");
  link_tree(py->prefix + "/lib/python" + py->minor, root + "/usr/local/lib/python" + py->minor, {"site-packages"});
  populate_sites(root, py->minor);
  auto scan = scan_root(root);
  EXPECT_EQ(scan["python"]["executable"], "/usr/local/bin/python3");
  EXPECT_EQ(scan["python"]["prefix"], "/usr/local");
  expect_scan_equals_interpreter(root, scan);
}

TEST(SiteDiscoveryTruth, CondaPrefixEqualsItsSysPath) {
  // A conda prefix laid out by hand: conda's python is an upstream CPython
  // whose prefix is the environment, with conda-meta/ beside it. The
  // interpreter here is any upstream build, relocated as conda relocates its own.
  auto py = upstream_python();
  if (!can_chroot() || !py) GTEST_SKIP() << "needs root, chroot and an upstream CPython as python3";
  TempDir tmp;
  const std::string root = tmp / "root";
  const std::string conda = "/opt/conda";
  copy_runtime(py->exe, root, conda + "/bin/python" + py->minor);
  stdfs::create_symlink("python" + py->minor, root + conda + "/bin/python");
  link_tree(py->prefix + "/lib/python" + py->minor, root + conda + "/lib/python" + py->minor, {"site-packages"});
  write_file(root + conda + "/conda-meta/python-" + py->minor + ".0-h0_0.json",
             "{\"name\": \"python\", \"version\": \"" + py->minor + ".0\", \"build\": \"h0_0\"}");
  dist(root + conda + "/lib/python" + py->minor + "/site-packages", "in_conda", "1.0");
  populate_sites(root, py->minor);  // a Debian base under the conda image: not read
  auto scan = scan_root(root);
  EXPECT_EQ(scan["python"]["prefix"], conda);
  expect_scan_equals_interpreter(root, scan);
}

// ---------------------------------------------------------------------------
// --image of a tree and --root of the same files discover the same
// interpreter and site directories; the image's PATH picks the interpreter.

void materialize(const std::vector<envlock::testing::Member>& members, const std::string& root) {
  for (const auto& m : members) {
    const std::string path = root + "/" + m.name;
    if (m.type == '5') {
      stdfs::create_directories(path);
    } else if (m.type == '2') {
      stdfs::create_directories(stdfs::path(path).parent_path());
      stdfs::create_symlink(m.link, path);
    } else {
      write_file(path, m.content);
    }
  }
}

TEST(SiteDiscoveryImage, ImageAndRootOfADebianVenvAgree) {
  using namespace envlock::testing;
  const std::string site_py = debian_python() ? read_file("/usr/lib/python3.11/site.py") : kDebianSite;
  std::vector<Member> members = {
      file("usr/bin/python3.11", "", 0755),
      symlink("usr/bin/python3", "python3.11"),
      file("usr/lib/python3.11/os.py", ""),
      file("usr/lib/python3.11/site.py", site_py.empty() ? kDebianSite : site_py),
      dir("usr/local/lib/python3.11/dist-packages"),
      dir("usr/lib/python3/dist-packages"),
      dir("usr/lib/python3.11/dist-packages"),
      file("opt/venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = true\nversion = 3.11.2\n"),
      symlink("opt/venv/bin/python3", "/usr/bin/python3"),
      symlink("opt/venv/bin/python3.11", "python3"),
      dir("opt/venv/lib/python3.11/site-packages"),
  };
  TempDir tmp;
  ImageSpec spec;
  spec.layers = {{members, Compression::kGzip}};
  write_oci_layout(tmp / "image", spec);
  materialize(members, tmp / "root");
  auto image = envlock::testing::envlock({"scan", "--image", tmp / "image", "--format", "json", "--fast"});
  ASSERT_EQ(image.status, 0) << image.err;
  auto img = nlohmann::json::parse(image.out);
  auto root = scan_root(tmp / "root");
  const std::vector<std::string> debian_order = {
      "/opt/venv/lib/python3.11/site-packages", "/usr/local/lib/python3.11/dist-packages",
      "/usr/lib/python3/dist-packages", "/usr/lib/python3.11/dist-packages"};
  EXPECT_EQ(img["python"]["site-dirs"].get<std::vector<std::string>>(), debian_order);
  EXPECT_EQ(root["python"]["site-dirs"], img["python"]["site-dirs"]);
  EXPECT_EQ(img["python"]["executable"], "/opt/venv/bin/python3.11");
  EXPECT_EQ(root["python"]["executable"], img["python"]["executable"]);
}

TEST(SiteDiscoveryImage, TheImagesPathPicksItsPython) {
  // Both interpreters are in the image; its PATH names /usr/bin first.
  using namespace envlock::testing;
  TempDir tmp;
  ImageSpec spec;
  spec.env = {"PATH=/usr/bin:/usr/local/bin"};
  spec.layers = {{{file("usr/bin/python3.11", "", 0755), symlink("usr/bin/python3", "python3.11"),
                   file("usr/lib/python3.11/os.py", ""), file("usr/lib/python3.11/site.py", kDebianSite),
                   dir("usr/lib/python3/dist-packages"), file("usr/local/bin/python3.12", "", 0755),
                   symlink("usr/local/bin/python3", "python3.12"), file("usr/local/lib/python3.12/os.py", ""),
                   file("usr/local/lib/python3.12/site.py", kUpstreamSite),
                   dir("usr/local/lib/python3.12/site-packages")},
                  Compression::kGzip}};
  write_oci_layout(tmp / "image", spec);
  auto r = envlock::testing::envlock({"scan", "--image", tmp / "image", "--format", "json", "--fast"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto scan = nlohmann::json::parse(r.out);
  EXPECT_EQ(scan["python"]["executable"], "/usr/bin/python3");
  EXPECT_EQ(scan["python"]["site-dirs"], nlohmann::json::array({"/usr/lib/python3/dist-packages"}));
}

TEST(SiteDiscoveryImage, TheImagesSitePyDecidesTheScheme) {
  // Without Debian's shared directory only site.py tells that this python3.11
  // reads /usr/local/lib/python3.11/dist-packages and not site-packages: the
  // image scan must keep its bytes (scanner/image/wanted_files.cpp).
  using namespace envlock::testing;
  TempDir tmp;
  ImageSpec spec;
  spec.layers = {{{file("usr/bin/python3.11", "", 0755), symlink("usr/bin/python3", "python3.11"),
                   file("usr/lib/python3.11/os.py", ""), file("usr/lib/python3.11/site.py", kDebianSite),
                   dir("usr/local/lib/python3.11/dist-packages"), dir("usr/lib/python3.11/site-packages")},
                  Compression::kGzip}};
  write_oci_layout(tmp / "image", spec);
  auto r = envlock::testing::envlock({"scan", "--image", tmp / "image", "--format", "json", "--fast"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["python"]["site-dirs"],
            nlohmann::json::array({"/usr/local/lib/python3.11/dist-packages"}));
}

}  // namespace
}  // namespace envlock::scanner
