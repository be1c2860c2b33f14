// Integration tests: the real envlock binary against fixture trees, a real
// virtualenv made with `python3 -m venv`, and importlib.metadata as the oracle.

#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/paths.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::run;
using testing::TempDir;

using Listing = std::multiset<std::tuple<std::string, std::string, std::string>>;

// What importlib.metadata reports for `paths`: (normalized name, version, location).
Listing importlib_listing(const std::string& python, const std::vector<std::string>& paths) {
  std::string script =
      "import importlib.metadata as m, json, re, sys\n"
      "out = []\n"
      "import email.parser\n"
      "for d in m.distributions(path=json.loads(sys.argv[1])):\n"
      "    try:\n"
      "        meta = d.metadata\n"
      "    except UnicodeDecodeError:\n"
      "        # importlib cannot read latin-1 PKG-INFO; envlock decodes it as latin-1.\n"
      "        raw = (d._path / 'PKG-INFO').read_bytes().decode('latin-1')\n"
      "        meta = email.parser.Parser().parsestr(raw)\n"
      "    name, version = meta['Name'], meta['Version']\n"
      "    if name is None or version is None: continue\n"
      "    loc = str(d.locate_file(''))\n"
      "    out.append([re.sub(r'[-_.]+', '-', name).lower(), version, loc.rstrip('/')])\n"
      "print(json.dumps(out))\n";
  nlohmann::json jpaths = paths;
  auto r = run({python, "-c", script, jpaths.dump()});
  EXPECT_EQ(r.status, 0) << r.err;
  Listing out;
  for (const auto& row : nlohmann::json::parse(r.out)) {
    out.emplace(row[0].get<std::string>(), row[1].get<std::string>(), row[2].get<std::string>());
  }
  return out;
}

Listing envlock_listing(const nlohmann::json& scan) {
  Listing out;
  for (const auto& p : scan["packages"]) {
    out.emplace(p["name"].get<std::string>(), p["version"].get<std::string>(),
                p["location"].get<std::string>());
  }
  return out;
}

nlohmann::json scan_json(const std::vector<std::string>& target) {
  std::vector<std::string> args{"scan", "--format", "json"};
  args.insert(args.end(), target.begin(), target.end());
  auto r = envlock(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

const std::string kBasic = std::string(ENVLOCK_FIXTURES) + "/sites/basic";
const std::string kSecond = std::string(ENVLOCK_FIXTURES) + "/sites/second";

TEST(ScanCommand, FixtureSitesEqualImportlibMetadata) {
  auto scan = scan_json({"--site", kBasic, "--site", kSecond, "--fast"});
  auto expected = importlib_listing("python3", {kBasic, kBasic + "/eggy-1.0-py3.11.egg", kSecond});
  EXPECT_EQ(envlock_listing(scan), expected);
  // The broken ones are diagnostics, and the scan still succeeded.
  EXPECT_EQ(scan["diagnostics"].size(), 2u);
  bool shadowed = false;
  for (const auto& p : scan["packages"]) {
    if (p["name"] == "good-pkg" && p["version"] == "2.0") shadowed = p.value("shadowed", false);
  }
  EXPECT_TRUE(shadowed);
}

TEST(ScanCommand, DebianDistPackagesEqualImportlibMetadata) {
  const std::string dist = "/usr/lib/python3/dist-packages";
  if (!std::filesystem::is_directory(dist) || !std::filesystem::exists("/usr/bin/python3")) {
    GTEST_SKIP() << "no Debian python3 (scripts/bootstrap installs it)";
  }
  auto scan = scan_json({"--site", dist, "--fast"});
  Listing ours;
  for (const auto& row : envlock_listing(scan)) {
    if (std::get<2>(row) == dist) ours.insert(row);
  }
  EXPECT_EQ(ours, importlib_listing("/usr/bin/python3", {dist}));
}

class VenvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = run({"python3", "-m", "venv", dir_->path() + "/venv"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto site = run({python(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"});
    site_ = new std::string(site.out.substr(0, site.out.find('\n')));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete site_;
  }
  static std::string python() { return dir_->path() + "/venv/bin/python"; }
  static TempDir* dir_;
  static std::string* site_;
};
TempDir* VenvTest::dir_ = nullptr;
std::string* VenvTest::site_ = nullptr;

TEST_F(VenvTest, ScanEqualsImportlibMetadataOfTheVenv) {
  auto scan = scan_json({"--python", python()});
  EXPECT_EQ(scan["python"]["implementation"], "cpython");
  auto paths = run({python(), "-c", "import json,sys,os; print(json.dumps([p for p in sys.path[1:] if os.path.isdir(p)]))"});
  auto expected = importlib_listing(python(), nlohmann::json::parse(paths.out));
  EXPECT_EQ(envlock_listing(scan), expected);
  EXPECT_FALSE(expected.empty()) << "a new venv has pip";
  // pip's own files are untouched: no integrity problem for it.
  for (const auto& problem : scan.value("integrity", nlohmann::json::array())) {
    EXPECT_NE(problem["package"], "pip") << problem.dump();
  }
}

TEST_F(VenvTest, RootScanOfTheVenvPrefixFindsTheSamePackages) {
  auto live = scan_json({"--python", python(), "--fast"});
  auto root = scan_json({"--root", dir_->path() + "/venv", "--fast"});
  Listing live_site;
  for (const auto& row : envlock_listing(live)) {
    if (std::get<2>(row) == *site_) live_site.insert(row);
  }
  EXPECT_EQ(envlock_listing(root), live_site);
  EXPECT_EQ(root["python"]["version"], live["python"]["version"]);
}

TEST_F(VenvTest, LockCheckVerifyAndExitCodes) {
  TempDir work;
  std::string lock = work / "model.envlock.toml";
  auto locked = envlock({"lock", "--python", python(), "-o", lock});
  ASSERT_EQ(locked.status, 0) << locked.err;
  EXPECT_FALSE(std::filesystem::exists(lock + ".tmp"));

  auto verify = envlock({"verify", lock});
  EXPECT_EQ(verify.status, 0) << verify.err;

  auto pass = envlock({"check", "--lock", lock, "--python", python(), "--format", "json"});
  EXPECT_EQ(pass.status, 0) << pass.out << pass.err;
  auto report = nlohmann::json::parse(pass.out);
  EXPECT_EQ(report["verdict"], "pass");
  EXPECT_EQ(report["lock"], lock);

  // Install a package by hand (a dist-info dropped into the venv): extra -> warn, still pass.
  testing::write_file(*site_ + "/extra_pkg-1.0.dist-info/METADATA",
                      "Metadata-Version: 2.1\nName: extra-pkg\nVersion: 1.0\n");
  auto extra = envlock({"check", "--lock", lock, "--python", python(), "--format", "json"});
  EXPECT_EQ(extra.status, 0) << extra.out;
  auto extra_report = nlohmann::json::parse(extra.out);
  bool saw_extra = false;
  for (const auto& f : extra_report["findings"]) {
    if (f["category"] == "package-extra" && f["subject"] == "extra-pkg") {
      saw_extra = true;
      EXPECT_EQ(f["severity"], "warn");
      EXPECT_TRUE(f["lock"].is_null());
      EXPECT_EQ(f["target"], "1.0");
    }
  }
  EXPECT_TRUE(saw_extra) << extra.out;

  // A lock that says the extra package must be 2.0: another version -> blocked, exit 1.
  std::filesystem::remove_all(*site_ + "/extra_pkg-1.0.dist-info");
  testing::write_file(*site_ + "/extra_pkg-1.0.dist-info/METADATA",
                      "Metadata-Version: 2.1\nName: extra-pkg\nVersion: 2.0\n");
  std::string lock2 = work / "with-extra.toml";
  ASSERT_EQ(envlock({"lock", "--python", python(), "-o", lock2}).status, 0);
  testing::write_file(*site_ + "/extra_pkg-1.0.dist-info/METADATA",
                      "Metadata-Version: 2.1\nName: extra-pkg\nVersion: 2.1\n");
  auto blocked = envlock({"check", "--lock", lock2, "--python", python()});
  EXPECT_EQ(blocked.status, 1) << blocked.out;
  EXPECT_TRUE(blocked.out.starts_with("BLOCKED")) << blocked.out;
  EXPECT_NE(blocked.out.find("extra-pkg"), std::string::npos);
  std::filesystem::remove_all(*site_ + "/extra_pkg-1.0.dist-info");

  // One edited byte in the lock: digest mismatch, exit 3.
  std::string text = testing::read_file(lock);
  auto pos = text.find("version = \"");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 11] = text[pos + 11] == '9' ? '8' : '9';
  testing::write_file(work / "tampered.toml", text);
  auto tampered = envlock({"verify", work / "tampered.toml"});
  EXPECT_EQ(tampered.status, 3);
  EXPECT_NE(tampered.err.find("digest mismatch"), std::string::npos) << tampered.err;
  auto tampered_check = envlock({"check", "--lock", work / "tampered.toml", "--python", python()});
  EXPECT_EQ(tampered_check.status, 3);
}

TEST(CheckCommand, BadInputsExitTwoWithTheFileNamed) {
  TempDir work;
  testing::write_file(work / "bad.toml", "[envlock]\nschema = 1\n[python\n");
  auto syntax = envlock({"verify", work / "bad.toml"});
  EXPECT_EQ(syntax.status, 2);
  EXPECT_NE(syntax.err.find(work / "bad.toml:3"), std::string::npos) << syntax.err;

  auto missing = envlock({"check", "--lock", work / "nope.toml", "--site", kBasic});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find(work / "nope.toml"), std::string::npos) << missing.err;

  auto dev = envlock({"verify", "/dev/zero"});
  EXPECT_EQ(dev.status, 2) << "a device is an error, not a hang";

  auto two_targets = envlock({"scan", "--site", kBasic, "--root", kBasic});
  EXPECT_EQ(two_targets.status, 2);
  EXPECT_EQ(two_targets.err, "envlock: error: choose one target: --python, --site, --root or --image\n");

  auto bad_format = envlock({"scan", "--site", kBasic, "--format", "xml"});
  EXPECT_EQ(bad_format.status, 2);
  EXPECT_EQ(bad_format.err,
            "envlock: error: unknown format 'xml' for scan (expected toml, json or text)\n");

  auto no_python = envlock({"scan", "--python", work / "no-such-python"});
  EXPECT_EQ(no_python.status, 2);
  EXPECT_NE(no_python.err.find("no-such-python: cannot run"), std::string::npos) << no_python.err;

  auto unknown = envlock({"frobnicate"});
  EXPECT_EQ(unknown.status, 2);
}

TEST(DiffCommand, VersionsCompareUnderPep440) {
  TempDir work;
  auto a = scan_json({"--site", kBasic, "--fast"});
  auto b = a;
  b["envlock"].erase("digest");  // an edited scan no longer matches its digest
  for (auto& p : b["packages"]) {
    if (p["name"] == "good-pkg") p["version"] = "1.0.0";
  }
  testing::write_file(work / "a.json", a.dump());
  testing::write_file(work / "b.json", b.dump());
  auto same = envlock({"diff", work / "a.json", work / "b.json", "--format", "json"});
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  EXPECT_EQ(same.out.find("package-changed"), std::string::npos) << "1.0 == 1.0.0\n" << same.out;
  for (auto& p : b["packages"]) {
    if (p["name"] == "good-pkg") p["version"] = "1.0.1";
  }
  testing::write_file(work / "b.json", b.dump());
  auto changed = envlock({"diff", work / "a.json", work / "b.json", "--format", "json"});
  EXPECT_EQ(changed.status, 1) << changed.out;
  auto report = nlohmann::json::parse(changed.out);
  EXPECT_EQ(report["verdict"], "blocked");
  ASSERT_FALSE(report["findings"].empty());
  EXPECT_EQ(report["findings"][0]["category"], "package-changed");
  EXPECT_EQ(report["findings"][0]["lock"], "1.0");
  EXPECT_EQ(report["findings"][0]["target"], "1.0.1");
}

TEST(ScanCommand, TwoScansOfAnUnchangedTargetHaveTheSameDigest) {
  auto a = scan_json({"--site", kBasic});
  auto b = scan_json({"--site", kBasic});
  EXPECT_EQ(a["envlock"]["digest"], b["envlock"]["digest"]);
  // The TOML lock of the same target carries the same digest.
  TempDir work;
  ASSERT_EQ(envlock({"lock", "--site", kBasic, "-o", work / "l.toml"}).status, 0);
  EXPECT_NE(testing::read_file(work / "l.toml").find(a["envlock"]["digest"].get<std::string>()),
            std::string::npos);
}

TEST(ScanCommand, RelativePathsAreRelativeToTheWorkingDirectory) {
  // Tests run in the build tree; name the fixture site relative to it.
  std::string rel = std::filesystem::relative(kBasic).string() + "/";
  ASSERT_FALSE(rel.starts_with("/"));
  auto relative = scan_json({"--site", rel, "--fast"});
  auto absolute = scan_json({"--site", kBasic, "--fast"});
  EXPECT_EQ(relative["envlock"]["digest"], absolute["envlock"]["digest"]);
  EXPECT_EQ(relative["envlock"]["target"], "site:" + kBasic);
  auto root = envlock({"scan", "--root", rel + "nope", "--fast"});
  EXPECT_EQ(root.status, 2);
  EXPECT_NE(root.err.find(kBasic + "/nope"), std::string::npos) << root.err;
}

}  // namespace
}  // namespace envlock
