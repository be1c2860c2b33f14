#include "resolver/marker.hpp"

#include <gtest/gtest.h>

namespace envlock::resolver {
namespace {

MarkerEnv linux_311() {
  MarkerEnv e;
  e.python_version = "3.11";
  e.python_full_version = "3.11.7";
  e.os_name = "posix";
  e.sys_platform = "linux";
  e.platform_machine = "x86_64";
  e.platform_system = "Linux";
  e.platform_release = "6.1.0-18-amd64";
  e.implementation_name = "cpython";
  e.implementation_version = "3.11.7";
  e.platform_python_implementation = "CPython";
  e.platform_version = "#1 SMP";
  return e;
}

bool eval(const char* text, MarkerEnv env = linux_311(), const char* extra = "") {
  const auto m = parse_marker(text);
  EXPECT_TRUE(m.has_value()) << text << ": " << (m ? "" : m.error().message);
  return m && evaluate(*m, env, extra);
}

// Verdicts checked against packaging 23.0's Marker.evaluate.
TEST(MarkerTest, EvaluatesAsPackagingDoes) {
  EXPECT_TRUE(eval("python_version >= \"3.8\""));
  EXPECT_FALSE(eval("python_version < '3.11'"));
  EXPECT_TRUE(eval("python_version > \"3.9\""));  // versions, not strings
  EXPECT_FALSE(eval("python_version == \"3.1\""));
  EXPECT_TRUE(eval("python_version == \"3.11.0\""));
  EXPECT_TRUE(eval("\"3.8\" < python_version"));
  EXPECT_TRUE(eval("python_version == \"3.*\""));
  EXPECT_TRUE(eval("python_version ~= \"3.8\""));
  EXPECT_TRUE(eval("python_version === \"3.11\""));
  EXPECT_TRUE(eval("python_version in \"3.10 3.11\""));
  EXPECT_FALSE(eval("python_version not in \"3.10 3.11\""));
  EXPECT_TRUE(eval("\"linux\" in sys_platform"));
  EXPECT_TRUE(eval("platform_machine < \"y\""));  // not versions: strings
  EXPECT_TRUE(eval("os.name == \"posix\""));
  EXPECT_TRUE(eval("python_implementation == \"CPython\""));
  EXPECT_TRUE(eval("platform_python_implementation != \"PyPy\""));
  EXPECT_TRUE(eval("sys_platform == \"\\x6cinux\""));  // Python escapes, as literal_eval
  EXPECT_FALSE(eval("(os_name == \"nt\" or os_name == \"posix\") and (python_version < \"3\")"));
  EXPECT_TRUE(eval("os_name == \"nt\" and python_version < \"3\" or os_name == \"posix\""));

  MarkerEnv rc = linux_311();
  rc.python_full_version = "3.11.0rc1";
  EXPECT_FALSE(eval("python_full_version < \"3.11\"", rc));  // <V excludes V's pre-releases
}

TEST(MarkerTest, ExtrasCompareNormalized) {
  EXPECT_TRUE(eval("extra == \"Foo_Bar\"", linux_311(), "foo.bar"));
  EXPECT_TRUE(eval("os_name == \"posix\" and sys_platform == \"win32\" or extra == \"gpu\"",
                   linux_311(), "GPU"));
  EXPECT_FALSE(eval("extra == \"gpu\""));
  EXPECT_TRUE(eval("extra != \"gpu\""));
}

TEST(MarkerTest, FallsBackToStringsWherePackagingRaises) {
  // packaging 23.0 raises InvalidVersion on these; a string comparison answers.
  EXPECT_TRUE(eval("platform_release >= \"5.10\""));
  EXPECT_TRUE(eval("os_name === \"posix\""));
  EXPECT_FALSE(eval("os_name ~= \"posix\""));
}

TEST(MarkerTest, ParseErrorsNameTheColumn) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "expected a marker variable or quoted string at column 1"},
      {"python_versions > '3'", "expected a marker variable or quoted string at column 1"},
      {"platform.release == '5'", "expected a marker variable or quoted string at column 1"},
      {"os_name = 'nt'", "expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, "
                         "not in at column 9"},
      {"os_name == nt", "expected a marker variable or quoted string at column 12"},
      {"os_name == 'nt", "expected a marker variable or quoted string at column 12"},
      {"os_name not'nt'", "expected whitespace after 'not' at column 12"},
      {"os_name not 'nt'", "expected 'in' after 'not' at column 13"},
      {"(os_name == 'nt'", "expected closing parenthesis at column 1"},
      {"os_name == 'nt' and", "expected a marker variable or quoted string at column 20"},
      {"os_name == 'nt' garbage", "expected end of marker at column 17"},
      {"os_name == 'nt'andos_name == 'x'", "expected end of marker at column 16"},
      {"os_name == 'a\\'", "invalid string literal at column 12"},
      {"os_name == '\\N{DASH}'", "invalid string literal at column 12"},
  };
  for (const auto& c : cases) {
    const auto m = parse_marker(c.text);
    ASSERT_FALSE(m.has_value()) << c.text;
    EXPECT_EQ(m.error().message, std::string("invalid marker '") + c.text + "': " + c.message);
  }
  std::string deep(65, '(');
  deep += "os_name == 'nt'" + std::string(65, ')');
  EXPECT_EQ(parse_marker(deep).error().message,
            "invalid marker '" + deep + "': markers nested too deeply at column 65");
  std::string ok(64, '(');
  ok += "os_name == 'nt'" + std::string(64, ')');
  EXPECT_TRUE(parse_marker(ok).has_value());
}

TEST(MarkerTest, AcceptsPackagingsSpacing) {
  EXPECT_TRUE(eval("python_version>='3.8'and os_name=='posix'"));
  EXPECT_TRUE(eval("(os_name=='posix')or(os_name=='nt')"));
  EXPECT_TRUE(eval("\t os_name \t== 'posix' "));
  EXPECT_FALSE(eval("os_name not \t in 'posix'"));
}

TEST(MarkerTest, PrintsLikePackaging) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"python_version>='3.8'", "python_version >= \"3.8\""},
      {"os.name=='nt' or (python_implementation == 'PyPy' and extra == 'Foo_Bar')",
       "os_name == \"nt\" or (platform_python_implementation == \"PyPy\" and extra == \"foo-bar\")"},
      {"((os_name == 'nt'))", "os_name == \"nt\""},
      {"'3' not in python_version", "\"3\" not in python_version"},
  };
  for (const auto& c : cases) EXPECT_EQ(to_string(*parse_marker(c.in)), c.out) << c.in;
}

TEST(MarkerTest, EnvironmentComesFromTheTarget) {
  lockfile::Fingerprint fp;
  fp.python = lockfile::Python{};
  fp.python->implementation = "cpython";
  fp.python->version = "3.11.7";
  fp.python->platform = "linux_aarch64";
  fp.os = lockfile::Os{};
  fp.os->arch = "aarch64";
  fp.os->kernel = "6.1.0-18-arm64";
  const MarkerEnv env = marker_env_for(fp);
  EXPECT_EQ(env.python_version, "3.11");
  EXPECT_EQ(env.python_full_version, "3.11.7");
  EXPECT_EQ(env.os_name, "posix");
  EXPECT_EQ(env.sys_platform, "linux");
  EXPECT_EQ(env.platform_system, "Linux");
  EXPECT_EQ(env.platform_machine, "aarch64");
  EXPECT_EQ(env.platform_release, "6.1.0-18-arm64");
  EXPECT_EQ(env.implementation_name, "cpython");
  EXPECT_EQ(env.implementation_version, "3.11.7");
  EXPECT_EQ(env.platform_python_implementation, "CPython");
  EXPECT_EQ(env.platform_version, "");

  fp.python->implementation = "PyPy";
  fp.python->version = "3.13.0rc1";
  fp.python->platform = "manylinux_2_17_x86_64";
  const MarkerEnv pypy = marker_env_for(fp);
  EXPECT_EQ(pypy.python_version, "3.13");
  EXPECT_EQ(pypy.python_full_version, "3.13.0rc1");
  EXPECT_EQ(pypy.implementation_version, "3.13.0c1");
  EXPECT_EQ(pypy.implementation_name, "pypy");
  EXPECT_EQ(pypy.platform_python_implementation, "PyPy");
  EXPECT_EQ(pypy.platform_machine, "x86_64");

  fp.python->platform = "win_amd64";
  EXPECT_EQ(marker_env_for(fp).sys_platform, "win32");
  EXPECT_EQ(marker_env_for(fp).platform_machine, "AMD64");
  fp.python->platform = "macosx_11_0_arm64";
  EXPECT_EQ(marker_env_for(fp).platform_system, "Darwin");
  EXPECT_EQ(marker_env_for(fp).platform_machine, "arm64");

  EXPECT_EQ(marker_env_for(lockfile::Fingerprint{}).python_version, "");
}

}  // namespace
}  // namespace envlock::resolver
