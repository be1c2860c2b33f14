#include "resolver/policy.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include "support/paths.hpp"

namespace envlock::resolver {
namespace {

std::string error_of(std::string_view text) {
  auto policy = parse_policy(text, "policy.toml");
  if (policy) return "(no error)";
  return policy.error().message;
}

TEST(Policy, DefaultsAreDesignValues) {
  const Policy p = default_policy();
  EXPECT_EQ(p.python_version, VersionMatch::kMinor);
  EXPECT_EQ(p.python_changed, Action::kBlock);
  EXPECT_EQ(p.packages_changed, Action::kBlock);
  EXPECT_EQ(p.packages_missing, Action::kBlock);
  EXPECT_EQ(p.packages_extra, Action::kWarn);
  EXPECT_EQ(p.packages_broken, Action::kWarn);
  EXPECT_EQ(p.wheel_incompatible, Action::kWarn);
  EXPECT_EQ(p.packages_invalid, Action::kWarn);
  EXPECT_EQ(p.packages_duplicate, Action::kWarn);
  EXPECT_EQ(p.ignore, (std::set<std::string>{"pip", "setuptools", "wheel"}));
  EXPECT_TRUE(p.allow.empty());
  EXPECT_EQ(p.files_modified, Action::kBlock);
  EXPECT_EQ(p.files_bytecode, Action::kInfo);
  EXPECT_EQ(p.files_unverifiable, Action::kInfo);
  EXPECT_EQ(p.native_missing, Action::kBlock);
  EXPECT_EQ(p.native_changed, Action::kWarn);
  EXPECT_EQ(p.glibc, Action::kBlock);
  EXPECT_EQ(p.cuda_changed, Action::kWarn);
  EXPECT_EQ(p.os_changed, Action::kWarn);
  EXPECT_EQ(p.os_arch, Action::kBlock);
  EXPECT_EQ(p.os_kernel, Action::kIgnore);
  EXPECT_EQ(p.cpu_flags, Action::kBlock);
  EXPECT_EQ(p.cpu_changed, Action::kInfo);
  EXPECT_EQ(p.gpu, Action::kWarn);
  EXPECT_EQ(p.gpu_driver, Action::kBlock);
  EXPECT_EQ(p.env_changed, Action::kWarn);
  EXPECT_TRUE(p.env_ignore.empty());
  EXPECT_EQ(p.ignore_cpu_flags.count("hypervisor"), 1u);
  EXPECT_EQ(p.ignore_cpu_flags.count("avx512f"), 0u);
}

TEST(Policy, SeverityOfAction) {
  EXPECT_EQ(severity_of(Action::kBlock), Severity::kBlock);
  EXPECT_EQ(severity_of(Action::kWarn), Severity::kWarn);
  EXPECT_EQ(severity_of(Action::kInfo), Severity::kInfo);
  EXPECT_EQ(severity_of(Action::kIgnore), std::nullopt);
  EXPECT_EQ(to_string(VersionMatch::kMajor), "major");
}

TEST(Policy, EmptyTextIsTheDefault) {
  auto p = parse_policy("", "policy.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->packages_extra, Action::kWarn);
  EXPECT_EQ(p->ignore.size(), 3u);
}

TEST(Policy, DefaultFixtureEqualsDefaults) {
  auto p = load_policy_file(std::string(ENVLOCK_FIXTURES) + "/policies/default.toml");
  ASSERT_TRUE(p) << p.error().message;
  const Policy d = default_policy();
  EXPECT_EQ(p->ignore, d.ignore);
  EXPECT_EQ(p->files_bytecode, d.files_bytecode);
  EXPECT_EQ(p->os_kernel, d.os_kernel);
  EXPECT_EQ(p->gpu_driver, d.gpu_driver);
  EXPECT_EQ(p->packages_invalid, d.packages_invalid);
  EXPECT_EQ(p->packages_duplicate, d.packages_duplicate);
  EXPECT_EQ(p->ignore_cpu_flags, d.ignore_cpu_flags);
}

TEST(Policy, EveryFixtureParses) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(ENVLOCK_FIXTURES) + "/policies")) {
    auto p = load_policy_file(entry.path().string());
    EXPECT_TRUE(p) << entry.path() << ": " << p.error().message;
  }
}

TEST(Policy, ServingFixture) {
  auto p = load_policy_file(std::string(ENVLOCK_FIXTURES) + "/policies/serving.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->packages_extra, Action::kInfo);
  EXPECT_EQ(p->ignore, (std::set<std::string>{"pip", "setuptools", "wheel", "uv"}));
  ASSERT_EQ(p->allow.size(), 3u);
  EXPECT_EQ(p->allow_text.at("requests"), "~=2.32");  // key normalized
  EXPECT_TRUE(contains(p->allow.at("certifi"), "2024.7.4"));
  EXPECT_FALSE(contains(p->allow.at("certifi"), "2023.11.17"));
  EXPECT_FALSE(contains(p->allow.at("urllib3"), "3.0.0"));
  EXPECT_EQ(p->gpu, Action::kInfo);
  EXPECT_EQ(p->ignore_cpu_flags, (std::set<std::string>{"hypervisor", "tsc_known_freq"}));
  EXPECT_EQ(p->env_ignore,
            (std::set<std::string>{"CUDA_VISIBLE_DEVICES", "MKL_*", "OMP_NUM_THREADS"}));
}

TEST(Policy, DottedAndInlineTables) {
  auto p = load_policy_file(std::string(ENVLOCK_FIXTURES) + "/policies/lenient.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->python_version, VersionMatch::kMajor);
  EXPECT_EQ(p->packages_changed, Action::kWarn);
  EXPECT_EQ(p->packages_broken, Action::kInfo);
  EXPECT_EQ(p->os_arch, Action::kWarn);
}

TEST(Policy, EveryWord) {
  auto p = parse_policy(
      "[python]\nversion = \"exact\"\n[packages]\nchanged = \"ignore\"\nmissing = \"info\"\n"
      "extra = \"block\"\n",
      "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->python_version, VersionMatch::kExact);
  EXPECT_EQ(p->packages_changed, Action::kIgnore);
  EXPECT_EQ(p->packages_missing, Action::kInfo);
  EXPECT_EQ(p->packages_extra, Action::kBlock);
  EXPECT_EQ(p->packages_broken, Action::kWarn);  // untouched keys keep defaults
}

TEST(Policy, IgnoreNamesAreNormalizedAndReplaceTheDefault) {
  auto p = parse_policy("[packages]\nignore = [\"Foo_Bar\", \"zope.interface\"]\n", "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->ignore, (std::set<std::string>{"foo-bar", "zope-interface"}));
}

TEST(Policy, UnknownKeys) {
  EXPECT_EQ(error_of("[packages]\nchanged = \"warn\"\n\nchnged = \"warn\"\n"),
            "policy.toml:4: unknown key 'packages.chnged'");
  EXPECT_EQ(error_of("\n[pakages]\nchanged = \"warn\"\n"), "policy.toml:2: unknown key 'pakages'");
  EXPECT_EQ(error_of("python.versoin = \"exact\"\n"),
            "policy.toml:1: unknown key 'python.versoin'");
  EXPECT_EQ(error_of("[hardware]\ncpu_flags = \"warn\"\n"),
            "policy.toml:2: unknown key 'hardware.cpu_flags'");
}

TEST(Policy, BadWords) {
  EXPECT_EQ(error_of("[packages]\n\nchanged = \"blok\"\n"),
            "policy.toml:3: packages.changed: expected block, warn, info or ignore, got 'blok'");
  EXPECT_EQ(error_of("[python]\nversion = \"patch\"\n"),
            "policy.toml:2: python.version: expected exact, minor, major or ignore, got 'patch'");
  EXPECT_EQ(error_of("[hardware]\ngpu-driver = \"Block\"\n"),
            "policy.toml:2: hardware.gpu-driver: expected block, warn, info or ignore, got 'Block'");
}

TEST(Policy, WrongTypes) {
  EXPECT_EQ(error_of("[packages]\nchanged = 1\n"), "policy.toml:2: packages.changed: expected a string");
  EXPECT_EQ(error_of("[python]\nversion = true\n"), "policy.toml:2: python.version: expected a string");
  EXPECT_EQ(error_of("python = \"minor\"\n"), "policy.toml:1: python: expected a table");
  EXPECT_EQ(error_of("[packages]\nignore = \"pip\"\n"),
            "policy.toml:2: packages.ignore: expected an array of strings");
  EXPECT_EQ(error_of("[packages]\nignore = [\n  \"pip\",\n  3,\n]\n"),
            "policy.toml:4: packages.ignore: expected an array of strings");
  EXPECT_EQ(error_of("[packages]\nallow = [\"certifi\"]\n"),
            "policy.toml:2: packages.allow: expected a table");
  EXPECT_EQ(error_of("[packages.allow]\ncertifi = 2024\n"),
            "policy.toml:2: packages.allow.certifi: expected a string");
  EXPECT_EQ(error_of("[env]\nignore = [[\"A\"]]\n"),
            "policy.toml:2: env.ignore: expected an array of strings");
  EXPECT_EQ(error_of("[hardware]\nignore-cpu-flags = {}\n"),
            "policy.toml:2: hardware.ignore-cpu-flags: expected an array of strings");
}

TEST(Policy, InvalidSpecifier) {
  EXPECT_EQ(error_of("[packages]\nchanged = \"warn\"\n\n[packages.allow]\nnumpy = \">=1.26\"\n\n\n\n"
                     "certifi = \">=1.0,,<2\"\n"),
            "policy.toml:9: packages.allow.certifi: invalid specifier '>=1.0,,<2'");
  EXPECT_EQ(error_of("[packages.allow]\ntorch = \"2.1\"\n"),
            "policy.toml:2: packages.allow.torch: invalid specifier '2.1'");
}

TEST(Policy, InvalidNames) {
  EXPECT_EQ(error_of("[packages]\nignore = [\"pip\", \"not a name\"]\n"),
            "policy.toml:2: packages.ignore: invalid package name 'not a name'");
  EXPECT_EQ(error_of("[packages.allow]\n\"-numpy\" = \">=1\"\n"),
            "policy.toml:2: packages.allow: invalid package name '-numpy'");
  EXPECT_EQ(error_of("[packages.allow]\nFoo_Bar = \">=1\"\nfoo-bar = \">=2\"\n"),
            "policy.toml:3: packages.allow.foo-bar: names the same package as 'Foo_Bar'");
  EXPECT_EQ(error_of("[env]\nignore = [\"OMP_NUM_THREADS\", \"BAD-NAME\"]\n"),
            "policy.toml:2: env.ignore: invalid variable name 'BAD-NAME'");
  EXPECT_EQ(error_of("[env]\nignore = [\"*\"]\n"), "policy.toml:2: env.ignore: invalid variable name '*'");
}

TEST(Policy, TheEarliestProblemIsReported) {
  // toml++ iterates keys in sorted order; the user reads top to bottom.
  EXPECT_EQ(error_of("[packages]\nzzz = 1\n[env]\naaa = 1\n"), "policy.toml:2: unknown key 'packages.zzz'");
}

TEST(Policy, SyntaxErrorsNameLineAndColumn) {
  // The text after the position is toml++'s own (Debian's 3.3).
  EXPECT_EQ(error_of("[packages]\nchanged = \"warn\"\nchanged = \"block\"\n"),
            "policy.toml:3:11: Error while parsing key-value pair: cannot redefine existing "
            "string 'changed'");
  EXPECT_EQ(error_of("[python]\nversion = \"minor\n"),
            "policy.toml:2:17: Error while parsing string: unescaped control characters other "
            "than TAB (U+0009) are explicitly prohibited");
  const std::string e = error_of("[packages\n");
  EXPECT_EQ(e.rfind("policy.toml:1:", 0), 0u) << e;
}

class PolicyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("envlock-policy-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(PolicyFile, ReadsARegularFile) {
  const auto path = write("p.toml", "[packages]\nextra = \"block\"\n");
  auto p = load_policy_file(path);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->packages_extra, Action::kBlock);
}

TEST_F(PolicyFile, ErrorsNameThePath) {
  const auto path = write("p.toml", "[packages]\nextra = \"blocked\"\n");
  EXPECT_EQ(load_policy_file(path).error().message,
            path + ":2: packages.extra: expected block, warn, info or ignore, got 'blocked'");
}

TEST_F(PolicyFile, Missing) {
  const auto path = (dir_ / "absent.toml").string();
  EXPECT_EQ(load_policy_file(path).error().message,
            path + ": cannot open: No such file or directory");
}

TEST_F(PolicyFile, RefusesDirectoriesFifosAndDevices) {
  EXPECT_EQ(load_policy_file(dir_.string()).error().message,
            dir_.string() + ": not a regular file");
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load_policy_file(fifo).error().message, fifo + ": not a regular file");
  EXPECT_EQ(load_policy_file("/dev/zero").error().message, "/dev/zero: not a regular file");
}

TEST_F(PolicyFile, RefusesHugeFiles) {
  const auto path = write("big.toml", "# " + std::string(kMaxPolicyBytes, 'x') + "\n");
  EXPECT_EQ(load_policy_file(path).error().message, path + ": larger than 1048576 bytes");
}

TEST_F(PolicyFile, FollowsSymlinksToRegularFiles) {
  const auto target = write("real.toml", "[os]\nkernel = \"info\"\n");
  const auto link = (dir_ / "link.toml").string();
  std::filesystem::create_symlink(target, link);
  auto p = load_policy_file(link);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->os_kernel, Action::kInfo);
}

TEST(PolicyBudget, RefusesMoreValuesThanItsSizeAllows) {
  // A valid policy of 300,000 empty ignore entries (900 KB): toml++ would
  // build a node per entry; refused before it does, naming file and line.
  std::string text = "[packages]\nignore = [";
  for (int i = 0; i < 300000; ++i) text += "\"\",";
  text += "]\n";
  auto r = parse_policy(text, "big.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message.rfind("big.toml:2: more than ", 0), 0u) << r.error().message;
  // A long but sensible list is fine.
  std::string fine = "[packages]\nignore = [";
  for (int i = 0; i < 20000; ++i) fine += "\"package-" + std::to_string(i) + "\", ";
  fine += "]\n";
  EXPECT_TRUE(parse_policy(fine, "fine.toml"));
}

TEST(PolicyBudget, RefusesLongDottedKeysBeforeToml) {
  // toml++ recursed once per part: 60,000 parts overflowed the stack (a crash).
  std::string key = "a";
  for (int i = 0; i < 60000; ++i) key += ".a";
  auto r = parse_policy("\n" + key + " = 1\n", "dots.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "dots.toml:2: a key with more than 32 dotted parts");
}

}  // namespace
}  // namespace envlock::resolver
