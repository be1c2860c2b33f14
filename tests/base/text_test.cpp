#include "base/text.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace envlock {
namespace {

std::vector<std::string> all_lines(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : Lines(text)) out.emplace_back(line);
  return out;
}

TEST(Trim, AsciiSpaceByDefaultOrTheGivenBytes) {
  EXPECT_EQ(trim(" \t\v\f\r\nx y\n "), "x y");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("\vx\v", " \t\r\n"), "\vx\v");
  EXPECT_EQ(trim_left("  x  "), "x  ");
  EXPECT_EQ(trim_right("  x \r", " \t\r"), "  x");
}

TEST(Lines, EmptyLinesKeptNothingAfterTheLastNewline) {
  EXPECT_EQ(all_lines(""), std::vector<std::string>{});
  EXPECT_EQ(all_lines("\n"), std::vector<std::string>{""});
  EXPECT_EQ(all_lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(all_lines("a\r\nb\n"), (std::vector<std::string>{"a\r", "b"}));
}

}  // namespace
}  // namespace envlock
