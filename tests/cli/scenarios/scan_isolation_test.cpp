// `envlock scan --python` runs no code from the target or from the caller's
// directory (issue #10, class 6): the real binary against a real venv whose
// .pth import lines, sitecustomize, a json.py in the working directory and a
// sitecustomize on PYTHONPATH would each write a marker file if Python ran
// them. None may exist after the scan, and the packages are still found.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/paths.hpp"

namespace envlock {
namespace {

using testing::TempDir;
using testing::write_file;

// Single quotes for /bin/sh (test paths have none).
std::string q(const std::string& s) { return "'" + s + "'"; }

void package(const std::string& site, const std::string& name) {
  write_file(site + "/" + name + "-1.0.dist-info/METADATA",
             "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n");
  write_file(site + "/" + name + "-1.0.dist-info/RECORD", name + "/__init__.py,,\n");
  write_file(site + "/" + name + "/__init__.py", "");
}

// Python that writes `marker` when it runs.
std::string writes(const std::string& marker) {
  return "import os; os.system(\"touch " + marker + "\")\n";
}

std::vector<std::string> names(const nlohmann::json& scan) {
  std::vector<std::string> out;
  for (const auto& p : scan.value("packages", nlohmann::json::array())) out.push_back(p["name"]);
  return out;
}

class ScanIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = testing::run({"python3", "-m", "venv", "--without-pip", tmp / "venv"});
    ASSERT_EQ(r.status, 0) << r.err;
    for (const auto& e : std::filesystem::directory_iterator(tmp / "venv/lib")) {
      site = e.path().string() + "/site-packages";
    }
    package(site, "good");
    package(tmp / "extra", "from-pth");
    package(tmp / "pp", "from-pythonpath");
    // A path line (read), an import line that would run a command, and one
    // that would hand the scan a sys.path without the venv in it.
    write_file(site + "/evil.pth", (tmp / "extra") + "\n" + writes(tmp / "marker-pth") +
                                       "import sys; sys.path[:] = [p for p in sys.path if 'venv' not in p]\n");
    write_file(site + "/sitecustomize.py", writes(tmp / "marker-sitecustomize"));
    write_file(tmp / "work/json.py", writes(tmp / "marker-json-in-cwd"));
    write_file(tmp / "work/sitecustomize.py", writes(tmp / "marker-sitecustomize-in-cwd"));
    write_file(tmp / "pp/sitecustomize.py", writes(tmp / "marker-pythonpath"));
  }

  // Runs the binary from the work directory (where json.py is).
  nlohmann::json scan(const std::string& env) {
    auto r = testing::sh("cd " + q(tmp / "work") + " && " + env + " XDG_CACHE_HOME=" + q(tmp / "cache") + " " +
                         q(ENVLOCK_BINARY) + " scan --python " + q(tmp / "venv/bin/python") + " --format json");
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }

  std::vector<std::string> markers() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
      if (e.path().filename().string().starts_with("marker")) out.push_back(e.path().filename());
    }
    return out;
  }

  TempDir tmp;
  std::string site;
};

TEST_F(ScanIsolation, NoHookOfTheVenvOrTheWorkingDirectoryRuns) {
  for (int pass = 0; pass < 2; ++pass) {  // cold, then from the interpreter cache
    auto doc = scan("");
    EXPECT_EQ(markers(), std::vector<std::string>{}) << "pass " << pass;
    auto found = names(doc);
    EXPECT_NE(std::find(found.begin(), found.end(), "good"), found.end()) << doc.dump(1);
    EXPECT_NE(std::find(found.begin(), found.end(), "from-pth"), found.end()) << "the .pth path line is read";
    ASSERT_TRUE(doc.contains("python"));
    EXPECT_FALSE(doc["python"].contains("pythonpath"));
    auto dirs = doc["python"]["site-dirs"];
    EXPECT_NE(std::find(dirs.begin(), dirs.end(), site), dirs.end()) << "the .pth could not hide the venv";
  }
}

TEST_F(ScanIsolation, PythonpathIsReadAsFilesAndRecordedNotRun) {
  auto doc = scan("PYTHONPATH=" + q(tmp / "pp"));
  EXPECT_EQ(markers(), std::vector<std::string>{});
  auto found = names(doc);
  EXPECT_NE(std::find(found.begin(), found.end(), "from-pythonpath"), found.end()) << doc.dump(1);
  EXPECT_NE(std::find(found.begin(), found.end(), "good"), found.end());
  ASSERT_TRUE(doc.contains("python"));
  EXPECT_EQ(doc["python"]["pythonpath"], nlohmann::json::array({tmp / "pp"}));
  EXPECT_EQ(doc["python"]["site-dirs"][0], tmp / "pp") << "PYTHONPATH comes first, as in a real run";
}

TEST_F(ScanIsolation, PythonhomeIsNotAppliedAndTheScanSaysSo) {
  auto doc = scan("PYTHONHOME=/nonexistent");
  auto found = names(doc);
  EXPECT_NE(std::find(found.begin(), found.end(), "good"), found.end()) << doc.dump(1);
  bool said = false;
  for (const auto& d : doc.value("diagnostics", nlohmann::json::array())) {
    said |= d.value("message", "").starts_with("PYTHONHOME is set; the interpreter was asked without it");
  }
  EXPECT_TRUE(said) << doc.dump(1);
}

TEST_F(ScanIsolation, TheLimitHoldsWhenTheInterpreterClosesItsOutputAndHangs) {
  // Before, the scan waited in waitpid() for as long as the "interpreter" ran.
  std::string fake = tmp / "python";
  write_file(fake, "#!/bin/sh\nexec >&- 2>&-\nsleep 600 &\necho $! > " + (tmp / "grandchild") + "\nwait\n");
  ::chmod(fake.c_str(), 0755);
  auto r = testing::envlock({"scan", "--python", fake, "--no-cache"}, {"ENVLOCK_PYTHON_TIMEOUT_MS=500"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(fake + ": did not finish within 500 ms"), std::string::npos) << r.err;
  // Its process group went with it.
  std::string pid = testing::read_file(tmp / "grandchild");
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  std::string state = "?";
  for (int i = 0; i < 500; ++i) {  // SIGKILL lands asynchronously
    std::ifstream in("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto paren = text.rfind(')');
    state = paren == std::string::npos ? "" : text.substr(paren + 2, 1);
    if (state.empty() || state == "Z") break;
    ::usleep(10'000);
  }
  EXPECT_TRUE(state.empty() || state == "Z") << "sleep is still " << state;

  auto bad = testing::envlock({"scan", "--python", fake}, {"ENVLOCK_PYTHON_TIMEOUT_MS=soon"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("ENVLOCK_PYTHON_TIMEOUT_MS: expected milliseconds"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace envlock
