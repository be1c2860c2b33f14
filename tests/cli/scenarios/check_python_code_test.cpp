// Through the binary: code Python runs that no RECORD hash vouches for.
// A real venv, packages installed by the venv's own pip from wheels built
// here, byte code compiled by pip and by the interpreter itself.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::run;
using testing::TempDir;
using testing::write_file;

// Writes <dir>/<name>-<version>-py3-none-any.whl: one module, a complete RECORD.
const char* kMakeWheel = R"(
import base64, hashlib, sys, zipfile
out, name, version, source = sys.argv[1:5]
info = f"{name}-{version}.dist-info"
files = {
    f"{name}/__init__.py": source.encode(),
    f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
    f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = ""
for path, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record += f"{path},sha256={digest},{len(data)}\n"
files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
with zipfile.ZipFile(f"{out}/{name}-{version}-py3-none-any.whl", "w") as z:
    for path, data in files.items():
        z.writestr(path, data)
)";

// Replaces the pyc of a source with other code under the header the real one
// has (the source's mtime and size), as an attacker who can write the venv
// would: Python then runs it without reading the source.
const char* kForgePyc = R"(
import importlib._bootstrap_external as bootstrap, importlib.util, os, sys
source, code_text = sys.argv[1:3]
st = os.stat(source)
code = compile(code_text, source, "exec")
with open(importlib.util.cache_from_source(source), "wb") as f:
    f.write(bootstrap._code_to_timestamp_pyc(code, st.st_mtime, st.st_size))
)";

class CheckPythonCode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = run({"python3", "-m", "venv", dir_->path() + "/venv"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto site = run({python(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"});
    site_ = new std::string(site.out.substr(0, site.out.find('\n')));
    auto tag = run({python(), "-c", "import sys; print(sys.implementation.cache_tag)"});
    tag_ = new std::string(tag.out.substr(0, tag.out.find('\n')));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete site_;
    delete tag_;
  }
  static std::string python() { return dir_->path() + "/venv/bin/python"; }

  static void install(const std::string& name, const std::string& source,
                      const std::vector<std::string>& pip_options = {}) {
    TempDir wheels;
    auto made = run({"python3", "-c", kMakeWheel, wheels.path(), name, "1.0", source});
    ASSERT_EQ(made.status, 0) << made.err;
    std::vector<std::string> argv{"env",
                                  "-u",
                                  "PYTHONDONTWRITEBYTECODE",
                                  python(),
                                  "-m",
                                  "pip",
                                  "install",
                                  "--no-index",
                                  "--no-deps",
                                  "--disable-pip-version-check",
                                  "--no-cache-dir",
                                  "-q"};
    argv.insert(argv.end(), pip_options.begin(), pip_options.end());
    argv.push_back(wheels / (name + "-1.0-py3-none-any.whl"));
    auto installed = run(argv);
    ASSERT_EQ(installed.status, 0) << installed.err;
  }
  // Imports the module as a deployment would: writing byte code (the
  // caller's PYTHONDONTWRITEBYTECODE, if any, is dropped).
  static std::string call(const std::string& module) {
    auto r = run({"env", "-u", "PYTHONDONTWRITEBYTECODE", python(), "-c",
                  "import " + module + "; print(" + module + ".answer())"});
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
  }
  static testing::Run check(const std::string& lock, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"check",  "--lock",   lock,  "--python",
                                  python(), "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return envlock(args);
  }
  // The file-modified findings of a check, "severity subject | message".
  static std::vector<std::string> file_findings(const testing::Run& r) {
    std::vector<std::string> out;
    auto report = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(report.is_object()) << r.out << r.err;
    if (!report.is_object()) return out;
    for (const auto& f : report["findings"]) {
      if (f["category"] != "file-modified" || f["severity"] == "info") continue;
      out.push_back(f["severity"].get<std::string>() + " " + f["subject"].get<std::string>() +
                    " | " + f["message"].get<std::string>());
    }
    return out;
  }

  static TempDir* dir_;
  static std::string* site_;
  static std::string* tag_;
};
TempDir* CheckPythonCode::dir_ = nullptr;
std::string* CheckPythonCode::site_ = nullptr;
std::string* CheckPythonCode::tag_ = nullptr;

TEST_F(CheckPythonCode, SwappedByteCodeWithTheSourcesHeaderBlocks) {
  install("swapped", "def answer():\n    return 42\n");
  const std::string source = *site_ + "/swapped/__init__.py";
  const std::string pyc = "swapped/__pycache__/__init__." + *tag_ + ".pyc";
  ASSERT_TRUE(std::filesystem::exists(*site_ + "/" + pyc)) << "pip compiles at install";
  TempDir work;
  const std::string lock = work / "lock.toml";
  ASSERT_EQ(envlock({"lock", "--python", python(), "-o", lock}).status, 0);
  const std::string text = testing::read_file(lock);
  EXPECT_NE(text.find("[[bytecode]]\npath = \"" + pyc + "\""), std::string::npos) << text;

  auto unchanged = check(lock);
  EXPECT_EQ(unchanged.status, 0) << unchanged.out;
  EXPECT_EQ(file_findings(unchanged), std::vector<std::string>{});

  auto forged = run({python(), "-c", kForgePyc, source, "def answer():\n    return 666\n"});
  ASSERT_EQ(forged.status, 0) << forged.err;
  ASSERT_EQ(call("swapped"), "666\n") << "the attack is real: Python ran the forged pyc";
  auto blocked = check(lock);
  EXPECT_EQ(blocked.status, 1) << blocked.out;
  auto findings = file_findings(blocked);
  ASSERT_EQ(findings.size(), 1u) << blocked.out;
  EXPECT_TRUE(findings[0].starts_with("block " + pyc + " | ")) << findings[0];
  EXPECT_NE(findings[0].find("(bytecode-modified)"), std::string::npos) << findings[0];

  // A lock made with --fast knows no byte code: nothing to compare, no finding.
  const std::string fast_lock = work / "fast.toml";
  ASSERT_EQ(envlock({"lock", "--fast", "--python", python(), "-o", fast_lock}).status, 0);
  EXPECT_EQ(file_findings(check(fast_lock)), std::vector<std::string>{});
  // A --fast check reads no byte code.
  EXPECT_EQ(file_findings(check(lock, {"--fast"})), std::vector<std::string>{});

  // The source touched: the forged pyc is stale, Python would compile the
  // source again. Noise, not a finding.
  auto touched = run({python(), "-c",
                      "import os, sys; st = os.stat(sys.argv[1]);"
                      " os.utime(sys.argv[1], (st.st_atime, st.st_mtime + 10))",
                      source});
  ASSERT_EQ(touched.status, 0) << touched.err;
  auto stale = check(lock);
  EXPECT_EQ(stale.status, 0) << stale.out;
  EXPECT_EQ(file_findings(stale), std::vector<std::string>{});
}

TEST_F(CheckPythonCode, ByteCodeTheLockNeverSawBlocksUnlessThePolicyRelaxesIt) {
  install("late", "def answer():\n    return 7\n", {"--no-compile"});
  ASSERT_FALSE(std::filesystem::exists(*site_ + "/late/__pycache__"));
  TempDir work;
  const std::string lock = work / "lock.toml";
  ASSERT_EQ(envlock({"lock", "--python", python(), "-o", lock}).status, 0);
  EXPECT_EQ(check(lock).status, 0);

  ASSERT_EQ(call("late"), "7\n");  // writes late/__pycache__/__init__.<tag>.pyc
  const std::string pyc = "late/__pycache__/__init__." + *tag_ + ".pyc";
  auto blocked = check(lock);
  EXPECT_EQ(blocked.status, 1) << blocked.out;
  auto findings = file_findings(blocked);
  ASSERT_EQ(findings.size(), 1u) << blocked.out;
  EXPECT_TRUE(findings[0].starts_with("block " + pyc + " | ")) << findings[0];
  EXPECT_NE(findings[0].find("(bytecode-new)"), std::string::npos) << findings[0];

  write_file(work / "policy.toml", "[files]\nnew-bytecode = \"warn\"\n");
  auto relaxed = check(lock, {"--policy", work / "policy.toml"});
  EXPECT_EQ(relaxed.status, 0) << relaxed.out;
}

TEST_F(CheckPythonCode, EditedEditableProjectBlocks) {
  // What `pip install -e` leaves with a PEP 660 backend (setuptools >= 64):
  // a .pth naming the source directory and a dist-info whose RECORD lists
  // only that. Built by hand: a real build needs setuptools and wheel in
  // the venv, and the versions a machine has differ in what they write.
  TempDir proj;
  write_file(proj / "src/edpkg/__init__.py", "def answer():\n    return 1\n");
  write_file(proj / "pyproject.toml", "[project]\nname = \"edpkg\"\nversion = \"0.1\"\n");
  const std::string info = *site_ + "/edpkg-0.1.dist-info";
  const std::string pth = "__editable__.edpkg-0.1.pth";
  write_file(*site_ + "/" + pth, proj / "src" + "\n");
  write_file(info + "/METADATA", "Metadata-Version: 2.1\nName: edpkg\nVersion: 0.1\n");
  write_file(info + "/INSTALLER", "pip\n");
  write_file(info + "/direct_url.json",
             R"({"dir_info": {"editable": true}, "url": "file://)" + proj.path() + "\"}");
  auto record =
      run({"python3", "-c",
           "import base64, hashlib, sys, os\n"
           "site, names = sys.argv[1], sys.argv[2:]\n"
           "for n in names:\n"
           "    d = open(os.path.join(site, n), 'rb').read()\n"
           "    h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()\n"
           "    print(f'{n},sha256={h},{len(d)}')\n"
           "print('edpkg-0.1.dist-info/RECORD,,')\n",
           *site_, pth, "edpkg-0.1.dist-info/METADATA", "edpkg-0.1.dist-info/INSTALLER",
           "edpkg-0.1.dist-info/direct_url.json"});
  ASSERT_EQ(record.status, 0) << record.err;
  write_file(info + "/RECORD", record.out);
  ASSERT_EQ(call("edpkg"), "1\n") << "the editable install works (and wrote its pyc)";

  TempDir work;
  const std::string lock = work / "lock.toml";
  ASSERT_EQ(envlock({"lock", "--python", python(), "-o", lock}).status, 0);
  EXPECT_NE(testing::read_file(lock).find("editable = { count = 2, digest = \"sha256:"),
            std::string::npos);
  auto unchanged = check(lock);
  EXPECT_EQ(unchanged.status, 0) << unchanged.out;
  EXPECT_EQ(file_findings(unchanged), std::vector<std::string>{});

  write_file(proj / "src/edpkg/__init__.py", "def answer():\n    return 2\n");
  auto edited = check(lock);
  EXPECT_EQ(edited.status, 1) << edited.out;
  auto findings = file_findings(edited);
  ASSERT_EQ(findings.size(), 1u) << edited.out;
  EXPECT_EQ(findings[0], "block file://" + proj.path() +
                             " | edpkg 0.1: the sources of its "
                             "editable project (file://" +
                             proj.path() + ") differ from the lock (2 files locked, 2 files now)");

  // The same content again (a new mtime): passes. The pyc Python wrote for
  // the first content is stale now and is not loaded.
  write_file(proj / "src/edpkg/__init__.py", "def answer():\n    return 1\n");
  auto restored = check(lock);
  EXPECT_EQ(restored.status, 0) << restored.out;

  // The project's byte code is pinned like a wheel's.
  ASSERT_EQ(call("edpkg"), "1\n");  // a genuine pyc for the current source
  const std::string lock2 = work / "lock2.toml";
  ASSERT_EQ(envlock({"lock", "--python", python(), "-o", lock2}).status, 0);
  auto forged = run({python(), "-c", kForgePyc, proj / "src/edpkg/__init__.py",
                     "def answer():\n    return 666\n"});
  ASSERT_EQ(forged.status, 0) << forged.err;
  ASSERT_EQ(call("edpkg"), "666\n");
  auto swapped = check(lock2);
  EXPECT_EQ(swapped.status, 1) << swapped.out;
  findings = file_findings(swapped);
  ASSERT_EQ(findings.size(), 1u) << swapped.out;
  EXPECT_TRUE(findings[0].starts_with("block src/edpkg/__pycache__/__init__." + *tag_ + ".pyc | "))
      << findings[0];

  std::filesystem::remove_all(info);
  std::filesystem::remove(*site_ + "/" + pth);
}

}  // namespace
}  // namespace envlock
