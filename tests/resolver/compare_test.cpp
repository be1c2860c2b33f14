#include "resolver/compare.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "resolver/compare_parts.hpp"
#include "resolver/specifier.hpp"

namespace envlock::resolver {
namespace {

using lockfile::Fingerprint;
using lockfile::Gpu;
using lockfile::Native;
using lockfile::Package;

lockfile::Python cpython(std::string version, std::string abi = "cp311") {
  lockfile::Python py;
  py.implementation = "cpython";
  py.version = std::move(version);
  py.abi = std::move(abi);
  py.platform = "linux_x86_64";
  return py;
}

Package pkg(std::string name, std::string version, std::vector<std::string> requires_dist = {}) {
  Package p;
  p.name = std::move(name);
  p.raw_name = p.name;
  p.version = std::move(version);
  p.location = "/venv/lib/python3.11/site-packages";
  p.requires_dist = std::move(requires_dist);
  return p;
}

Fingerprint env(std::vector<Package> packages = {}) {
  Fingerprint fp;
  fp.python = cpython("3.11.7");
  fp.packages = std::move(packages);
  return fp;
}

// One line per finding: "severity category subject lock target | message".
std::string render(const Report& report) {
  std::ostringstream out;
  for (const auto& f : report.findings) {
    out << to_string(f.severity) << " " << f.category << " " << f.subject << " "
        << f.lock.value_or("null") << " " << f.target.value_or("null") << " | " << f.message;
    if (f.requirement) out << " [" << *f.requirement << "]";
    out << "\n";
  }
  return out.str();
}

std::string run(const Fingerprint& lock, const Fingerprint& target,
                const Policy& policy = default_policy()) {
  return render(compare(lock, target, policy));
}

TEST(Compare, IdenticalEnvironmentsPass) {
  const auto fp = env({pkg("numpy", "1.26.4"), pkg("rich", "13.7.1")});
  const Report r = compare(fp, fp, default_policy());
  EXPECT_TRUE(r.findings.empty()) << render(r);
  EXPECT_EQ(r.verdict(), "pass");
  EXPECT_TRUE(r.lock.empty());
}

// Two metadata copies of one name in one directory: which loads depends on
// the directory order, so it is reported even when the lock has it too.
TEST(Compare, DuplicateMetadataInOneDirectoryIsAWarning) {
  auto old_copy = pkg("dup", "1.0");
  old_copy.format = "dist-info";
  old_copy.shadowed = true;
  auto new_copy = pkg("dup", "2.0");
  new_copy.format = "egg-info";
  auto elsewhere = pkg("other", "1.0");
  auto shadowed_elsewhere = pkg("other", "0.9");
  shadowed_elsewhere.location = "/usr/lib/python3/dist-packages";
  shadowed_elsewhere.shadowed = true;
  const auto target = env({old_copy, new_copy, elsewhere, shadowed_elsewhere});
  EXPECT_EQ(run(target, target),
            "warn package-duplicate dup null 2.0 | dup has 2 metadata copies in "
            "/venv/lib/python3.11/site-packages: 1.0 (dist-info), 2.0 (egg-info); Python loads the "
            "first in directory order, which the filesystem decides (this scan took 2.0)\n");
  Policy policy = default_policy();
  policy.packages_duplicate = Action::kIgnore;
  EXPECT_EQ(run(target, target, policy), "");
}

TEST(Compare, InvalidRequiresDistIsAFindingAndChecksNothing) {
  const auto target = env({pkg("a", "1.0", {"missing>=1", "b >= = 1"})});
  EXPECT_EQ(run(env(), target, default_policy()).find("dependency-broken"), std::string::npos);
  EXPECT_EQ(run(env({pkg("a", "1.0")}), target),
            "warn metadata-invalid a null b >= = 1 | a 1.0: Requires-Dist 'b >= = 1' is not valid "
            "PEP 508; none of its requirements are checked\n");
  EXPECT_EQ(run(target, target),
            "info metadata-invalid a null b >= = 1 | a 1.0: Requires-Dist 'b >= = 1' is not valid "
            "PEP 508; none of its requirements are checked (also in the lock)\n");
  Policy policy = default_policy();
  policy.packages_invalid = Action::kBlock;
  policy.packages_broken = Action::kIgnore;
  EXPECT_EQ(run(target, target, policy).substr(0, 22), "info metadata-invalid ");
  EXPECT_EQ(run(env({pkg("a", "1.0")}), target, policy).substr(0, 23), "block metadata-invalid ");
}

TEST(Compare, PackagesChangedMissingExtra) {
  const auto lock = env({pkg("numpy", "1.26.4"), pkg("pandas", "2.2.0"), pkg("torch", "2.1.0")});
  const auto target = env({pkg("numpy", "2.0.0"), pkg("pandas", "2.2"), pkg("rich", "13.7.1")});
  const Report r = compare(lock, target, default_policy());
  EXPECT_EQ(render(r),
            "block package-changed numpy 1.26.4 2.0.0 | numpy 1.26.4 -> 2.0.0\n"
            "block package-missing torch 2.1.0 null | torch 2.1.0 is locked but not installed\n"
            "warn package-extra rich null 13.7.1 | rich 13.7.1 is installed but not locked\n");
  EXPECT_EQ(r.verdict(), "blocked");
}

TEST(Compare, VersionsCompareAsPep440) {
  EXPECT_EQ(run(env({pkg("a", "1.0"), pkg("b", "v1.0.post0")}),
                env({pkg("a", "1.0.0"), pkg("b", "1.0-0")})),
            "");
  EXPECT_EQ(run(env({pkg("torch", "2.1.0+cu118")}), env({pkg("torch", "2.1.0+cpu")})),
            "block package-changed torch 2.1.0+cu118 2.1.0+cpu | torch 2.1.0+cu118 -> 2.1.0+cpu\n");
}

TEST(Compare, AllowedVersionsBecomeInfo) {
  Policy policy = default_policy();
  policy.allow.emplace("certifi", *parse_specifier_set(">=2024.1"));
  policy.allow_text.emplace("certifi", ">=2024.1");
  const auto lock = env({pkg("certifi", "2024.2.2")});
  EXPECT_EQ(run(lock, env({pkg("certifi", "2024.7.4")}), policy),
            "info package-changed certifi 2024.2.2 2024.7.4 | certifi 2024.2.2 -> 2024.7.4 "
            "(allowed by >=2024.1)\n");
  EXPECT_EQ(run(lock, env({pkg("certifi", "2023.11.17")}), policy),
            "block package-changed certifi 2024.2.2 2023.11.17 | certifi 2024.2.2 -> 2023.11.17\n");
  // Installed pre-releases match (PEP 440, versions already installed).
  EXPECT_EQ(run(lock, env({pkg("certifi", "2025.1rc1")}), policy),
            "info package-changed certifi 2024.2.2 2025.1rc1 | certifi 2024.2.2 -> 2025.1rc1 "
            "(allowed by >=2024.1)\n");
  // A policy built in code may leave allow_text out: the specifier prints itself.
  Policy coded = default_policy();
  coded.allow.emplace("certifi", *parse_specifier_set("<2030, >=2024.1"));
  EXPECT_EQ(run(lock, env({pkg("certifi", "2024.7.4")}), coded),
            "info package-changed certifi 2024.2.2 2024.7.4 | certifi 2024.2.2 -> 2024.7.4 "
            "(allowed by <2030,>=2024.1)\n");
}

TEST(Compare, IgnoredPackagesAndActions) {
  Policy policy = default_policy();
  policy.ignore = {"pip", "zope-interface"};
  policy.packages_extra = Action::kIgnore;
  policy.packages_missing = Action::kWarn;
  const auto lock = env({pkg("pip", "23.0"), pkg("zope.interface", "6.0"), pkg("attrs", "23.1.0")});
  const auto target = env({pkg("pip", "24.0"), pkg("rich", "13.7.1")});
  EXPECT_EQ(run(lock, target, policy),
            "warn package-missing attrs 23.1.0 null | attrs 23.1.0 is locked but not installed\n");
  // The default ignores pip, setuptools and wheel.
  EXPECT_EQ(run(env({pkg("setuptools", "69.0")}), env({pkg("setuptools", "70.0")})), "");
}

TEST(Compare, NamesAreNormalizedAndShadowedCopiesSkipped) {
  auto shadowed = pkg("numpy", "1.24.0");
  shadowed.shadowed = true;
  shadowed.location = "/usr/lib/python3/dist-packages";
  const auto lock = env({pkg("Zope_Interface", "6.0"), pkg("numpy", "1.26.4")});
  auto target = env({pkg("zope-interface", "6.0"), shadowed, pkg("numpy", "1.26.4")});
  EXPECT_EQ(run(lock, target), "");
}

TEST(Compare, SameVersionOtherContent) {
  auto l = pkg("numpy", "1.26.4");
  l.files.digest = "sha256:aaaa";
  l.metadata = "sha256:1111";
  auto t = l;
  t.files.digest = "sha256:bbbb";
  EXPECT_EQ(run(env({l}), env({t})),
            "block package-changed numpy sha256:aaaa sha256:bbbb | numpy 1.26.4: installed files "
            "differ from the lock\n");
  t.files.digest = l.files.digest;
  t.metadata = "sha256:2222";
  EXPECT_EQ(run(env({l}), env({t})),
            "block package-changed numpy sha256:1111 sha256:2222 | numpy 1.26.4: METADATA differs "
            "from the lock\n");
  t.metadata = l.metadata;
  l.direct_hash = "sha1=abc";
  t.direct_hash = "sha1=def";
  EXPECT_EQ(run(env({l}), env({t})),
            "block package-changed numpy sha1=abc sha1=def | numpy 1.26.4 was installed from "
            "another source revision\n");
  // Unknown on one side (a --fast scan without digest) is not a difference.
  t.direct_hash.clear();
  t.files.digest.clear();
  EXPECT_EQ(run(env({l}), env({t})), "");
}

TEST(Compare, Python) {
  Fingerprint lock = env();
  Fingerprint target = env();
  target.python = cpython("3.11.9");
  EXPECT_EQ(run(lock, target),
            "info python version 3.11.7 3.11.9 | python 3.11.7 -> 3.11.9 (same minor version)\n");
  target.python = cpython("3.12.1", "cp312");
  EXPECT_EQ(run(lock, target),
            "block python version 3.11.7 3.12.1 | python 3.11.7 -> 3.12.1 (policy python.version = "
            "minor)\n");
  Policy major = default_policy();
  major.python_version = VersionMatch::kMajor;
  EXPECT_EQ(run(lock, target, major),
            "info python version 3.11.7 3.12.1 | python 3.11.7 -> 3.12.1 (same major version)\n");
  Policy exact = default_policy();
  exact.python_version = VersionMatch::kExact;
  target.python = cpython("3.11.9");
  EXPECT_EQ(run(lock, target, exact),
            "block python version 3.11.7 3.11.9 | python 3.11.7 -> 3.11.9 (policy python.version = "
            "exact)\n");
  Policy ignore = default_policy();
  ignore.python_version = VersionMatch::kIgnore;
  EXPECT_EQ(run(lock, target, ignore),
            "info python version 3.11.7 3.11.9 | python 3.11.7 -> 3.11.9 (python.version = "
            "ignore)\n");

  target.python = cpython("3.11.7", "cp311d");
  target.python->implementation = "pypy";
  target.python->platform = "linux_aarch64";
  EXPECT_EQ(run(lock, target),
            "block python abi cp311 cp311d | python ABI cp311 -> cp311d\n"
            "block python implementation cpython pypy | python implementation cpython -> pypy\n"
            "block python platform linux_x86_64 linux_aarch64 | python platform linux_x86_64 -> "
            "linux_aarch64\n");
  target.python.reset();  // not scanned: nothing to compare
  EXPECT_EQ(run(lock, target), "");
}

TEST(Compare, DependencyBroken) {
  const auto lock = env({pkg("base", "2.1"), pkg("app", "1.0", {"base>=2", "extra-only; extra == 'x'"})});
  const auto target = env({pkg("base", "1.5"), pkg("app", "1.0", {"base>=2", "gone>=1 ; python_version >= '3'"})});
  const Report r = compare(lock, target, default_policy());
  EXPECT_EQ(render(r),
            "block package-changed base 2.1 1.5 | base 2.1 -> 1.5\n"
            "warn dependency-broken app 2.1 1.5 | app 1.0 requires base>=2, but base 1.5 is installed "
            "[base>=2]\n"
            "warn dependency-broken app null null | app 1.0 requires gone>=1, which is not installed "
            "[gone>=1]\n");
}

TEST(Compare, DependencyBrokenInTheLockIsInfo) {
  const auto fp = env({pkg("app", "1.0", {"missing-dep"})});
  EXPECT_EQ(run(fp, fp),
            "info dependency-broken app null null | app 1.0 requires missing-dep, which is not "
            "installed (also in the lock) [missing-dep]\n");
  Policy off = default_policy();
  off.packages_broken = Action::kIgnore;
  EXPECT_EQ(run(fp, fp, off), "");
}

TEST(Compare, WheelIncompatible) {
  auto lock = env({pkg("numpy", "2.0.0")});
  lock.packages[0].wheel_tags = {"cp311-cp311-manylinux_2_17_x86_64"};
  lock.os = lockfile::Os{};
  lock.os->glibc = "2.36";
  auto target = lock;
  target.os->glibc = "2.12";
  EXPECT_EQ(run(lock, target),
            "warn os glibc 2.36 2.12 | os glibc 2.36 -> 2.12\n"
            "warn wheel-incompatible numpy null cp311-cp311-manylinux_2_17_x86_64 | numpy 2.0.0 "
            "cannot run on the target: manylinux_2_17_x86_64 needs glibc 2.17, the target has "
            "2.12\n");
  EXPECT_EQ(run(target, target),
            "info wheel-incompatible numpy null cp311-cp311-manylinux_2_17_x86_64 | numpy 2.0.0 "
            "cannot run on the target: manylinux_2_17_x86_64 needs glibc 2.17, the target has "
            "2.12 (also in the lock)\n");
}

TEST(Compare, FileModified) {
  auto problem = [](std::string path, std::string package, std::string kind,
                    std::string expected = "", std::string actual = "") {
    return lockfile::FileProblem{std::move(path), std::move(package), "/site", std::move(kind),
                                 std::move(expected), std::move(actual)};
  };
  Fingerprint lock = env();
  Fingerprint target = env();
  target.integrity = {
      problem("numpy/core/_methods.py", "numpy", "modified", "sha256=AAA", "sha256=BBB"),
      problem("numpy/linalg/linalg.py", "numpy", "deleted", "sha256=CCC"),
      problem("numpy/evil.py", "", "unowned", "", "sha256=DDD"),
      problem("numpy/__pycache__/x.cpython-311.pyc", "", "bytecode", "", "sha256=EEE"),
      problem("", "python-apt", "unverifiable"),
      problem("six.py", "six", "modified", "sha256=FFF", "sha256=GGG"),
  };
  lock.integrity = {problem("six.py", "six", "modified", "sha256=FFF", "sha256=GGG")};
  EXPECT_EQ(run(lock, target),
            "block file-modified numpy/core/_methods.py sha256=AAA sha256=BBB | "
            "numpy/core/_methods.py (numpy) differs from its RECORD\n"
            "block file-modified numpy/evil.py null sha256=DDD | numpy/evil.py is in a package "
            "directory but no RECORD lists it\n"
            "block file-modified numpy/linalg/linalg.py sha256=CCC null | numpy/linalg/linalg.py "
            "(numpy) is listed in RECORD but missing\n"
            "info file-modified numpy/__pycache__/x.cpython-311.pyc null sha256=EEE | "
            "numpy/__pycache__/x.cpython-311.pyc is a byte-code cache no RECORD lists\n"
            "info file-modified python-apt null null | integrity could not be checked for "
            "python-apt: no RECORD or file list\n"
            "info file-modified six.py sha256=FFF sha256=GGG | six.py (six) differs from its RECORD "
            "(also in the lock)\n");
}

Native native(std::string path, std::string owner, std::vector<std::string> needed,
              std::map<std::string, std::string> resolved, std::string soname = "",
              std::string sha = "", std::string glibc_max = "") {
  Native n;
  n.path = std::move(path);
  n.owner = std::move(owner);
  n.needed = std::move(needed);
  n.resolved = std::move(resolved);
  n.soname = std::move(soname);
  n.sha256 = std::move(sha);
  n.glibc_max = std::move(glibc_max);
  return n;
}

TEST(Compare, NativeMissingAndChanged) {
  const std::string torch = "/site/torch/lib/libtorch_cuda.so";
  Fingerprint lock = env();
  lock.native = {
      native(torch, "torch", {"libcudnn.so.8", "libcuda.so.1", "libopenblas.so.0"},
             {{"libcudnn.so.8", "/site/nvidia/cudnn/lib/libcudnn.so.8"}, {"libcuda.so.1", ""},
              {"libopenblas.so.0", "/usr/lib/libopenblas.so.0"}}),
      native("/usr/lib/libopenblas.so.0", "system", {}, {}, "libopenblas.so.0", "aa11"),
  };
  Fingerprint target = lock;
  target.native[0].resolved = {{"libcudnn.so.8", ""}, {"libopenblas.so.0", "/usr/lib/libopenblas.so.0"}};
  target.native[1].sha256 = "bb22";
  target.native.push_back(native("/site/new/x.so", "new", {"libcudnn.so.8", "libnew.so"}, {}));
  EXPECT_EQ(run(lock, target),
            "block native-missing libcudnn.so.8 /site/nvidia/cudnn/lib/libcudnn.so.8 null | "
            "libcudnn.so.8 needed by /site/torch/lib/libtorch_cuda.so (and 1 other object) does "
            "not resolve in the target\n"
            "block native-missing libnew.so null null | libnew.so needed by /site/new/x.so does "
            "not resolve in the target\n"
            "warn native-changed libopenblas.so.0 aa11 bb22 | libopenblas.so.0 has other content "
            "than in the lock (/usr/lib/libopenblas.so.0)\n"
            "info native-missing libcuda.so.1 null null | libcuda.so.1 needed by "
            "/site/torch/lib/libtorch_cuda.so does not resolve in the target (nor in the lock)\n");
  // A target scanned without its native closure is not compared.
  target.native.clear();
  EXPECT_EQ(run(lock, target), "");
}

// A package's object the lock has and the target lacks (a deleted extension
// module): nothing needs it by DT_NEEDED, so only this comparison sees it.
TEST(Compare, AbsentPackageObjectIsNativeMissingWhereverTheEnvironmentLives) {
  auto at = [](const std::string& prefix) {
    Package demo = pkg("demo", "1.0");
    demo.location = prefix + "/lib/python3.11/site-packages";
    demo.files.count = 3;
    Fingerprint fp = env({demo});
    fp.python->prefix = prefix;
    fp.native = {native(demo.location + "/demo/_ext.so", "demo", {"libc.so.6"}, {{"libc.so.6", "/lib/libc.so.6"}}),
                 native(prefix + "/bin/tool", "demo", {}, {}),
                 native("/lib/libc.so.6", "system", {}, {}, "libc.so.6")};
    return fp;
  };
  const Fingerprint lock = at("/home/x/venv");
  // Relocated, unchanged: every object has its counterpart.
  EXPECT_EQ(run(lock, at("/opt/venv")), "");
  Fingerprint target = at("/opt/venv");
  target.native.erase(target.native.begin());  // _ext.so
  target.native.erase(target.native.begin());  // bin/tool
  EXPECT_EQ(run(lock, target),
            "block native-missing /opt/venv/bin/tool /home/x/venv/bin/tool null | "
            "/opt/venv/bin/tool (demo 1.0) is a native object in the lock but is absent from the "
            "target or no longer ELF\n"
            "block native-missing /opt/venv/lib/python3.11/site-packages/demo/_ext.so "
            "/home/x/venv/lib/python3.11/site-packages/demo/_ext.so null | "
            "/opt/venv/lib/python3.11/site-packages/demo/_ext.so (demo 1.0) is a native object in the lock "
            "but is absent from the target or no longer ELF\n");
  // Another version may ship other objects; package-changed says enough.
  Fingerprint upgraded = target;
  upgraded.packages[0].version = "2.0";
  EXPECT_EQ(run(lock, upgraded), "block package-changed demo 1.0 2.0 | demo 1.0 -> 2.0\n");
  // A target that knows no files of the package (a requirements file) says nothing.
  Fingerprint listless = target;
  listless.packages[0].files.count = 0;
  EXPECT_EQ(run(lock, listless), "");
}

TEST(Compare, Glibc) {
  Fingerprint lock = env();
  lock.native = {
      native("/site/a/a.so", "a", {}, {}, "", "", "2.34"),
      native("/site/b/b.so", "b", {}, {}, "", "", "2.28"),
      native("/site/c/c.so", "c", {}, {}, "", "", "2.17"),
      // The lock host's own libraries are not what runs on the target.
      native("/lib/libc.so.6", "system", {}, {}, "libc.so.6", "", "2.38"),
  };
  lock.native[1].version_needs = {"GLIBCXX_3.4.29", "GLIBCXX_3.4.30", "GLIBC_2.28"};
  Fingerprint target = env();
  target.os = lockfile::Os{};
  target.os->glibc = "2.27";
  target.os->glibcxx_max = "GLIBCXX_3.4.25";
  EXPECT_EQ(run(lock, target),
            "block glibc GLIBCXX_3.4.30 3.4.30 3.4.25 | /site/b/b.so needs GLIBCXX_3.4.30, the "
            "target's libstdc++ has GLIBCXX_3.4.25\n"
            "block glibc GLIBC_2.34 2.34 2.27 | /site/a/a.so needs GLIBC_2.34, the target has "
            "glibc 2.27 (and 1 other object)\n");
  target.os->glibc = "2.35";
  target.os->glibcxx_max = "3.4.30";
  EXPECT_EQ(run(lock, target), "");
}

TEST(Compare, Cuda) {
  Fingerprint lock = env();
  lock.cuda = {{"cudart", "12.1.105"}, {"cudnn", "8.9.2"}, {"nccl", "2.18.1"}};
  Fingerprint target = env();
  target.cuda = {{"cudart", "12.1.105"}, {"cudnn", "9.1.0"}, {"cublas", "12.1.3"}};
  EXPECT_EQ(run(lock, target),
            "warn cuda cudnn 8.9.2 9.1.0 | cudnn 8.9.2 -> 9.1.0\n"
            "warn cuda nccl 2.18.1 null | nccl 2.18.1 is not in the target\n"
            "info cuda cublas null 12.1.3 | cublas 12.1.3 is in the target but not in the lock\n");
}

TEST(Compare, Os) {
  Fingerprint lock = env();
  lock.os = lockfile::Os{"x86_64", "6.1.0", "debian", "12", "2.36", "12.2.0", "3.4.30"};
  Fingerprint target = env();
  target.os = lockfile::Os{"aarch64", "5.15.0", "ubuntu", "22.04", "2.36", "", ""};
  EXPECT_EQ(run(lock, target),
            "block os arch x86_64 aarch64 | os arch x86_64 -> aarch64\n"
            "warn os id debian ubuntu | os id debian -> ubuntu\n"
            "warn os version-id 12 22.04 | os version-id 12 -> 22.04\n");
  Policy kernel = default_policy();
  kernel.os_kernel = Action::kInfo;
  target.os->arch = "x86_64";
  target.os->id = "debian";
  target.os->version_id = "12";
  EXPECT_EQ(run(lock, target, kernel), "info os kernel 6.1.0 5.15.0 | os kernel 6.1.0 -> 5.15.0\n");
}

TEST(Compare, CpuFlags) {
  Fingerprint lock = env();
  lock.hardware = lockfile::Hardware{};
  lock.hardware->cpu.vendor = "GenuineIntel";
  lock.hardware->cpu.model = "Intel(R) Xeon(R) Platinum 8480+";
  lock.hardware->cpu.flags = {"avx", "avx2", "avx512f", "hypervisor", "sse4_2"};
  Fingerprint target = lock;
  target.hardware->cpu.vendor = "AuthenticAMD";
  target.hardware->cpu.model = "AMD EPYC 7763";
  target.hardware->cpu.flags = {"avx", "avx2", "sse4_2", "sha_ni"};
  EXPECT_EQ(run(lock, target),
            "block cpu-flag avx512f avx512f null | the target CPU lacks avx512f\n"
            "info cpu model Intel(R) Xeon(R) Platinum 8480+ AMD EPYC 7763 | cpu Intel(R) Xeon(R) "
            "Platinum 8480+ -> AMD EPYC 7763\n");
  // No flags recorded (an image scan) is not "every flag missing".
  target.hardware->cpu.flags.clear();
  target.hardware->cpu.model = lock.hardware->cpu.model;
  target.hardware->cpu.vendor = lock.hardware->cpu.vendor;
  EXPECT_EQ(run(lock, target), "");
}

Gpu gpu(std::string model, std::string driver, std::string cc) {
  Gpu g;
  g.vendor = "nvidia";
  g.model = std::move(model);
  g.driver = std::move(driver);
  g.compute_capability = std::move(cc);
  return g;
}

TEST(Compare, Gpus) {
  Fingerprint lock = env();
  lock.hardware = lockfile::Hardware{};
  lock.hardware->gpus = {gpu("NVIDIA H100 80GB HBM3", "580.159.04", "9.0"),
                         gpu("NVIDIA H100 80GB HBM3", "580.159.04", "9.0")};
  Fingerprint target = lock;
  target.hardware->gpus = {gpu("NVIDIA A100-SXM4-80GB", "535.104.05", "8.0")};
  EXPECT_EQ(run(lock, target),
            "block gpu driver 580.159.04 535.104.05 | GPU driver 580.159.04 -> 535.104.05 is older "
            "than locked\n"
            "warn gpu count 2 1 | 2 GPUs -> 1 GPU\n"
            "warn gpu gpu0.compute-capability 9.0 8.0 | gpu0 compute capability 9.0 -> 8.0\n"
            "warn gpu gpu0.model NVIDIA H100 80GB HBM3 NVIDIA A100-SXM4-80GB | gpu0 NVIDIA H100 "
            "80GB HBM3 -> NVIDIA A100-SXM4-80GB\n");
  target.hardware->gpus = lock.hardware->gpus;
  for (auto& g : target.hardware->gpus) g.driver = "590.44.01";
  EXPECT_EQ(run(lock, target),
            "info gpu driver 580.159.04 590.44.01 | GPU driver 580.159.04 -> 590.44.01 (newer)\n");
  target.hardware->gpus.clear();  // a recorded state: no GPU at all
  EXPECT_EQ(run(lock, target), "warn gpu count 2 0 | 2 GPUs -> 0 GPUs\n");
  target.hardware.reset();  // not scanned
  EXPECT_EQ(run(lock, target), "");
}

TEST(Compare, Env) {
  Fingerprint lock = env();
  lock.env = {{"OMP_NUM_THREADS", "8"}, {"PYTHONHASHSEED", "0"}, {"MKL_CBWR", "AVX2"}};
  Fingerprint target = env();
  target.env = {{"OMP_NUM_THREADS", "16"}, {"LD_PRELOAD", "/x.so"}, {"MKL_CBWR", "AUTO"}};
  EXPECT_EQ(run(lock, target),
            "warn env LD_PRELOAD null /x.so | LD_PRELOAD=/x.so is set in the target but not in "
            "the lock\n"
            "warn env MKL_CBWR AVX2 AUTO | MKL_CBWR AVX2 -> AUTO\n"
            "warn env OMP_NUM_THREADS 8 16 | OMP_NUM_THREADS 8 -> 16\n"
            "warn env PYTHONHASHSEED 0 null | PYTHONHASHSEED=0 is not set in the target\n");
  Policy policy = default_policy();
  policy.env_ignore = {"MKL_*", "OMP_NUM_THREADS", "LD_PRELOAD"};
  EXPECT_EQ(run(lock, target, policy),
            "warn env PYTHONHASHSEED 0 null | PYTHONHASHSEED=0 is not set in the target\n");
  target.env.clear();  // an image or root scan records no environment
  EXPECT_EQ(run(lock, target), "");
}

TEST(Compare, OrderIsSeverityCategorySubject) {
  const auto lock = env({pkg("b", "1"), pkg("a", "1"), pkg("c", "1")});
  const auto target = env({pkg("z", "1"), pkg("c", "2")});
  EXPECT_EQ(run(lock, target),
            "block package-changed c 1 2 | c 1 -> 2\n"
            "block package-missing a 1 null | a 1 is locked but not installed\n"
            "block package-missing b 1 null | b 1 is locked but not installed\n"
            "warn package-extra z null 1 | z 1 is installed but not locked\n");
}

TEST(CompareDotted, NumericComponents) {
  using detail::compare_dotted;
  EXPECT_LT(compare_dotted("2.17", "2.34"), 0);
  EXPECT_GT(compare_dotted("2.5", "2.17") * -1, 0);
  EXPECT_EQ(compare_dotted("2.36", "2.36.0"), 0);
  EXPECT_EQ(compare_dotted("535.104.05", "535.104.5"), 0);
  EXPECT_LT(compare_dotted("535.104.05", "580.65.06"), 0);
  EXPECT_GT(compare_dotted("3.4.30", "3.4.9"), 0);
  EXPECT_LT(compare_dotted("", "1"), 0);
  EXPECT_GT(compare_dotted("99999999999999999999999", "1"), 0);
}

}  // namespace
}  // namespace envlock::resolver
