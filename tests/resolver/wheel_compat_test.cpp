#include "resolver/wheel_compat.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "resolver/compare.hpp"

namespace envlock::resolver {
namespace {

using lockfile::Fingerprint;

Fingerprint target(std::string version = "3.11.7", std::string abi = "cp311",
                   std::string platform = "linux_x86_64", std::string glibc = "2.36",
                   std::string implementation = "cpython") {
  Fingerprint fp;
  fp.python = lockfile::Python{};
  fp.python->implementation = std::move(implementation);
  fp.python->version = std::move(version);
  fp.python->abi = std::move(abi);
  fp.python->platform = std::move(platform);
  fp.os = lockfile::Os{};
  fp.os->glibc = std::move(glibc);
  return fp;
}

std::string why(std::string_view tag, const Fingerprint& fp = target()) {
  return why_unsupported(tag, fp).value_or("ok");
}

TEST(WheelCompat, PurePythonTags) {
  EXPECT_EQ(why("py3-none-any"), "ok");
  EXPECT_EQ(why("py2.py3-none-any"), "ok");
  EXPECT_EQ(why("py311-none-any"), "ok");
  EXPECT_EQ(why("py38-none-any"), "ok");
  EXPECT_EQ(why("py30-none-any"), "ok");
  EXPECT_EQ(why("py312-none-any"), "py312-none does not fit cpython 3.11.7 (abi cp311)");
  EXPECT_EQ(why("py2-none-any"), "py2-none does not fit cpython 3.11.7 (abi cp311)");
  EXPECT_EQ(why("py3-none-linux_x86_64"), "ok");
  EXPECT_EQ(why("py3-abi3-any"), "py3-abi3 does not fit cpython 3.11.7 (abi cp311)");
}

TEST(WheelCompat, CPythonAbiRules) {
  EXPECT_EQ(why("cp311-cp311-linux_x86_64"), "ok");
  EXPECT_EQ(why("cp311-none-any"), "ok");
  EXPECT_EQ(why("cp311-abi3-linux_x86_64"), "ok");
  EXPECT_EQ(why("cp38-abi3-manylinux_2_17_x86_64"), "ok");
  EXPECT_EQ(why("cp32-abi3-linux_x86_64"), "ok");
  EXPECT_EQ(why("cp312-abi3-linux_x86_64"), "cp312-abi3 does not fit cpython 3.11.7 (abi cp311)");
  EXPECT_EQ(why("cp310-cp310-linux_x86_64"), "cp310-cp310 does not fit cpython 3.11.7 (abi cp311)");
  EXPECT_EQ(why("cp312-cp312-linux_x86_64"), "cp312-cp312 does not fit cpython 3.11.7 (abi cp311)");
  EXPECT_EQ(why("cp310-none-linux_x86_64"), "cp310-none does not fit cpython 3.11.7 (abi cp311)");
  EXPECT_EQ(why("pp310-pypy310_pp73-linux_x86_64"),
            "pp310-pypy310_pp73 does not fit cpython 3.11.7 (abi cp311)");
  // A debug build has its own ABI; a free-threaded build cannot load abi3.
  EXPECT_EQ(why("cp311-cp311-linux_x86_64", target("3.11.7", "cp311d")),
            "cp311-cp311 does not fit cpython 3.11.7 (abi cp311d)");
  EXPECT_EQ(why("cp38-abi3-linux_x86_64", target("3.13.1", "cp313t")),
            "cp38-abi3 does not fit cpython 3.13.1 (abi cp313t)");
  EXPECT_EQ(why("cp313-cp313t-linux_x86_64", target("3.13.1", "cp313t")), "ok");
}

TEST(WheelCompat, PyPy) {
  const auto pypy = target("3.10.13", "pypy310_pp73", "linux_x86_64", "2.36", "pypy");
  EXPECT_EQ(why("pp310-pypy310_pp73-manylinux_2_17_x86_64", pypy), "ok");
  EXPECT_EQ(why("py3-none-any", pypy), "ok");
  EXPECT_EQ(why("pp310-none-any", pypy), "ok");
  EXPECT_EQ(why("cp310-abi3-linux_x86_64", pypy),
            "cp310-abi3 does not fit pypy 3.10.13 (abi pypy310_pp73)");
}

TEST(WheelCompat, ManylinuxNeedsTheTargetGlibc) {
  EXPECT_EQ(why("cp311-cp311-manylinux_2_17_x86_64"), "ok");
  EXPECT_EQ(why("cp311-cp311-manylinux_2_36_x86_64"), "ok");
  EXPECT_EQ(why("cp311-cp311-manylinux_2_39_x86_64"),
            "manylinux_2_39_x86_64 needs glibc 2.39, the target has 2.36");
  EXPECT_EQ(why("cp311-cp311-manylinux1_x86_64", target("3.11.7", "cp311", "linux_x86_64", "2.4")),
            "manylinux1_x86_64 needs glibc 2.5, the target has 2.4");
  EXPECT_EQ(why("cp311-cp311-manylinux2010_x86_64", target("3.11.7", "cp311", "linux_x86_64", "2.11")),
            "manylinux2010_x86_64 needs glibc 2.12, the target has 2.11");
  EXPECT_EQ(why("cp311-cp311-manylinux2014_x86_64", target("3.11.7", "cp311", "linux_x86_64", "2.17")),
            "ok");
  EXPECT_EQ(why("cp311-cp311-manylinux2014_x86_64", target("3.11.7", "cp311", "linux_x86_64", "2.12")),
            "manylinux2014_x86_64 needs glibc 2.17, the target has 2.12");
  // A compressed platform set: one fitting platform is enough.
  EXPECT_EQ(why("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                target("3.11.7", "cp311", "linux_x86_64", "2.17")),
            "ok");
  // Unknown glibc: cannot tell, so not reported.
  EXPECT_EQ(why("cp311-cp311-manylinux_2_39_x86_64", target("3.11.7", "cp311", "linux_x86_64", "")),
            "ok");
}

TEST(WheelCompat, ArchitectureAndPlatform) {
  EXPECT_EQ(why("cp311-cp311-manylinux_2_17_aarch64"),
            "manylinux_2_17_aarch64 is built for aarch64, the target is x86_64");
  EXPECT_EQ(why("cp311-cp311-linux_aarch64"), "linux_aarch64 is built for aarch64, the target is x86_64");
  EXPECT_EQ(why("cp311-cp311-macosx_11_0_arm64"), "macosx_11_0_arm64 does not run on linux_x86_64");
  EXPECT_EQ(why("cp311-cp311-win_amd64"), "win_amd64 does not run on linux_x86_64");
  EXPECT_EQ(why("cp311-cp311-musllinux_1_1_x86_64"),
            "musllinux_1_1_x86_64 needs musl libc, the target uses glibc 2.36");
  EXPECT_EQ(why("cp311-cp311-musllinux_1_1_x86_64", target("3.11.7", "cp311", "linux_x86_64", "")),
            "ok");
  EXPECT_EQ(why("cp311-cp311-manylinux_2_17_aarch64",
                target("3.11.7", "cp311", "linux_aarch64", "2.36")),
            "ok");
}

TEST(WheelCompat, MalformedTagsAndMissingFactsAreNotJudged) {
  EXPECT_EQ(why("garbage"), "ok");
  EXPECT_EQ(why("cp311--any"), "ok");
  EXPECT_EQ(why("a-b-c-d"), "ok");
  Fingerprint no_python;
  EXPECT_EQ(why("cp27-cp27mu-linux_x86_64", no_python), "ok");
}

lockfile::Package wheel(std::string name, std::string version, std::vector<std::string> tags) {
  lockfile::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.wheel_tags = std::move(tags);
  return p;
}

TEST(WheelCompat, FindingsPerPackage) {
  Fingerprint fp = target("3.11.7", "cp311", "linux_x86_64", "2.31");
  auto shadowed = wheel("numpy", "1.0", {"cp27-cp27mu-linux_x86_64"});
  shadowed.shadowed = true;
  fp.packages = {
      wheel("numpy", "2.0.0", {"cp311-cp311-manylinux_2_34_x86_64", "cp311-cp311-manylinux_2_35_x86_64"}),
      shadowed,
      wheel("numpy", "2.0.0", {"cp311-cp311-manylinux_2_17_x86_64"}),  // (only the first copy counts)
      wheel("rich", "13.7.1", {"py3-none-any"}),
      wheel("egg", "1.0", {}),
      wheel("torch", "2.1.0", {"bogus", "cp312-cp312-manylinux1_x86_64"}),
      wheel("grpcio", "1.60.0", {"cp311-cp311-manylinux_2_34_x86_64", "cp311-cp311-linux_x86_64"}),
  };
  // What `check` reports: compare() against a lock without these packages,
  // default policy (packages.incompatible = warn).
  Fingerprint lock = fp;
  lock.packages.clear();
  std::vector<Finding> findings;
  for (auto& f : compare(lock, fp, Policy{}).findings) {
    if (f.category == "wheel-incompatible") findings.push_back(std::move(f));
  }
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].category, "wheel-incompatible");
  EXPECT_EQ(findings[0].subject, "numpy");
  EXPECT_EQ(findings[0].lock, std::nullopt);
  EXPECT_EQ(findings[0].target, "cp311-cp311-manylinux_2_34_x86_64, cp311-cp311-manylinux_2_35_x86_64");
  EXPECT_EQ(findings[0].message,
            "numpy 2.0.0 cannot run on the target: manylinux_2_34_x86_64 needs glibc 2.34, the "
            "target has 2.31 (and 1 other tag)");
  EXPECT_EQ(findings[1].subject, "torch");
  EXPECT_EQ(findings[1].message,
            "torch 2.1.0 cannot run on the target: cp312-cp312 does not fit cpython 3.11.7 (abi "
            "cp311)");
  EXPECT_EQ(findings[1].severity, Severity::kWarn);
}

}  // namespace
}  // namespace envlock::resolver
