// The sys.path envlock assembles without running `site` must be the one the
// interpreter has when run normally: the oracle is the real interpreter's
// `sys.path`, in real venvs made with `python3 -m venv`.

#include "scanner/python/sys_path.hpp"

#include <unistd.h>

#include <climits>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scanner/fs/disk_filesystem.hpp"
#include "support/process.hpp"

extern char** environ;

namespace envlock::scanner {
namespace {

using testing::TempDir;
using testing::write_file;

std::string cwd() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? buf : "/";
}

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> out = extra;  // first: getenv() answers the first of a name
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

// sys.path of a normal run (site enabled, .pth files processed), without the
// script's '' entry, existing directories only: what a scan can read.
std::vector<std::string> real_sys_path(const std::string& python, const std::vector<std::string>& extra_env) {
  auto r = testing::run({python, "-c", "import json, sys; print(json.dumps(sys.path))"}, extra_env);
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<std::string> out;
  for (const auto& p : nlohmann::json::parse(r.out)) {
    std::string s = p.get<std::string>();
    if (!s.empty() && std::filesystem::is_directory(s)) out.push_back(s);
  }
  return out;
}

std::vector<std::string> envlock_sys_path(const std::string& python, const std::vector<std::string>& extra_env) {
  auto env = environment_with(extra_env);
  auto facts = query_interpreter(python, env);
  EXPECT_TRUE(facts) << facts.error().message;
  if (!facts) return {};
  DiskFileSystem fs = DiskFileSystem::live_host();
  return live_sys_path(fs, *facts, pythonpath_entries(env_value(env, "PYTHONPATH"), cwd()));
}

std::string site_packages(const std::string& venv) {
  for (const auto& e : std::filesystem::directory_iterator(venv + "/lib")) {
    return e.path().string() + "/site-packages";
  }
  return "";
}

TEST(PythonpathEntries, AbsoluteNormalizedInOrderOncePerPath) {
  EXPECT_EQ(pythonpath_entries("", "/w"), std::vector<std::string>{});
  EXPECT_EQ(pythonpath_entries("/a:rel:/b/../c/:/a", "/w"), (std::vector<std::string>{"/a", "/w/rel", "/c"}));
  EXPECT_EQ(pythonpath_entries(":", "/w"), std::vector<std::string>{"/w"}) << "an empty entry is the cwd";
}

class SysPathTest : public ::testing::Test {
 protected:
  void make_venv(const std::string& name, bool system_site, const std::string& base = "python3") {
    std::vector<std::string> argv{base, "-m", "venv", "--without-pip"};
    if (system_site) argv.push_back("--system-site-packages");
    argv.push_back(tmp / name);
    auto r = testing::run(argv);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  TempDir tmp;
};

TEST_F(SysPathTest, AVenvWithPthPathLinesEqualsTheRealSysPath) {
  make_venv("venv", false);
  std::string site = site_packages(tmp / "venv");
  std::filesystem::create_directories(tmp / "extra-a");
  std::filesystem::create_directories(tmp / "extra-b");
  std::filesystem::create_directories(site + "/relative");
  // Sorted by name, as site.addsitedir reads them; a comment, a missing
  // directory, a repeat and a relative line; no import lines (they would run
  // in the oracle).
  write_file(site + "/b.pth", "# comment\n" + (tmp / "extra-b") + "\n" + (tmp / "missing") + "\n");
  write_file(site + "/a.pth", (tmp / "extra-a") + "\nrelative\n" + (tmp / "extra-b") + "\n");
  std::string python = tmp / "venv/bin/python";
  auto real = real_sys_path(python, {});
  EXPECT_EQ(envlock_sys_path(python, {}), real);
  EXPECT_NE(std::find(real.begin(), real.end(), tmp / "extra-a"), real.end()) << "the oracle saw the .pth";
}

TEST_F(SysPathTest, PythonpathComesFirstAsARealRunHasIt) {
  make_venv("venv", false);
  std::filesystem::create_directories(tmp / "pp1");
  std::filesystem::create_directories(tmp / "pp2");
  std::string site = site_packages(tmp / "venv");
  // A PYTHONPATH entry that is also a site directory keeps its first place.
  std::vector<std::string> env{"PYTHONPATH=" + (tmp / "pp1") + "::" + (tmp / "missing") + ":" + (tmp / "pp2") +
                               ":" + site};
  std::string python = tmp / "venv/bin/python";
  auto real = real_sys_path(python, env);
  EXPECT_EQ(envlock_sys_path(python, env), real);
  ASSERT_FALSE(real.empty());
  EXPECT_EQ(real.front(), tmp / "pp1");
}

TEST_F(SysPathTest, AVenvWithSystemSitePackagesEqualsTheRealSysPath) {
  make_venv("venv", true);
  write_file(site_packages(tmp / "venv") + "/x.pth", tmp.path() + "\n");
  std::string python = tmp / "venv/bin/python";
  EXPECT_EQ(envlock_sys_path(python, {}), real_sys_path(python, {}));
}

TEST_F(SysPathTest, DebiansPatchedSiteModuleGivesTheSameSysPath) {
  // Debian's site.getsitepackages() lists a venv's site-packages only when
  // sys.prefix differs from sys.base_prefix, which site.venv() arranges.
  const std::string debian = "/usr/bin/python3";
  auto probe = testing::run({debian, "-c", "import site; print(site.getsitepackages())"});
  if (probe.status != 0 || probe.out.find("dist-packages") == std::string::npos) {
    GTEST_SKIP() << "no Debian python3 at " << debian;
  }
  auto has_venv = testing::run({debian, "-c", "import venv"});
  if (has_venv.status != 0) GTEST_SKIP() << "Debian python3 without venv";
  for (bool system_site : {false, true}) {
    std::string name = system_site ? "venv-system" : "venv";
    make_venv(name, system_site, debian);
    std::string python = tmp / (name + "/bin/python");
    if (!std::filesystem::exists(python)) GTEST_SKIP() << "python3 -m venv failed";
    std::filesystem::create_directories(tmp / "from-pth");
    write_file(site_packages(tmp / name) + "/x.pth", (tmp / "from-pth") + "\n");
    auto real = real_sys_path(python, {});
    EXPECT_NE(std::find(real.begin(), real.end(), site_packages(tmp / name)), real.end());
    EXPECT_EQ(envlock_sys_path(python, {}), real) << name;
    EXPECT_EQ(envlock_sys_path(debian, {}), real_sys_path(debian, {}));
  }
}

TEST_F(SysPathTest, AUserSiteCountsAsARealRunWouldCountIt) {
  // The query runs with -I, which turns the user site off in the child; a
  // normal run of the base interpreter adds it when it exists.
  std::string base = tmp / "userbase";
  auto query = testing::run({"python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"});
  ASSERT_EQ(query.status, 0);
  std::string version = query.out.substr(0, query.out.find('\n'));
  std::string user_site = base + "/lib/python" + version + "/site-packages";
  std::filesystem::create_directories(user_site);
  std::filesystem::create_directories(tmp / "from-user-pth");
  write_file(user_site + "/u.pth", (tmp / "from-user-pth") + "\n");
  std::vector<std::string> env{"PYTHONUSERBASE=" + base};
  auto real = real_sys_path("python3", env);
  ASSERT_NE(std::find(real.begin(), real.end(), user_site), real.end()) << "the oracle has a user site";
  EXPECT_EQ(envlock_sys_path("python3", env), real);
  env.push_back("PYTHONNOUSERSITE=1");
  auto without = real_sys_path("python3", env);
  EXPECT_EQ(std::find(without.begin(), without.end(), user_site), without.end());
  EXPECT_EQ(envlock_sys_path("python3", env), without);
}

}  // namespace
}  // namespace envlock::scanner
