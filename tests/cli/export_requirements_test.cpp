#include "cli/export_requirements.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(ExportRequirements, SampleExactly) {
  const auto out = export_requirements(testing::sample_fingerprint());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out,
            "# Exported by envlock " ENVLOCK_VERSION " from python:/usr/bin/python3\n"
            "# lock digest sha256:" + std::string(64, 'a') + "\n"
            "# Python 3.11.7 (cpython, linux_x86_64)\n"
            "myapp @ file:///home/dev/my%20app\n"
            "mylib @ git+https://github.com/acme/mylib.git@0123456789abcdef0123456789abcdef01234567\n"
            "numpy==1.26.4\n"
            "six==1.16.0\n"
            "tarpkg @ https://example.com/tarpkg-1.0.tar.gz#sha256=" + std::string(64, 'c') + "\n"
            "torch==2.1.0+cu118\n");
}

TEST(ExportRequirements, VcsSchemeKeptWhenPresent) {
  lockfile::Package pkg;
  pkg.name = "x";
  pkg.direct_url = "hg+https://hg.example.com/x";
  pkg.direct_kind = "vcs";
  pkg.direct_hash = "abc";
  EXPECT_EQ(requirement_line(pkg), "x @ hg+https://hg.example.com/x@abc");
  pkg.direct_kind = "archive";
  pkg.direct_url = "https://example.com/x.whl#sha256=00";
  pkg.direct_hash = "sha256=11";
  EXPECT_EQ(requirement_line(pkg), "x @ https://example.com/x.whl#sha256=00");
}

TEST(ExportRequirements, HostileTargetStaysInTheComment) {
  auto fp = testing::sample_fingerprint();
  fp.envlock.target = "root:/srv\n--index-url https://evil.example/simple";
  const auto out = export_requirements(fp);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->find("\n--index-url"), std::string::npos);
  EXPECT_NE(out->find("# Exported by envlock " ENVLOCK_VERSION
                      " from root:/srv\\n--index-url https://evil.example/simple\n"),
            std::string::npos);
}

TEST(ExportRequirements, RefusesPackagesThatWouldInjectLines) {
  auto fp = testing::sample_fingerprint();
  fp.packages[2].version = "1.26.4\n--extra-index-url https://evil.example";
  auto out = export_requirements(fp);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(out.error().message,
            "cannot export package 'numpy': version '1.26.4\\n--extra-index-url "
            "https://evil.example' is not a valid version");

  fp = testing::sample_fingerprint();
  fp.packages[2].name = "num py";
  EXPECT_EQ(export_requirements(fp).error().message,
            "cannot export package 'num py': not a valid project name");

  fp = testing::sample_fingerprint();
  fp.packages[0].direct_url = "file:///a b";
  EXPECT_EQ(export_requirements(fp).error().message,
            "cannot export package 'myapp': direct URL 'file:///a b' has spaces or control characters");

  fp = testing::sample_fingerprint();
  fp.packages[2].version.clear();
  EXPECT_EQ(export_requirements(fp).error().message,
            "cannot export package 'numpy': it has no version");

  fp = testing::sample_fingerprint();
  fp.packages[1].direct_hash = "abc def";
  EXPECT_EQ(export_requirements(fp).error().message,
            "cannot export package 'mylib': direct URL hash has spaces or control characters");
}

TEST(ExportRequirements, EmptyFingerprintIsJustTheHeader) {
  EXPECT_EQ(*export_requirements(lockfile::Fingerprint{}),
            "# Exported by envlock " ENVLOCK_VERSION "\n");
}

}  // namespace
}  // namespace envlock::cli
