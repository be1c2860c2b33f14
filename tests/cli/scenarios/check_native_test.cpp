// Integration tests for locked native objects that disappear: a venv with a
// real extension module (compiled here against the venv interpreter's own
// headers) is locked, the module is deleted, and every way of checking it —
// full and --fast, live (--python) and static (--root) — must block with
// native-missing. Ground truth: the venv's interpreter imports the module
// before the deletion and cannot after it.

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

constexpr const char* kModule = R"C(
#include <Python.h>
#include <math.h>
static PyObject* answer(PyObject* self, PyObject* args) {
  (void)self; (void)args;
  return PyFloat_FromDouble(sqrt(1764.0));
}
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&def); }
)C";

// Writes the dist-info of `demo` 1.0 for every file under site/demo, with a
// RECORD hashing each as pip does.
constexpr const char* kRecord = R"PY(
import base64, hashlib, os, sys
site = sys.argv[1]
info = "demo-1.0.dist-info"
os.makedirs(os.path.join(site, info), exist_ok=True)
for name, text in (("METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"), ("INSTALLER", "pip\n")):
    with open(os.path.join(site, info, name), "w") as f:
        f.write(text)
rows = []
for top in ("demo", info):
    for root, _, files in os.walk(os.path.join(site, top)):
        for n in sorted(files):
            path = os.path.join(root, n)
            rel = os.path.relpath(path, site)
            data = open(path, "rb").read()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append("%s,sha256=%s,%d" % (rel, digest, len(data)))
rows.append(info + "/RECORD,,")
with open(os.path.join(site, info, "RECORD"), "w") as f:
    f.write("\n".join(rows) + "\n")
)PY";

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

class CheckNative : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    venv_ = tmp_ / "venv";
    auto r = run({"python3", "-m", "venv", "--without-pip", venv_});
    ASSERT_EQ(r.status, 0) << r.err;
    auto q = run(
        {python(), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib']); "
         "print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))"});
    ASSERT_EQ(q.status, 0) << q.err;
    std::string rest = q.out;
    site_ = first_line(rest);
    rest = rest.substr(rest.find('\n') + 1);
    const std::string include = first_line(rest);
    const std::string suffix = first_line(rest.substr(rest.find('\n') + 1));
    if (!std::filesystem::exists(include + "/Python.h")) {
      GTEST_SKIP() << "no Python.h for the venv's interpreter in " << include;
    }
    write_file(site_ + "/demo/__init__.py", "");
    write_file(tmp_ / "ext.c", kModule);
    module_ = site_ + "/demo/_ext" + suffix;
    auto cc = run({"cc", "-shared", "-fPIC", "-I" + include, "-o", module_, tmp_ / "ext.c", "-lm"});
    ASSERT_EQ(cc.status, 0) << cc.err;
    auto rec = run({"python3", "-c", kRecord, site_});
    ASSERT_EQ(rec.status, 0) << rec.err;
  }

  std::string python() const { return venv_ + "/bin/python"; }

  // The venv's own interpreter: can it import the module?
  bool imports() const {
    return run({python(), "-c", "import demo._ext; assert demo._ext.answer() == 42.0"}).status == 0;
  }

  std::string lock(bool fast) const {
    std::string path = tmp_ / (fast ? "fast.toml" : "full.toml");
    std::vector<std::string> args{"lock", "--python", python(), "-o", path, "--no-cache"};
    if (fast) args.push_back("--fast");
    auto r = envlock(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return path;
  }

  TempDir tmp_;
  std::string venv_, site_, module_;
};

struct Outcome {
  int status = -1;
  std::vector<nlohmann::json> missing;  ///< native-missing findings
  std::string raw;
};

Outcome check(const std::string& lock, std::vector<std::string> target, bool fast) {
  std::vector<std::string> args{"check", "--lock", lock, "--format", "json", "--no-cache"};
  args.insert(args.end(), target.begin(), target.end());
  if (fast) args.push_back("--fast");
  auto r = envlock(args);
  Outcome o{r.status, {}, r.out + r.err};
  if (r.out.empty() || r.out.front() != '{') return o;
  const auto report = nlohmann::json::parse(r.out);
  for (const auto& f : report["findings"]) {
    if (f["category"] == "native-missing") o.missing.push_back(f);
  }
  return o;
}

// GetParam(): the lock was taken with --fast.
TEST_P(CheckNative, ADeletedExtensionModuleIsNativeMissingInEveryMode) {
  ASSERT_TRUE(imports()) << "the compiled module does not import";
  const std::string lock_file = lock(GetParam());
  for (bool fast : {false, true}) {
    auto before = check(lock_file, {"--python", python()}, fast);
    EXPECT_EQ(before.status, 0) << before.raw;
  }

  std::filesystem::remove(module_);
  ASSERT_FALSE(imports());
  const std::vector<std::vector<std::string>> targets = {{"--python", python()}, {"--root", venv_}};
  for (const auto& target : targets) {
    for (bool fast : {false, true}) {
      SCOPED_TRACE(target[0] + (fast ? " --fast" : ""));
      auto after = check(lock_file, target, fast);
      EXPECT_EQ(after.status, 1) << after.raw;
      ASSERT_EQ(after.missing.size(), 1u) << after.raw;
      EXPECT_EQ(after.missing[0]["subject"], module_);
      EXPECT_EQ(after.missing[0]["severity"], "block");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LockMode, CheckNative, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "FastLock" : "FullLock"; });

}  // namespace
}  // namespace envlock
