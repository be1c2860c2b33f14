#include "resolver/name.hpp"

#include <gtest/gtest.h>

namespace envlock::resolver {
namespace {

TEST(NameTest, NormalizesAsPep503) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"requests", "requests"},
      {"Django", "django"},
      {"zope.interface", "zope-interface"},
      {"Foo_Bar", "foo-bar"},
      {"foo__bar", "foo-bar"},
      {"foo.-_bar", "foo-bar"},
      {"FOO-BAR", "foo-bar"},
      {"a--", "a-"},
      {"_private", "-private"},
      {"", ""},
      {"numpy2", "numpy2"},
  };
  for (const auto& c : cases) EXPECT_EQ(normalize_name(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace envlock::resolver
