// Metadata corners where a scan must agree with the interpreter and pip:
// a zipped egg a .pth puts on sys.path, two metadata copies of one name in
// one directory (a failed upgrade), and a Requires-Dist line that is not
// PEP 508. Each venv is made with `python3 -m venv`; the ground truth is the
// venv's own importlib.metadata and `pip check`, run in the test.

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/venv.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::run;
using testing::TempDir;
using testing::Venv;
using testing::write_file;

nlohmann::json scan_json(const std::vector<std::string>& target) {
  std::vector<std::string> args{"scan", "--format", "json", "--no-cache"};
  args.insert(args.end(), target.begin(), target.end());
  auto r = envlock(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

nlohmann::json check_json(const std::string& lock, const std::string& python) {
  auto r = envlock({"check", "--lock", lock, "--python", python, "--format", "json", "--no-cache"});
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r.out << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

std::vector<nlohmann::json> findings(const nlohmann::json& report, const std::string& category) {
  std::vector<nlohmann::json> out;
  for (const auto& f : report.value("findings", nlohmann::json::array())) {
    if (f["category"] == category) out.push_back(f);
  }
  return out;
}

// name -> (version, requires) of every distribution the interpreter sees, first copy of each.
using Listing = std::map<std::string, std::pair<std::string, std::vector<std::string>>>;

Listing importlib_listing(const Venv& venv) {
  auto out = venv.python_out(
      "import importlib.metadata as m, json\n"
      "seen = {}\n"
      "for d in m.distributions():\n"
      "    n = d.metadata['Name'].lower()\n"
      "    if n not in seen: seen[n] = [d.version, d.requires or []]\n"
      "print(json.dumps(seen))\n");
  Listing listing;
  const auto parsed = nlohmann::json::parse(out);
  for (const auto& [name, v] : parsed.items()) {
    listing[name] = {v[0].get<std::string>(), v[1].get<std::vector<std::string>>()};
  }
  return listing;
}

Listing envlock_listing(const nlohmann::json& scan) {
  Listing listing;
  for (const auto& p : scan["packages"]) {
    if (p.value("shadowed", false)) continue;
    listing[p["name"].get<std::string>()] = {p["version"].get<std::string>(),
                                             p.value("requires", std::vector<std::string>{})};
  }
  return listing;
}

// Writes a zipped egg with the venv's own zipfile, as setuptools' bdist_egg does.
void make_egg(const Venv& venv, const std::string& path) {
  venv.python_out(
      "import sys, zipfile\n"
      "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
      "    z.writestr('eggdemo/__init__.py', 'VALUE = 1\\n')\n"
      "    z.writestr('EGG-INFO/PKG-INFO', 'Metadata-Version: 1.1\\nName: eggdemo\\nVersion: "
      "1.4\\n')\n"
      "    z.writestr('EGG-INFO/requires.txt', 'six>=1.0\\n\\n[fast]\\nujson\\n')\n"
      "    z.writestr('EGG-INFO/top_level.txt', 'eggdemo\\n')\n",
      {path});
}

TEST(CheckMetadata, AZippedEggIsReportedAsTheInterpreterSeesIt) {
  TempDir tmp;
  Venv venv(tmp / "venv", false);
  const std::string egg = venv.at("eggdemo-1.4-py3.egg");
  make_egg(venv, egg);
  write_file(venv.at("easy-install.pth"), "./eggdemo-1.4-py3.egg\n");
  EXPECT_EQ(venv.python_out("import eggdemo; print(eggdemo.VALUE)"), "1\n");

  const Listing truth = importlib_listing(venv);
  ASSERT_EQ(truth.count("eggdemo"), 1u);
  auto live = scan_json({"--python", venv.python()});
  EXPECT_EQ(envlock_listing(live), truth);
  const auto sys_path =
      nlohmann::json::parse(venv.python_out("import json, sys; print(json.dumps(sys.path))"));
  const auto site_dirs = live["python"]["site-dirs"];
  EXPECT_NE(std::find(sys_path.begin(), sys_path.end(), egg), sys_path.end());
  EXPECT_NE(std::find(site_dirs.begin(), site_dirs.end(), egg), site_dirs.end())
      << site_dirs.dump();
  EXPECT_FALSE(live.contains("diagnostics")) << live["diagnostics"].dump();
  // Static discovery of the same venv finds it too.
  EXPECT_EQ(envlock_listing(scan_json({"--root", tmp / "venv"})), truth);

  // The egg file is the package's content: a member added after the lock is
  // a changed package.
  const std::string lock = tmp / "lock.toml";
  auto r = envlock({"lock", "--python", venv.python(), "-o", lock, "--no-cache"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto same = check_json(lock, venv.python());
  EXPECT_EQ(same["verdict"], "pass") << same.dump();
  venv.python_out(
      "import sys, zipfile\n"
      "with zipfile.ZipFile(sys.argv[1], 'a') as z: z.writestr('eggdemo/extra.py', 'X = 2\\n')\n",
      {egg});
  auto changed = check_json(lock, venv.python());
  EXPECT_EQ(changed["verdict"], "blocked") << changed.dump();
  auto c = findings(changed, "package-changed");
  ASSERT_EQ(c.size(), 1u) << changed.dump();
  EXPECT_EQ(c[0]["subject"], "eggdemo");
}

// PYTHONPATH may name the egg file itself: Python and importlib.metadata read
// it as a zip, and so does the scan (its pythonpath is the caller's).
TEST(CheckMetadata, AZippedEggOnPythonpathIsReported) {
  TempDir tmp;
  Venv venv(tmp / "venv", false);
  const std::string egg = tmp / "eggdemo-1.4-py3.egg";
  make_egg(venv, egg);
  auto truth = run({venv.python(), "-c",
                    "import importlib.metadata as m; print(m.version('eggdemo'))"},
                   {"PYTHONPATH=" + egg});
  ASSERT_EQ(truth.out, "1.4\n") << truth.err;
  auto r = envlock({"scan", "--format", "json", "--no-cache", "--python", venv.python()},
                   {"PYTHONPATH=" + egg});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto scan = nlohmann::json::parse(r.out);
  EXPECT_EQ(envlock_listing(scan).count("eggdemo"), 1u) << scan["packages"].dump();
  const auto site_dirs = scan["python"]["site-dirs"];
  EXPECT_NE(std::find(site_dirs.begin(), site_dirs.end(), egg), site_dirs.end())
      << site_dirs.dump();
}

// The first of two copies in os.listdir order is what Python imports; the
// scan follows it, and reports the ambiguity as package-duplicate.
TEST(CheckMetadata, DuplicateMetadataFollowsTheInterpreterAndIsAFinding) {
  TempDir tmp;
  Venv venv(tmp / "venv", false);
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "dup" + std::to_string(i);
    names.push_back(name);
    const std::string dist = venv.at(name + "-1.0.dist-info/METADATA");
    const std::string egg = venv.at(name + "-2.0.egg-info/PKG-INFO");
    const std::string text = "Metadata-Version: 2.1\nName: " + name + "\nVersion: ";
    // Both creation orders: some filesystems list in creation order.
    if (i % 2 == 0) {
      write_file(dist, text + "1.0\n");
      write_file(egg, text + "2.0\n");
    } else {
      write_file(egg, text + "2.0\n");
      write_file(dist, text + "1.0\n");
    }
  }
  const std::string lock = tmp / "lock.toml";
  auto r = envlock({"lock", "--python", venv.python(), "-o", lock, "--no-cache"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto scan = scan_json({"--python", venv.python()});
  const auto root = scan_json({"--root", tmp / "venv"});
  auto report = check_json(lock, venv.python());
  const auto duplicates = findings(report, "package-duplicate");
  ASSERT_EQ(duplicates.size(), names.size()) << report.dump();
  std::map<std::string, std::string> reported;
  for (const auto& f : duplicates) {
    EXPECT_EQ(f["severity"], "warn");
    reported[f["subject"].get<std::string>()] = f["target"].get<std::string>();
  }
  const auto listing = envlock_listing(scan);
  const auto root_listing = envlock_listing(root);
  for (const auto& name : names) {
    const std::string truth = venv.python_out(
        "import importlib.metadata as m, sys; print(m.version(sys.argv[1]), end='')", {name});
    EXPECT_EQ(listing.at(name).first, truth) << name;
    EXPECT_EQ(root_listing.at(name).first, truth) << name;
    EXPECT_EQ(reported[name], truth) << name;
  }
}

// pip check's missing or conflicting pairs: (requiring package, required name).
std::set<std::pair<std::string, std::string>> pip_pairs(const std::string& out) {
  std::set<std::pair<std::string, std::string>> pairs;
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t nl = out.find('\n', at);
    if (nl == std::string::npos) nl = out.size();
    const std::string line = out.substr(at, nl - at);
    at = nl + 1;
    // "user 1.0 requires bad, which is not installed." /
    // "user 1.0 has requirement x>=2, but you have x 1.0."
    for (const std::string verb : {" requires ", " has requirement "}) {
      const auto v = line.find(verb);
      if (v == std::string::npos) continue;
      std::string rest = line.substr(v + verb.size());
      std::size_t end = 0;
      while (end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[end])) ||
                                   rest[end] == '-' || rest[end] == '_' || rest[end] == '.')) {
        ++end;
      }
      pairs.emplace(line.substr(0, line.find(' ')), rest.substr(0, end));
    }
  }
  return pairs;
}

TEST(CheckMetadata, AnInvalidRequiresDistLineChecksNothingOfItsPackageAsPipCheck) {
  TempDir tmp;
  Venv venv(tmp / "venv", true);
  auto dist = [&](const std::string& name, const std::vector<std::string>& reqs) {
    std::string text = "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n";
    for (const auto& r : reqs) text += "Requires-Dist: " + r + "\n";
    write_file(venv.at(name + "-1.0.dist-info/METADATA"), text);
    write_file(venv.at(name + "-1.0.dist-info/INSTALLER"), "pip\n");
    write_file(venv.at(name + "-1.0.dist-info/RECORD"), "");
  };
  dist("user", {"bad>=1", "absent-three"});
  dist("good", {"absent-four; python_version >= '3'"});
  // Locked before the bad metadata arrives: its finding is then a warning.
  const std::string lock = tmp / "lock.toml";
  auto r = envlock({"lock", "--python", venv.python(), "-o", lock, "--no-cache"});
  ASSERT_EQ(r.status, 0) << r.err;
  dist("bad", {"absent-one>=1", "broken >= = 1", "absent-two"});

  auto pip = run({venv.python(), "-m", "pip", "check", "--disable-pip-version-check"});
  EXPECT_EQ(pip.status, 1);
  EXPECT_NE((pip.out + pip.err).find("Error parsing requirements for bad"), std::string::npos)
      << pip.out << pip.err;
  auto truth = pip_pairs(pip.out);
  // pip leaves a package it cannot parse out of its set, so it also calls it
  // "not installed" for its dependents; envlock keeps it installed (its
  // version is valid, Python imports it) and reports metadata-invalid.
  EXPECT_EQ(truth.erase({"user", "bad"}), 1u) << pip.out;
  EXPECT_EQ(truth, (std::set<std::pair<std::string, std::string>>{{"user", "absent-three"},
                                                                  {"good", "absent-four"}}));

  auto report = check_json(lock, venv.python());
  std::set<std::pair<std::string, std::string>> ours;
  for (const auto& f : findings(report, "dependency-broken")) {
    const std::string req = f["requirement"].get<std::string>();
    std::size_t end = 0;
    while (end < req.size() && (std::isalnum(static_cast<unsigned char>(req[end])) ||
                                req[end] == '-' || req[end] == '_' || req[end] == '.')) {
      ++end;
    }
    ours.emplace(f["subject"].get<std::string>(), req.substr(0, end));
  }
  EXPECT_EQ(ours, truth) << report.dump();
  const auto invalid = findings(report, "metadata-invalid");
  ASSERT_EQ(invalid.size(), 1u) << report.dump();
  EXPECT_EQ(invalid[0]["subject"], "bad");
  EXPECT_EQ(invalid[0]["severity"], "warn");
  EXPECT_EQ(invalid[0]["target"], "broken >= = 1");
}

}  // namespace
}  // namespace envlock
