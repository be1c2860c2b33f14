#include "resolver/dependency_check.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "resolver/compare.hpp"

namespace envlock::resolver {
namespace {

using lockfile::Fingerprint;
using lockfile::Package;

Package pkg(std::string name, std::string version, std::vector<std::string> requires_dist = {}) {
  Package p;
  p.name = std::move(name);
  p.raw_name = p.name;
  p.version = std::move(version);
  p.requires_dist = std::move(requires_dist);
  return p;
}

Fingerprint env(std::vector<Package> packages, std::string python = "3.11.7") {
  Fingerprint fp;
  fp.python = lockfile::Python{};
  fp.python->implementation = "cpython";
  fp.python->version = std::move(python);
  fp.python->abi = "cp311";
  fp.python->platform = "linux_x86_64";
  fp.packages = std::move(packages);
  return fp;
}

// The findings `check` reports for the target's own broken requirements:
// compare() against a lock that holds none of its packages (so nothing is
// "also in the lock"), with the default policy (packages.broken = warn).
std::string check(const Fingerprint& fp) {
  Fingerprint lock = fp;
  lock.packages.clear();
  std::ostringstream out;
  for (const auto& f : compare(lock, fp, Policy{}).findings) {
    if (f.category != "dependency-broken") continue;
    out << to_string(f.severity) << " " << f.category << " " << f.subject << " "
        << f.lock.value_or("null") << " " << f.target.value_or("null") << " ["
        << f.requirement.value_or("?") << "] " << f.message << "\n";
  }
  return out.str();
}

TEST(DependencyCheck, SatisfiedEnvironmentIsClean) {
  EXPECT_EQ(check(env({pkg("pandas", "2.2.0", {"numpy>=1.23.2", "python-dateutil>=2.8.2"}),
                       pkg("numpy", "1.26.4"), pkg("python-dateutil", "2.9.0.post0")})),
            "");
}

TEST(DependencyCheck, MissingAndConflicting) {
  EXPECT_EQ(check(env({pkg("numpy", "1.26", {"pandas>=2"}),
                       pkg("pandas-stubs", "2.0", {"pandas (>=2)", "types-pytz>=2022.1.1"}),
                       pkg("pandas", "1.5.3"), pkg("types-pytz", "2024.1.0.20240203")})),
            "warn dependency-broken numpy null 1.5.3 [pandas>=2] numpy 1.26 requires pandas>=2, "
            "but pandas 1.5.3 is installed\n"
            "warn dependency-broken pandas-stubs null 1.5.3 [pandas>=2] pandas-stubs 2.0 requires "
            "pandas>=2, but pandas 1.5.3 is installed\n");
  EXPECT_EQ(check(env({pkg("numpy", "1.26", {"pandas>=2"})})),
            "warn dependency-broken numpy null null [pandas>=2] numpy 1.26 requires pandas>=2, "
            "which is not installed\n");
}

TEST(DependencyCheck, MarkersAreEvaluatedForTheTarget) {
  const std::vector<std::string> requires_dist = {
      "tomli>=1.1.0; python_version < \"3.11\"",
      "exceptiongroup; python_version < '3.11'",
      "colorama; sys_platform == 'win32'",
      "typing-extensions>=4.6; python_version >= '3.8'",
  };
  EXPECT_EQ(check(env({pkg("pytest", "8.0.0", requires_dist)}, "3.11.7")),
            "warn dependency-broken pytest null null [typing-extensions>=4.6] pytest 8.0.0 requires "
            "typing-extensions>=4.6, which is not installed\n");
  EXPECT_EQ(check(env({pkg("pytest", "8.0.0", requires_dist), pkg("typing-extensions", "4.9.0"),
                       pkg("tomli", "1.0.0")},
                      "3.10.13")),
            "warn dependency-broken pytest null 1.0.0 [tomli>=1.1.0] pytest 8.0.0 requires "
            "tomli>=1.1.0, but tomli 1.0.0 is installed\n"
            "warn dependency-broken pytest null null [exceptiongroup] pytest 8.0.0 requires "
            "exceptiongroup, which is not installed\n");
}

TEST(DependencyCheck, ExtraOnlyRequirementsAreSkipped) {
  EXPECT_EQ(check(env({pkg("requests", "2.31.0",
                           {"PySocks!=1.5.7,>=1.5.6; extra == \"socks\"",
                            "chardet<6,>=3.0.2; extra == \"use-chardet-on-py3\"",
                            "idna<4,>=2.5"}),
                       pkg("idna", "3.6")})),
            "");
  // A marker that holds without any extra is not extra-only (as in pip).
  EXPECT_EQ(check(env({pkg("a", "1", {"b; extra != 'x'"})})),
            "warn dependency-broken a null null [b] a 1 requires b, which is not installed\n");
}

TEST(DependencyCheck, PreReleasesAndLocalVersionsAreMatched) {
  EXPECT_EQ(check(env({pkg("a", "1", {"b>=2.0"}), pkg("b", "2.1rc1"),
                       pkg("c", "1", {"torch==2.1.0"}), pkg("torch", "2.1.0+cu118")})),
            "");
}

TEST(DependencyCheck, NamesAreNormalized) {
  EXPECT_EQ(check(env({pkg("a", "1", {"Zope.Interface>=5", "typing_extensions"}),
                       pkg("zope-interface", "6.0"), pkg("typing-extensions", "4.9.0")})),
            "");
}

TEST(DependencyCheck, ExtrasOfTheDependencyAreNotChecked) {
  // pip check does not follow extras of what is required: requests[socks]
  // is satisfied by requests alone.
  EXPECT_EQ(check(env({pkg("a", "1", {"requests[socks]>=2"}), pkg("requests", "2.31.0")})), "");
  EXPECT_EQ(check(env({pkg("a", "1", {"Requests[socks,Brotli] >= 2"})})),
            "warn dependency-broken a null null [Requests[brotli,socks]>=2] a 1 requires "
            "Requests[brotli,socks]>=2, which is not installed\n");
}

TEST(DependencyCheck, UrlRequirementsNeedOnlyPresence) {
  EXPECT_EQ(check(env({pkg("a", "1", {"b @ https://example.com/b-1.0.tar.gz"}), pkg("b", "0.1")})),
            "");
  EXPECT_EQ(check(env({pkg("a", "1", {"b @ https://example.com/b-1.0.tar.gz ; os_name == 'posix'"})})),
            "warn dependency-broken a null null [b@ https://example.com/b-1.0.tar.gz] a 1 requires "
            "b@ https://example.com/b-1.0.tar.gz, which is not installed\n");
}

TEST(DependencyCheck, ALineListedTwiceIsOnePair) {
  EXPECT_EQ(check(env({pkg("a", "1", {"c", "c"})})),
            "warn dependency-broken a null null [c] a 1 requires c, which is not installed\n");
}

// pip check (23 and 24) parses all of a package's lines first and, when one
// fails, warns and checks none of them; its dependents still see it installed here.
TEST(DependencyCheck, OneInvalidLineLeavesThePackageUnchecked) {
  const auto fp =
      env({pkg("a", "1", {"c", "not a requirement!!", "b>=1,,<2"}), pkg("d", "1", {"a>=1", "e"})});
  EXPECT_EQ(check(fp),
            "warn dependency-broken d null null [e] d 1 requires e, which is not installed\n");
  std::vector<InvalidRequirement> invalid;
  broken_dependencies(fp, nullptr, &invalid);
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_EQ(invalid[0].package, &fp.packages[0]);
  EXPECT_EQ(invalid[0].line, "not a requirement!!");
}

TEST(DependencyCheck, AnInvalidLineUnderAnExtraCountsToo) {
  std::vector<InvalidRequirement> invalid;
  const auto fp = env({pkg("a", "1", {"c", "x >= = 1; extra == 'dev'"})});
  EXPECT_TRUE(broken_dependencies(fp, nullptr, &invalid).empty());
  ASSERT_EQ(invalid.size(), 1u);
}

TEST(DependencyCheck, ShadowedCopiesAreNotInstalled) {
  auto old_b = pkg("b", "1.0");
  old_b.shadowed = true;
  auto old_a = pkg("a", "0.1", {"zzz"});
  old_a.shadowed = true;
  // The shadowed b does not satisfy a; the shadowed a's requirements are not checked.
  EXPECT_EQ(check(env({old_a, pkg("a", "1", {"b>=2"}), old_b, pkg("b", "1.5")})),
            "warn dependency-broken a null 1.5 [b>=2] a 1 requires b>=2, but b 1.5 is installed\n");
}

TEST(DependencyCheck, StructuredResult) {
  const auto fp = env({pkg("a", "1", {"b>=2", "c"}), pkg("b", "1")});
  const auto broken = broken_dependencies(fp);
  ASSERT_EQ(broken.size(), 2u);
  EXPECT_EQ(broken[0].package, &fp.packages[0]);
  EXPECT_EQ(broken[0].dependency, "b");
  EXPECT_EQ(broken[0].installed, &fp.packages[1]);
  EXPECT_EQ(broken[1].requirement, "c");
  EXPECT_EQ(broken[1].installed, nullptr);
}

TEST(DependencyCheck, WithoutPythonMarkersSeeAnEmptyEnvironment) {
  Fingerprint fp;
  fp.packages = {pkg("a", "1", {"b"})};
  EXPECT_EQ(check(fp), "warn dependency-broken a null null [b] a 1 requires b, which is not installed\n");
}

}  // namespace
}  // namespace envlock::resolver
