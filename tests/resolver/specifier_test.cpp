#include "resolver/specifier.hpp"

#include <gtest/gtest.h>

namespace envlock::resolver {
namespace {

struct Case {
  const char* spec;
  const char* version;
  bool installed;  ///< contains(..., prereleases = true)
  bool fresh;      ///< contains(..., prereleases = false)
};

// Verdicts checked against packaging 23.0's SpecifierSet.contains.
TEST(SpecifierTest, ContainsAsPackagingDoes) {
  const Case cases[] = {
      {">=1.0", "1.0", true, true},
      {">=1.0", "1.0a1", false, false},
      {"<2.0", "2.0a1", false, false},  // <V excludes pre-releases of V
      {"<2.0", "1.9", true, true},
      {"<2.0a2", "2.0a1", true, false},  // ... unless V is one
      {"<2.0", "2.0.dev1", false, false},
      {"<2.0.post1", "2.0.dev1", false, false},
      {">1.0", "1.0.post1", false, false},  // >V excludes post-releases of V
      {">1.0", "1.1", true, true},
      {">1.0.post1", "1.0.post2", true, true},
      {">1.0", "1.0+local", false, false},  // ... and local versions of V
      {">1.0a1", "1.0", true, true},
      {">1.0a1", "1.0.post1", false, false},
      {"==1.0", "1.0+local", true, true},  // no local in the spec: ignore the candidate's
      {"==1.0+local", "1.0", false, false},
      {"==1.0+local", "1.0+LOCAL", true, true},
      {"==1.2.*", "1.2.3", true, true},
      {"==1.2.*", "1.3", false, false},
      {"==1.2.*", "1.2", true, true},
      {"==1.2.*", "1.2a1", true, false},
      {"==1.0.*", "1", true, true},
      {"!=1.2.*", "1.2.5", false, false},
      {"!=1.2.*", "1.3", true, true},
      {"~=1.4.5", "1.4.9", true, true},
      {"~=1.4.5", "1.5", false, false},
      {"~=1.4", "1.9", true, true},
      {"~=1.4", "2.0", false, false},
      {"~=1.4.5a4", "1.4.5", true, true},
      {"~=1.4.c1", "1.5", false, false},  // packaging: prefix "1.4.*", see specifier.cpp
      {"===1.0", "1.0", true, true},
      {"===1.0", "1.0.0", false, false},
      {"===1.0", "v1.0", true, true},  // packaging compares the normalized candidate
      {"==1!1.*", "1!1.5", true, true},
      {"==1!1.0.*", "1!1", false, false},  // packaging's string prefix match
      {"<=1.0", "1.0+local", true, true},
      {"", "1.0a1", true, false},
      {"!=1.0", "1.0+x", false, false},
      {">=1.0,<2", "1.5", true, true},
      {">=1.0,<2", "2.0", false, false},
      {">= 1.0 , < 2", "1.5", true, true},
      {">=1.0a1,<2", "1.5a1", true, true},  // a pre-release in the set lets them in
  };
  for (const Case& c : cases) {
    const auto set = parse_specifier_set(c.spec);
    ASSERT_TRUE(set.has_value()) << c.spec;
    EXPECT_EQ(contains(*set, c.version), c.installed) << c.version << " in " << c.spec;
    EXPECT_EQ(contains(*set, c.version, false), c.fresh) << c.version << " in " << c.spec;
  }
}

TEST(SpecifierTest, LegacyVersionsMatchOnlyArbitraryEquality) {
  const char* legacy = "2.0-custom-build";
  EXPECT_TRUE(contains(*parse_specifier_set(""), legacy));
  EXPECT_TRUE(contains(*parse_specifier_set("===2.0-Custom-Build"), legacy));
  EXPECT_FALSE(contains(*parse_specifier_set("===2.0-custom"), legacy));
  for (const char* spec : {">=1.0", "!=1.0", "==2.0", "<3", "~=2.0", "!=2.0.*"}) {
    EXPECT_FALSE(contains(*parse_specifier_set(spec), legacy)) << spec;
  }
}

TEST(SpecifierTest, RejectsInvalidSpecifiers) {
  for (const char* text : {">=1.0,,<2", ">=1.0,", ",>=1.0", "=1.0", "=>1.0", ">=", "1.0",
                           ">=1.0.*", "~=1", "~=1.0.*", ">=1.0+local", "<1.0+l", "~=1.0+l",
                           "==1.0.*+local", "==1.*.1", "== 1.0 a", ">=1.0 <2", ">=foo",
                           "<>1.0", "=== a b"}) {
    const auto set = parse_specifier_set(text);
    ASSERT_FALSE(set.has_value()) << text;
    EXPECT_EQ(set.error().message, std::string("invalid specifier '") + text + "'");
  }
}

TEST(SpecifierTest, ParsesEachOperator) {
  const struct {
    const char* text;
    SpecOp op;
    const char* version;
    bool wildcard;
  } cases[] = {
      {"~=1.4", SpecOp::kCompatible, "1.4", false},
      {"== 1.2.*", SpecOp::kEqual, "1.2.*", true},
      {"!=v1.2.*", SpecOp::kNotEqual, "v1.2.*", true},
      {"<=1.0", SpecOp::kLessEqual, "1.0", false},
      {" >=1!2.0 ", SpecOp::kGreaterEqual, "1!2.0", false},
      {"<1.0a1", SpecOp::kLess, "1.0a1", false},
      {">1.0.post1", SpecOp::kGreater, "1.0.post1", false},
      {"===foo-bar", SpecOp::kArbitrary, "foo-bar", false},
      {"==1.0+cu118", SpecOp::kEqual, "1.0+cu118", false},
  };
  for (const auto& c : cases) {
    const auto spec = parse_specifier(c.text);
    ASSERT_TRUE(spec.has_value()) << c.text;
    EXPECT_EQ(spec->op, c.op) << c.text;
    EXPECT_EQ(spec->text, c.version) << c.text;
    EXPECT_EQ(spec->wildcard, c.wildcard) << c.text;
  }
  EXPECT_TRUE(parse_specifier_set("")->specifiers.empty());
  EXPECT_TRUE(parse_specifier_set("  ")->specifiers.empty());
  EXPECT_EQ(parse_specifier("<<1").error().message, "invalid specifier '<<1'");
}

TEST(SpecifierTest, PrintsLikePackaging) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"", ""},
      {">=1.0, <2", "<2,>=1.0"},
      {"!=1.1,>= 1.0", "!=1.1,>=1.0"},
      {">=1.0,>=1.0.0", ">=1.0"},  // equal after normalization: the first stays
      {"~=1.4,~=1.4.0", "~=1.4,~=1.4.0"},  // ~= keeps trailing zeros apart
      {"==V1.0", "==V1.0"},
  };
  for (const auto& c : cases) EXPECT_EQ(to_string(*parse_specifier_set(c.in)), c.out) << c.in;
}

TEST(SpecifierTest, ScansInsideLongerText) {
  // The requirement parser reads one specifier and leaves the rest.
  auto end = [](std::string_view text, std::size_t pos) {
    const auto s = detail::scan_specifier(text, pos);
    return s ? s->end : 0;
  };
  EXPECT_EQ(end("foo>=1.0,<2", 3), 8u);
  EXPECT_EQ(end(">=1.0abc", 0), 6u);  // ">=1.0a", as packaging's regex
  EXPECT_EQ(end("===1.0;x", 0), 6u);
  EXPECT_EQ(end("==1.0.*)", 0), 7u);
  EXPECT_EQ(end(">=foo", 0), 0u);
  EXPECT_EQ(end("~=1", 0), 0u);
  const auto spec = detail::scan_specifier("x (== 1.2.* )", 3);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->spec.text, "1.2.*");
  EXPECT_TRUE(spec->spec.wildcard);
  EXPECT_EQ(to_string(spec->spec.version), "1.2");
}

}  // namespace
}  // namespace envlock::resolver
