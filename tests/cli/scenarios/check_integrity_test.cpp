// Integration tests for the trust in a full `check`: a hostile environment
// owner changes a venv after it was locked and the real binary must block
// (exit 1); an unchanged venv must pass whatever mode each side was taken in,
// and wherever the venv now lives. Each venv is made with `python3 -m venv`
// and a package is installed into it the way pip lays one out (files, a
// RECORD with sha256 rows, INSTALLER), so that nothing depends on an index.

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/venv.hpp"
#include "support/paths.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::read_file;
using testing::run;
using testing::TempDir;
using testing::write_file;

// Installs `files` (path relative to the site -> content) as distribution
// `name` 1.0, with a RECORD that hashes each of them as pip does. Paths in
// `unhashed` are listed without a hash, as pip lists byte code.
constexpr const char* kInstall = R"PY(
import base64, hashlib, json, os, sys
site, name, files, unhashed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
info = "%s-1.0.dist-info" % name
meta = {info + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name,
        info + "/INSTALLER": "pip\n", info + "/WHEEL": "Wheel-Version: 1.0\nTag: py3-none-any\n"}
rows = []
for rel, text in list(files.items()) + list(meta.items()):
    path = os.path.join(site, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    rows.append("%s,sha256=%s,%d" % (rel, digest, len(text.encode())))
rows += ["%s,," % rel for rel in unhashed]
rows.append(info + "/RECORD,,")
with open(os.path.join(site, info, "RECORD"), "w") as f:
    f.write("\r\n".join(rows) + "\r\n")
)PY";

// The suite's venv, plus installing a fake distribution with a RECORD (kInstall).
class Venv : public testing::Venv {
 public:
  using testing::Venv::Venv;

  void install(const std::string& name, const nlohmann::json& files,
               const nlohmann::json& unhashed = nlohmann::json::array()) const {
    auto r = run({"python3", "-c", kInstall, site(), name, files.dump(), unhashed.dump()});
    ASSERT_EQ(r.status, 0) << r.err;
  }
};

struct Verdict {
  int status = -1;
  nlohmann::json report;
  std::string raw;
};

Verdict check(const std::string& lock, const std::string& python,
              std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"check", "--lock", lock, "--python", python, "--format", "json",
                                "--no-cache"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = envlock(args);
  Verdict v{r.status, nlohmann::json::object(), r.out + r.err};
  if (!r.out.empty() && r.out.front() == '{') v.report = nlohmann::json::parse(r.out);
  return v;
}

std::vector<std::string> mode(bool fast) {
  return fast ? std::vector<std::string>{"--fast"} : std::vector<std::string>{};
}

// The findings of one category (and, when given, one subject).
std::vector<nlohmann::json> findings(const Verdict& v, const std::string& category,
                                     const std::string& subject = "") {
  std::vector<nlohmann::json> out;
  for (const auto& f : v.report.value("findings", nlohmann::json::array())) {
    if (f["category"] == category && (subject.empty() || f["subject"] == subject)) {
      out.push_back(f);
    }
  }
  return out;
}

std::string lock_of(const Venv& venv, const std::string& path, bool fast = false) {
  std::vector<std::string> args{"lock", "--python", venv.python(), "-o", path, "--no-cache"};
  for (auto& flag : mode(fast)) args.push_back(flag);
  auto r = envlock(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return path;
}

class CheckIntegrity : public ::testing::Test {
 protected:
  void SetUp() override {
    venv_ = std::make_unique<Venv>(tmp_ / "venv");
    venv_->install("demo", {{"demo/__init__.py", "VALUE = 1\n"}, {"demo/core.py", "def f(): return 1\n"}});
  }
  TempDir tmp_;
  std::unique_ptr<Venv> venv_;
};

TEST_F(CheckIntegrity, AnUnchangedVenvPasses) {
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  auto v = check(lock, venv_->python());
  EXPECT_EQ(v.status, 0) << v.raw;
  EXPECT_TRUE(findings(v, "startup-hook").empty()) << v.raw;
}

TEST_F(CheckIntegrity, APthFileWithAnImportLineBlocks) {
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  write_file(venv_->at("zzz-evil.pth"), "import os; os.environ['X'] = '1'\n");
  auto v = check(lock, venv_->python());
  EXPECT_EQ(v.status, 1) << v.raw;
  auto hooks = findings(v, "startup-hook", "zzz-evil.pth");
  ASSERT_EQ(hooks.size(), 1u) << v.raw;
  EXPECT_EQ(hooks[0]["severity"], "block");
}

TEST_F(CheckIntegrity, SitecustomizeAsAModuleOrAPackageBlocks) {
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  write_file(venv_->at("sitecustomize.py"), "import os\n");
  auto module = check(lock, venv_->python());
  EXPECT_EQ(module.status, 1) << module.raw;
  EXPECT_EQ(findings(module, "startup-hook", "sitecustomize.py").size(), 1u) << module.raw;
  std::filesystem::remove(venv_->at("sitecustomize.py"));
  write_file(venv_->at("usercustomize/__init__.py"), "import os\n");
  auto package = check(lock, venv_->python());
  EXPECT_EQ(package.status, 1) << package.raw;
  EXPECT_EQ(findings(package, "startup-hook", "usercustomize").size(), 1u) << package.raw;
}

TEST_F(CheckIntegrity, AChangedPthFileBlocksEvenWhenAPackageOwnsIt) {
  venv_->install("hooked", {{"hooked.pth", "hooked_dir\n"}, {"hooked_dir/h.py", ""}});
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  EXPECT_EQ(check(lock, venv_->python()).status, 0);
  write_file(venv_->at("hooked.pth"), "hooked_dir\nimport hooked_dir\n");
  auto v = check(lock, venv_->python());
  EXPECT_EQ(v.status, 1) << v.raw;
  EXPECT_EQ(findings(v, "startup-hook", "hooked.pth").size(), 1u) << v.raw;
}

TEST_F(CheckIntegrity, AnUnownedTopLevelModuleWarns) {
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  write_file(venv_->at("helper.py"), "def g(): pass\n");
  auto v = check(lock, venv_->python());
  EXPECT_EQ(v.status, 0) << v.raw;
  auto rows = findings(v, "file-modified", "helper.py");
  ASSERT_EQ(rows.size(), 1u) << v.raw;
  EXPECT_EQ(rows[0]["severity"], "warn");
}

TEST_F(CheckIntegrity, AnUnownedTopLevelPackageChangedAfterTheLockWarns) {
  write_file(venv_->at("vendored/__init__.py"), "A = 1\n");
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  EXPECT_TRUE(findings(check(lock, venv_->python()), "file-modified", "vendored").empty());
  write_file(venv_->at("vendored/deep/er.py"), "B = 2\n");
  auto v = check(lock, venv_->python());
  auto rows = findings(v, "file-modified", "vendored");
  ASSERT_EQ(rows.size(), 1u) << v.raw;
  EXPECT_EQ(rows[0]["severity"], "warn");
}

TEST_F(CheckIntegrity, ADropInRecordedInTheLockIsPinnedByContent) {
  write_file(venv_->at("demo/extra.py"), "SAFE = True\n");
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  auto same = check(lock, venv_->python());
  EXPECT_EQ(same.status, 0) << "known at lock time: info\n" << same.raw;
  write_file(venv_->at("demo/extra.py"), "import os; os.system('true')\n");
  auto v = check(lock, venv_->python());
  EXPECT_EQ(v.status, 1) << v.raw;
  auto rows = findings(v, "file-modified", "demo/extra.py");
  ASSERT_EQ(rows.size(), 1u) << v.raw;
  EXPECT_EQ(rows[0]["severity"], "block");
}

TEST_F(CheckIntegrity, ADropInDeeperThanAnyLimitIsFound) {
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  std::string rel = "demo";
  for (int i = 0; i < 40; ++i) rel += "/d";
  write_file(venv_->at(rel + "/payload.py"), "import os\n");
  auto v = check(lock, venv_->python());
  EXPECT_EQ(v.status, 1) << v.raw;
  EXPECT_EQ(findings(v, "file-modified", rel + "/payload.py").size(), 1u) << v.raw;
}

// A file that already differed from its RECORD when the lock was taken (a
// distribution that replaced a bundled certificate file), and an egg-info
// package whose file list has no hashes: both give another files digest per
// mode, and every pairing of modes must still pass.
TEST_F(CheckIntegrity, EveryPairingOfFastAndFullPassesAnUnchangedVenv) {
  venv_->install("certs", {{"certs/cacert.pem", "original\n"}});
  write_file(venv_->at("certs/cacert.pem"), "replaced by the distribution\n");
  write_file(venv_->at("legacy-2.0-py3.11.egg-info/PKG-INFO"),
             "Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n");
  write_file(venv_->at("legacy/__init__.py"), "");
  write_file(venv_->at("legacy-2.0-py3.11.egg-info/installed-files.txt"),
             "../legacy/__init__.py\nPKG-INFO\n");
  const auto full = lock_of(*venv_, tmp_ / "full.toml");
  const auto fast = lock_of(*venv_, tmp_ / "fast.toml", true);
  for (const auto& [lock, taken] : {std::pair{full, "full"}, std::pair{fast, "fast"}}) {
    for (bool fast_check : {false, true}) {
      auto v = check(lock, venv_->python(), mode(fast_check));
      EXPECT_EQ(v.status, 0) << taken << " lock, " << (fast_check ? "fast" : "full") << " check\n"
                             << v.raw;
    }
  }
  // A real change is still caught by whichever mode can see it: new content
  // by a full check against the full lock, a new RECORD by every pairing.
  write_file(venv_->at("certs/cacert.pem"), "an attacker's bundle\n");
  EXPECT_EQ(check(full, venv_->python()).status, 1);
  venv_->install("demo", {{"demo/__init__.py", "VALUE = 2\n"}, {"demo/core.py", "def f(): return 1\n"}});
  for (const auto& lock : {full, fast}) {
    for (bool fast_check : {false, true}) {
      auto v = check(lock, venv_->python(), mode(fast_check));
      EXPECT_EQ(v.status, 1) << v.raw;
      EXPECT_FALSE(findings(v, "package-changed", "demo").empty()) << v.raw;
    }
  }
}

TEST_F(CheckIntegrity, TheSameVenvAtAnotherPrefixPasses) {
  write_file(venv_->at("demo/extra.py"), "SAFE = True\n");  // a known problem, matched by site
  write_file(venv_->at("tool.py"), "");                     // an unowned top-level entry
  auto lock = lock_of(*venv_, tmp_ / "lock.toml");
  std::filesystem::copy(tmp_ / "venv", tmp_ / "moved",
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::copy_symlinks);
  auto v = check(lock, tmp_ / "moved/bin/python");
  EXPECT_EQ(v.status, 0) << v.raw;
  for (const auto& f : v.report.value("findings", nlohmann::json::array())) {
    EXPECT_NE(f["severity"], "warn") << f.dump();
  }
}

// Nothing that weakened a scan is silent: the target's diagnostics are in
// every JSON report, counted in text, and listed with --verbose.
TEST(CheckDiagnostics, AreCountedInTextListedWithVerboseAndAllInJson) {
  TempDir tmp;
  const std::string site = std::string(ENVLOCK_FIXTURES) + "/sites/basic";
  auto locked = envlock({"lock", "--site", site, "-o", tmp / "lock.toml"});
  ASSERT_EQ(locked.status, 0) << locked.err;
  auto json = envlock({"check", "--lock", tmp / "lock.toml", "--site", site, "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.out << json.err;
  auto report = nlohmann::json::parse(json.out);
  ASSERT_EQ(report["diagnostics"].size(), 2u) << json.out;
  const std::string first = report["diagnostics"][0]["subject"];
  auto text = envlock({"check", "--lock", tmp / "lock.toml", "--site", site});
  EXPECT_NE(text.out.find("Diagnostics (2): things the scan could not read or decided on its own; "
                          "--verbose lists them"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find(first + ": "), std::string::npos) << text.out;
  auto verbose = envlock({"check", "--lock", tmp / "lock.toml", "--site", site, "--verbose"});
  EXPECT_NE(verbose.out.find("  " + first + ": "), std::string::npos) << verbose.out;
}

}  // namespace
}  // namespace envlock
