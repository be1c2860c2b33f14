#include "lockfile/value_budget.hpp"

#include <string>

#include <gtest/gtest.h>

namespace envlock::lockfile {
namespace {

constexpr std::size_t kNoLimit = ~std::size_t{0};

TEST(ValueBudget, GrowsWithSizeAboveAFloor) {
  EXPECT_EQ(value_budget(0), kMinValueBudget);
  EXPECT_EQ(value_budget(64u << 20), (64u << 20) / kBytesPerValue);
}

TEST(ValueBudget, CountsTomlOutsideStringsAndComments) {
  EXPECT_EQ(count_toml_values("a = 1\n", kNoLimit).values, 1u);
  EXPECT_EQ(count_toml_values("a = [1, 2, {b = 3}]\n", kNoLimit).values, 6u);
  // Dotted keys make a table per part.
  EXPECT_EQ(count_toml_values("[x.y]\na.b.c = 1\n", kNoLimit).values, 5u);
  EXPECT_EQ(count_toml_values("a = \"=,[{.\" # =,[{.\n", kNoLimit).values, 1u);
  EXPECT_EQ(count_toml_values("a = 'x\\' # '\n", kNoLimit).values, 1u);  // no escapes in '...'
  EXPECT_EQ(count_toml_values("a = \"\"\"\n=,\n\\\"\"\" [\"\"\"\"\nb = 1\n", kNoLimit).values, 2u);
  EXPECT_EQ(count_toml_values("a = '''\n=\n''''\nb = 1\n", kNoLimit).values, 2u);
}

TEST(ValueBudget, CountsJsonOutsideStrings) {
  EXPECT_EQ(count_json_values("1", kNoLimit).values, 1u);
  EXPECT_EQ(count_json_values(R"({"a": [1, {"b": ":,[{\"x"}]})", kNoLimit).values, 7u);
}

TEST(ValueBudget, StopsAtTheBudgetWithTheLine) {
  auto c = count_toml_values("a = 1\nb = 2\nc = 3\n", 2);
  ASSERT_TRUE(c.over_budget_line);
  EXPECT_EQ(*c.over_budget_line, 3u);
  EXPECT_FALSE(count_toml_values("a = 1\nb = 2\n", 2).over_budget_line);
  auto j = count_json_values("[1,\n2,\n3]", 3);
  ASSERT_TRUE(j.over_budget_line);
  EXPECT_EQ(*j.over_budget_line, 2u);
}

}  // namespace
}  // namespace envlock::lockfile
