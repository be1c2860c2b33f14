#include "resolver/version.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace envlock::resolver {
namespace {

TEST(VersionTest, NormalizesEverySpelling) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"1.0", "1.0"},
      {"v1.0", "1.0"},
      {"V1.0", "1.0"},
      {"  1.0\n", "1.0"},
      {"01.002", "1.2"},
      {"0!1.0", "1.0"},
      {"2!1.0", "2!1.0"},
      {"1.0a", "1.0a0"},
      {"1.0alpha1", "1.0a1"},
      {"1.0.beta.2", "1.0b2"},
      {"1.0-c3", "1.0rc3"},
      {"1.0_pre4", "1.0rc4"},
      {"1.0preview5", "1.0rc5"},
      {"1.0RC1", "1.0rc1"},
      {"1.0-1", "1.0.post1"},
      {"1.0-0", "1.0.post0"},
      {"1.0.post", "1.0.post0"},
      {"1.0rev2", "1.0.post2"},
      {"1.0-r3", "1.0.post3"},
      {"1.0.POST_4", "1.0.post4"},
      {"1.0dev", "1.0.dev0"},
      {"1.0-dev-2", "1.0.dev2"},
      {"1.0a1-1", "1.0a1.post1"},
      {"1.0a.", "1.0a0"},
      {"1.0rc1.post2.dev3", "1.0rc1.post2.dev3"},
      {"1.0+Ubuntu-1_Foo.07", "1.0+ubuntu.1.foo.7"},
      {"2.1.0+cu118", "2.1.0+cu118"},
      {"20240101120000123456789", "20240101120000123456789"},
  };
  for (const auto& c : cases) {
    const auto v = parse_version(c.in);
    ASSERT_TRUE(v.has_value()) << c.in;
    EXPECT_EQ(to_string(*v), c.out) << c.in;
    EXPECT_FALSE(v->legacy);
  }
}

TEST(VersionTest, RejectsNonPep440) {
  for (const char* text : {"", " ", "v", "1.", ".1", "1..0", "1.0-", "1.0+", "1.0+a.", "1.0+a+b",
                           "1.*", "1!", "!1", "1.0 a1", "1.0-beta-custom", "vv1", "1.0abc",
                           "1.0.post1.post2", "1.0.dev1a1", "1,0", "latest", "1.0~rc1"}) {
    EXPECT_FALSE(parse_version(text).has_value()) << '"' << text << '"';
  }
  // CPython's int() refuses more than 4300 digits, so pip cannot hold it.
  EXPECT_TRUE(parse_version(std::string(4300, '1')).has_value());
  EXPECT_FALSE(parse_version(std::string(4301, '1')).has_value());
}

TEST(VersionTest, LegacyKeepsRawText) {
  const Version v = parse_version_or_legacy(" 2.0-beta-custom ");
  EXPECT_TRUE(v.legacy);
  EXPECT_EQ(v.raw, "2.0-beta-custom");
  EXPECT_EQ(to_string(v), "2.0-beta-custom");
  EXPECT_LT(compare(v, *parse_version("0.0.dev0")), 0);
  EXPECT_EQ(compare(v, parse_version_or_legacy("2.0-beta-custom")), 0);
  EXPECT_NE(compare(v, parse_version_or_legacy("2.0-beta-other")), 0);
}

TEST(VersionTest, TotalOrderOfPep440) {
  // Strictly increasing, from the spec's own examples plus the corners.
  const std::vector<std::string> ordered = {
      "1.0.dev456",   "1.0a1",          "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
      "1.0b1.dev456", "1.0b2",          "1.0b2.post345.dev456",          "1.0b2.post345",
      "1.0rc1.dev456", "1.0rc1",        "1.0",          "1.0+abc.5",     "1.0+abc.7",
      "1.0+5",        "1.0.post456.dev34", "1.0.post456", "1.0.15",       "1.1.dev1",
      "1.1a1",        "2!0.1",
  };
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
    const auto a = parse_version(ordered[i]);
    const auto b = parse_version(ordered[i + 1]);
    ASSERT_TRUE(a && b) << ordered[i] << " " << ordered[i + 1];
    EXPECT_LT(compare(*a, *b), 0) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(compare(*b, *a), 0) << ordered[i + 1] << " > " << ordered[i];
  }
}

TEST(VersionTest, LocalLabelsCompareSegmentWise) {
  const struct {
    const char* a;
    const char* b;
    int sign;
  } cases[] = {
      {"1.0+abc", "1.0+abd", -1},     {"1.0+abc", "1.0+1", -1},   {"1.0+2", "1.0+10", -1},
      {"1.0+a", "1.0+a.0", -1},       {"1.0+01", "1.0+1", 0},     {"1.0+A", "1.0+a", 0},
      {"1.0+a-b", "1.0+a_b", 0},      {"1.0", "1.0+0", -1},       {"1.0+zzz", "1.0.post0", -1},
      {"1.0+cu118", "1.0+cpu", 1},
  };
  for (const auto& c : cases) {
    const int got = compare(*parse_version(c.a), *parse_version(c.b));
    EXPECT_EQ((got > 0) - (got < 0), c.sign) << c.a << " vs " << c.b;
  }
}

TEST(VersionTest, EqualityIgnoresSpellingAndTrailingZeros) {
  const struct {
    const char* a;
    const char* b;
    bool equal;
  } cases[] = {
      {"1.0", "1.0.0", true},
      {"1", "1.0.0.0", true},
      {"0!1.0", "v1", true},
      {"1.0a", "1.0-alpha0", true},
      {"1.0.post0", "1.0-0", true},
      {"1.0", "1.0.post0", false},
      {"1.0", "1.0+0", false},
      {"2.1.0+cu118", "2.1.0+cu118", true},
      {"2.1.0+cu118", "2.1.0+cpu", false},
      {"custom-build", "custom-build", true},
      {"custom-build", "Custom-Build", false},
      {"custom-build", "1.0", false},
  };
  for (const auto& c : cases) EXPECT_EQ(versions_equal(c.a, c.b), c.equal) << c.a << " " << c.b;
}

TEST(VersionTest, Flags) {
  const Version v = *parse_version("1!2.3rc1.post4.dev5+x");
  EXPECT_EQ(v.epoch, Number::from_digits("1"));
  ASSERT_EQ(v.release.size(), 2u);
  EXPECT_EQ(v.release[1], Number::from_digits("3"));
  ASSERT_TRUE(v.pre);
  EXPECT_EQ(v.pre->kind, PreKind::kRc);
  EXPECT_TRUE(v.is_prerelease());
  EXPECT_TRUE(v.is_postrelease());
  EXPECT_TRUE(v.is_devrelease());
  EXPECT_TRUE(v.has_local());
  EXPECT_EQ(to_string(public_version(v)), "1!2.3rc1.post4.dev5");
  EXPECT_EQ(to_string(base_version(v)), "1!2.3");
  EXPECT_TRUE(parse_version("1.0.dev1")->is_prerelease());
  EXPECT_FALSE(parse_version("1.0.post1")->is_prerelease());
}

TEST(VersionTest, NumbersHaveNoBound) {
  EXPECT_EQ(Number::from_digits("000").digits(), "0");
  EXPECT_TRUE(Number::from_digits("000").is_zero());
  EXPECT_EQ(Number::from_digits("0042").digits(), "42");
  EXPECT_EQ(Number::from_digits("18446744073709551616").digits(), "18446744073709551616");
  EXPECT_LT(Number::from_digits("99999999999999999999"), Number::from_digits("100000000000000000000"));
  EXPECT_LT(compare(*parse_version("1.99999999999999999999"), *parse_version("1.100000000000000000000")), 0);
}

}  // namespace
}  // namespace envlock::resolver
