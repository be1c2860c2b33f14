// Integration tests for conda prefixes: a prefix laid out by hand the way
// conda links packages (files, and conda-meta/<name>-<version>-<build>.json
// with paths_data as conda's PrefixRecord writes it), scanned, locked and
// checked with the real binary. The Python side's ground truth is
// importlib.metadata over the prefix's site-packages; the conda side's is
// the records themselves.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "support/process.hpp"

namespace envlock {
namespace {

using nlohmann::json;
using testing::envlock;
using testing::read_file;
using testing::run;
using testing::TempDir;
using testing::write_file;

// Writes one conda-meta record for the given prefix-relative files, hashing
// each as conda does (hex sha256, size). argv: prefix, name, version, build,
// then a JSON object of options: "files" (paths), "softlinks" (paths),
// "placeholder" (paths rewritten at install, listed with the package's hash
// and a prefix_placeholder), "in_prefix" (placeholder paths that also get
// sha256_in_prefix, as conda >= 4.12 writes).
constexpr const char* kRecord = R"PY(
import hashlib, json, os, sys
prefix, name, version, build, opts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
channel = "https://conda.anaconda.org/conda-forge/linux-64"
paths = []
for rel in opts.get("files", []):
    data = open(os.path.join(prefix, rel), "rb").read()
    paths.append({"_path": rel, "path_type": "hardlink", "sha256": hashlib.sha256(data).hexdigest(),
                  "size_in_bytes": len(data)})
for rel in opts.get("softlinks", []):
    paths.append({"_path": rel, "path_type": "softlink", "sha256": "0" * 64, "size_in_bytes": 0})
for rel in opts.get("placeholder", []):
    data = open(os.path.join(prefix, rel), "rb").read()
    entry = {"_path": rel, "path_type": "hardlink", "file_mode": "text",
             "prefix_placeholder": "/home/conda/feedstock_root/build_artifacts/placehold",
             "sha256": hashlib.sha256(b"package copy " + data).hexdigest(), "size_in_bytes": len(data)}
    if rel in opts.get("in_prefix", []):
        entry["sha256_in_prefix"] = hashlib.sha256(data).hexdigest()
    paths.append(entry)
fn = "%s-%s-%s" % (name, version, build)
record = {
    "arch": "x86_64", "build": build, "build_number": 0, "channel": channel,
    "constrains": [], "depends": ["libgcc-ng >=12"], "fn": fn + ".conda",
    "license": "MIT", "md5": hashlib.md5(fn.encode()).hexdigest(), "name": name,
    "platform": "linux", "sha256": hashlib.sha256(fn.encode()).hexdigest(), "size": 1234,
    "subdir": "linux-64", "timestamp": 1700000000000, "url": channel + "/" + fn + ".conda",
    "version": version, "requested_spec": name,
    "extracted_package_dir": "/opt/conda/pkgs/" + fn,
    "files": [p["_path"] for p in paths],
    "link": {"source": "/opt/conda/pkgs/" + fn, "type": 1},
    "package_tarball_full_path": "/opt/conda/pkgs/" + fn + ".conda",
    "paths_data": {"paths": paths, "paths_version": 1},
}
os.makedirs(os.path.join(prefix, "conda-meta"), exist_ok=True)
with open(os.path.join(prefix, "conda-meta", fn + ".json"), "w") as f:
    json.dump(record, f, indent=2)
)PY";

// A wheel installed by pip into the same site-packages (RECORD, INSTALLER pip).
constexpr const char* kPipInstall = R"PY(
import base64, hashlib, os, sys
site = sys.argv[1]
info = "extra-2.0.dist-info"
files = {"extra/__init__.py": "X = 2\n", info + "/METADATA": "Metadata-Version: 2.1\nName: extra\nVersion: 2.0\n",
         info + "/INSTALLER": "pip\n"}
rows = []
for rel, text in files.items():
    os.makedirs(os.path.dirname(os.path.join(site, rel)), exist_ok=True)
    open(os.path.join(site, rel), "w").write(text)
    d = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    rows.append("%s,sha256=%s,%d" % (rel, d, len(text)))
rows.append(info + "/RECORD,,")
open(os.path.join(site, info, "RECORD"), "w").write("\n".join(rows) + "\n")
)PY";

class CondaPrefix : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = tmp_ / "env";
    site_ = prefix_ + "/lib/python3.11/site-packages";
    std::filesystem::create_directories(site_);
    write_file(prefix_ + "/conda-meta/history", "");

    // python: the interpreter (an ELF executable), its standard library, a
    // script conda rewrote on install, and the README conda puts in site-packages.
    write_file(tmp_ / "main.c", "int main(void) { return 0; }\n");
    compile({"cc", "-o", prefix_ + "/bin/python3.11", tmp_ / "main.c"});
    write_file(prefix_ + "/lib/python3.11/os.py", "# os\n");
    write_file(prefix_ + "/bin/pydoc", "#!" + prefix_ + "/bin/python3.11\nimport pydoc\n");
    write_file(prefix_ + "/bin/idle3", "#!" + prefix_ + "/bin/python3.11\nimport idlelib\n");
    write_file(site_ + "/README.txt",
               "This directory exists so that 3rd party packages can be installed here.\n");
    record("python", "3.11.7", "hab00c5b_0_cpython",
           {{"files",
             {"bin/python3.11", "lib/python3.11/os.py", "lib/python3.11/site-packages/README.txt"}},
            {"placeholder", {"bin/pydoc", "bin/idle3"}},
            {"in_prefix", {"bin/pydoc"}}});

    // libdemo: a shared library no Python metadata knows, with its dev symlink.
    write_file(tmp_ / "demo.c", "int demo_value(void) { return 42; }\n");
    compile({"cc", "-shared", "-fPIC", "-Wl,-soname,libdemo.so.1", "-o",
             prefix_ + "/lib/libdemo.so.1", tmp_ / "demo.c"});
    std::filesystem::create_symlink("libdemo.so.1", prefix_ + "/lib/libdemo.so");
    record("libdemo", "1.0", "h1234567_0",
           {{"files", {"lib/libdemo.so.1"}}, {"softlinks", {"lib/libdemo.so"}}});

    // demo-py: a Python distribution ("demo") whose extension module loads
    // libdemo from the prefix's lib/, as conda-build's RPATH makes it.
    write_file(site_ + "/demo/__init__.py", "from demo._core import *\n");
    write_file(tmp_ / "core.c",
               "extern int demo_value(void); int core(void) { return demo_value(); }\n");
    compile({"cc", "-shared", "-fPIC", "-o", site_ + "/demo/_core.so", tmp_ / "core.c",
             "-L" + prefix_ + "/lib", "-ldemo", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../../..",
             "-Wl,--no-as-needed"});
    const std::string info = "lib/python3.11/site-packages/demo-1.0.dist-info";
    write_file(prefix_ + "/" + info + "/METADATA",
               "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n");
    write_file(prefix_ + "/" + info + "/INSTALLER", "conda\n");
    write_file(prefix_ + "/" + info + "/RECORD", "demo/__init__.py,,\n");
    record("demo-py", "1.0", "py311h0000000_0",
           {{"files",
             {"lib/python3.11/site-packages/demo/__init__.py",
              "lib/python3.11/site-packages/demo/_core.so", info + "/METADATA", info + "/INSTALLER",
              info + "/RECORD"}}});

    auto pip = run({"python3", "-c", kPipInstall, site_});
    ASSERT_EQ(pip.status, 0) << pip.err;
  }

  void compile(const std::vector<std::string>& argv) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "-o")
        std::filesystem::create_directories(std::filesystem::path(argv[i + 1]).parent_path());
    }
    auto r = run(argv);
    ASSERT_EQ(r.status, 0) << r.err;
  }

  void record(const std::string& name, const std::string& version, const std::string& build,
              const json& opts) {
    auto r = run({"python3", "-c", kRecord, prefix_, name, version, build, opts.dump()});
    ASSERT_EQ(r.status, 0) << r.err;
  }

  json scan(const std::vector<std::string>& target, bool fast = false) {
    std::vector<std::string> args{"scan", "--format", "json", "--no-cache"};
    args.insert(args.end(), target.begin(), target.end());
    if (fast) args.push_back("--fast");
    auto r = envlock(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.empty() ? json::object() : json::parse(r.out);
  }

  TempDir tmp_;
  std::string prefix_, site_;
};

const json* package(const json& scan, const std::string& name) {
  for (const auto& p : scan["packages"]) {
    if (p["name"] == name) return &p;
  }
  return nullptr;
}

const json* native(const json& scan, const std::string& path) {
  auto it = scan.find("native");
  if (it == scan.end()) return nullptr;
  for (const auto& n : *it) {
    if (n["path"] == path) return &n;
  }
  return nullptr;
}

struct Outcome {
  int status = -1;
  json report;
  std::string raw;
};

Outcome check(const std::string& lock, const std::vector<std::string>& target, bool fast = false) {
  std::vector<std::string> args{"check", "--lock", lock, "--format", "json", "--no-cache"};
  args.insert(args.end(), target.begin(), target.end());
  if (fast) args.push_back("--fast");
  auto r = envlock(args);
  Outcome o{r.status, json::object(), r.out + r.err};
  if (!r.out.empty() && r.out.front() == '{') o.report = json::parse(r.out);
  return o;
}

std::vector<json> findings(const Outcome& o, const std::string& category) {
  std::vector<json> out;
  for (const auto& f : o.report.value("findings", json::array())) {
    if (f["category"] == category) out.push_back(f);
  }
  return out;
}

TEST_F(CondaPrefix, ScanReportsCondaPackagesBesidePythonDistributions) {
  // What Python itself sees in the prefix's site-packages.
  auto truth = run({"python3", "-c",
                    "import importlib.metadata as m, sys\n"
                    "print(sorted('%s %s' % (d.metadata['Name'], d.version) for d in "
                    "m.distributions(path=[sys.argv[1]])))",
                    site_});
  ASSERT_EQ(truth.status, 0) << truth.err;
  ASSERT_EQ(truth.out, "['demo 1.0', 'extra 2.0']\n");

  for (const auto& target :
       std::vector<std::vector<std::string>>{{"--root", prefix_}, {"--site", site_}}) {
    for (bool fast : {false, true}) {
      SCOPED_TRACE(target[0] + (fast ? " --fast" : ""));
      json s = scan(target, fast);
      std::set<std::string> names;
      for (const auto& p : s["packages"]) names.insert(p["name"].get<std::string>());
      EXPECT_EQ(names, (std::set<std::string>{"demo", "extra", "libdemo", "python"}));

      const json* demo = package(s, "demo");
      ASSERT_NE(demo, nullptr);
      EXPECT_EQ((*demo)["installer"], "conda");
      EXPECT_EQ((*demo)["format"], "dist-info");
      EXPECT_EQ((*demo)["conda-name"], "demo-py");
      EXPECT_EQ((*demo)["build"], "py311h0000000_0");
      EXPECT_EQ((*demo)["channel"], "https://conda.anaconda.org/conda-forge/linux-64");
      EXPECT_EQ((*demo)["files"]["count"], 5) << "conda's list, not the RECORD's single row";

      const json* lib = package(s, "libdemo");
      ASSERT_NE(lib, nullptr);
      EXPECT_EQ((*lib)["installer"], "conda");
      EXPECT_EQ((*lib)["format"], "conda");
      EXPECT_EQ((*lib)["version"], "1.0");
      EXPECT_EQ((*lib)["build"], "h1234567_0");
      EXPECT_EQ((*lib)["location"], prefix_);
      EXPECT_EQ((*lib)["files"]["count"], 2);
      EXPECT_FALSE(lib->contains("conda-name"));

      const json* extra = package(s, "extra");
      ASSERT_NE(extra, nullptr);
      EXPECT_EQ((*extra)["installer"], "pip");
      EXPECT_FALSE(extra->contains("channel"));

      // The extension module and the conda library it loads, each owned by its package.
      const json* core = native(s, site_ + "/demo/_core.so");
      ASSERT_NE(core, nullptr) << s.dump(1);
      EXPECT_EQ((*core)["owner"], "demo");
      EXPECT_EQ((*core)["resolved"]["libdemo.so.1"], site_ + "/demo/../../../libdemo.so.1");
      const json* so = native(s, prefix_ + "/lib/libdemo.so.1");
      ASSERT_NE(so, nullptr);
      EXPECT_EQ((*so)["owner"], "libdemo");

      // Nothing is a drop-in: pip's package beside conda's, conda's README.
      EXPECT_TRUE(s.value("integrity", json::array()).empty()) << s["integrity"].dump(1);
      for (const auto& e : s.value("site-entries", json::array())) {
        EXPECT_NE(e["owner"], "") << e.dump();
      }
    }
  }
}

TEST_F(CondaPrefix, AnUnchangedPrefixPassesAndAModifiedCondaFileBlocks) {
  const std::string lock = tmp_ / "lock.toml";
  auto l = envlock({"lock", "--root", prefix_, "-o", lock, "--no-cache"});
  ASSERT_EQ(l.status, 0) << l.err;
  for (bool fast : {false, true}) {
    auto o = check(lock, {"--root", prefix_}, fast);
    EXPECT_EQ(o.status, 0) << o.raw;
  }

  // A file of a conda package that is no Python distribution, and one of a
  // distribution conda installed: both are RECORD-style mismatches.
  write_file(prefix_ + "/lib/python3.11/os.py", "# os, patched\n");
  write_file(site_ + "/demo/__init__.py", "import evil\n");
  auto o = check(lock, {"--root", prefix_});
  EXPECT_EQ(o.status, 1) << o.raw;
  std::set<std::string> modified;
  for (const auto& f : findings(o, "file-modified")) {
    EXPECT_EQ(f["severity"], "block") << f.dump();
    EXPECT_NE(f["message"].get<std::string>().find("differs from its conda-meta record"),
              std::string::npos)
        << f.dump();
    modified.insert(f["subject"].get<std::string>());
  }
  EXPECT_EQ(modified, (std::set<std::string>{"lib/python3.11/os.py", "demo/__init__.py"})) << o.raw;
}

TEST_F(CondaPrefix, AnotherBuildOfTheSameVersionIsPackageChanged) {
  const std::string lock = tmp_ / "lock.toml";
  auto l = envlock({"lock", "--root", prefix_, "-o", lock, "--no-cache", "--fast"});
  ASSERT_EQ(l.status, 0) << l.err;
  std::filesystem::remove(prefix_ + "/conda-meta/libdemo-1.0-h1234567_0.json");
  record("libdemo", "1.0", "h7654321_1",
         {{"files", {"lib/libdemo.so.1"}}, {"softlinks", {"lib/libdemo.so"}}});
  auto o = check(lock, {"--root", prefix_}, true);
  EXPECT_EQ(o.status, 1) << o.raw;
  auto changed = findings(o, "package-changed");
  ASSERT_EQ(changed.size(), 1u) << o.raw;
  EXPECT_EQ(changed[0]["subject"], "libdemo");
  EXPECT_EQ(changed[0]["lock"], "h1234567_0");
  EXPECT_EQ(changed[0]["target"], "h7654321_1");
}

TEST_F(CondaPrefix, AHostileRecordIsADiagnosticAndTheScanGoesOn) {
  write_file(
      prefix_ + "/conda-meta/evil-1-0.json",
      R"({"name": "evil", "version": "1", "paths_data": {"paths": [{"_path": "../../../etc/passwd"}]}})");
  write_file(prefix_ + "/conda-meta/broken-1-0.json", "{\"name\": ");
  json s = scan({"--root", prefix_});
  EXPECT_EQ(package(s, "evil"), nullptr);
  EXPECT_NE(package(s, "libdemo"), nullptr);
  std::set<std::string> subjects;
  for (const auto& d : s.value("diagnostics", json::array()))
    subjects.insert(d["subject"].get<std::string>());
  EXPECT_TRUE(subjects.count(prefix_ + "/conda-meta/evil-1-0.json")) << s["diagnostics"].dump(1);
  EXPECT_TRUE(subjects.count(prefix_ + "/conda-meta/broken-1-0.json")) << s["diagnostics"].dump(1);
}

}  // namespace
}  // namespace envlock
