#include "resolver/requirement.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace envlock::resolver {
namespace {

TEST(RequirementTest, ParsesEveryPart) {
  const auto r = parse_requirement(
      "Requests [Security , tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->name, "requests");
  EXPECT_EQ(r->raw_name, "Requests");
  EXPECT_EQ(r->extras, (std::vector<std::string>{"security", "tests"}));
  EXPECT_EQ(to_string(r->specifier), "==2.8.*,>=2.8.1");
  EXPECT_EQ(r->url, "");
  ASSERT_TRUE(r->marker.has_value());
  EXPECT_EQ(to_string(*r->marker), "python_version < \"2.7\"");
  EXPECT_EQ(r->text, "Requests [Security , tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"");
  EXPECT_EQ(to_string(*r),
            "Requests[security,tests]==2.8.*,>=2.8.1; python_version < \"2.7\"");
}

// Each accepted form, printed as packaging 23.0 prints it.
TEST(RequirementTest, AcceptsWhatPackagingAccepts) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"requests", "requests"},
      {" name ", "name"},
      {"name\n", "name"},
      {"name (>=1.0,<2)", "name<2,>=1.0"},
      {"name>=1.0,", "name>=1.0"},
      {"name[]", "name"},
      {"foo_", "foo_"},
      {"Foo.Bar[Gpu,gpu]", "Foo.Bar[gpu]"},
      {"name===1.0,>=2", "name===1.0,>=2"},
      {"name@ https://x.org/a.whl", "name@ https://x.org/a.whl"},
      {"name @ https://x.org/a.whl ; os_name==\"nt\"", "name@ https://x.org/a.whl ; os_name == \"nt\""},
      {"name @ file:///tmp/x.whl", "name@ file:///tmp/x.whl"},
      {"name @ git+https://github.com/a/b@v1#egg=name", "name@ git+https://github.com/a/b@v1#egg=name"},
      {"name ; python_version>\"3\"", "name; python_version > \"3\""},
      {"name;extra=='GPU'", "name; extra == \"gpu\""},
  };
  for (const auto& c : cases) {
    const auto r = parse_requirement(c.in);
    ASSERT_TRUE(r.has_value()) << c.in << ": " << r.error().message;
    EXPECT_EQ(to_string(*r), c.out) << c.in;
  }
}

TEST(RequirementTest, ErrorsNameTheColumn) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "expected package name at the start of dependency specifier at column 1"},
      {"(name)", "expected package name at the start of dependency specifier at column 1"},
      {"foo-", "expected end or semicolon (after name and no valid version specifier) at column 4"},
      {"name[a b]", "expected comma between extra names at column 8"},
      {"name[a,]", "expected extra name after comma at column 8"},
      {"name[a", "expected closing bracket at column 5"},
      {"name (>=1.0", "expected closing parenthesis at column 6"},
      {"name>=1.0,,<2", "expected end or semicolon (after version specifier) at column 5"},
      {"name==1.0 garbage", "expected end or semicolon (after version specifier) at column 5"},
      {"name;", "expected a marker variable or quoted string at column 6"},
      {"name >= 1.0 ; ", "expected a marker variable or quoted string at column 15"},
      {"name ; os_name == 'nt' x", "expected end of dependency specifier at column 24"},
      {"name @", "expected URL after @ at column 7"},
      {"name @ https://x.org/a.whl; os_name==\"nt\"",
       "expected end or semicolon (after URL and whitespace) at column 8"},
      {"name @ https://x.org/a.whl x", "expected end or semicolon (after URL and whitespace) at column 8"},
  };
  for (const auto& c : cases) {
    const auto r = parse_requirement(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().message, std::string("invalid requirement '") + c.text + "': " + c.message);
  }
}

TEST(RequirementTest, UrlsNeedSchemeAndHost) {
  for (const char* url : {"file:/tmp/x.whl", "/tmp/x", "FILE:///tmp/x", "http://", "file:///x?",
                          "file:///x#", "https://[::1/x", "C:/x", "x.whl"}) {
    const std::string text = std::string("name @ ") + url;
    const auto r = parse_requirement(text);
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().message, "invalid requirement '" + text + "': invalid URL '" + url + "'");
  }
  for (const char* url : {"file://", "file://host/x", "file:///x?q=1#f", "https://h/x;p",
                          "https://user:pw@host:8080/x.whl"}) {
    EXPECT_TRUE(parse_requirement(std::string("name @ ") + url).has_value()) << url;
  }
}

TEST(RequirementTest, MarkerAppliesToTheTarget) {
  const auto r = parse_requirement("torch>=2; platform_machine == 'x86_64' and extra == 'gpu'");
  ASSERT_TRUE(r.has_value());
  MarkerEnv env;
  env.platform_machine = "x86_64";
  EXPECT_FALSE(evaluate(*r->marker, env));
  EXPECT_TRUE(evaluate(*r->marker, env, "GPU"));
  EXPECT_TRUE(contains(r->specifier, "2.1.0+cu118"));
}

}  // namespace
}  // namespace envlock::resolver
