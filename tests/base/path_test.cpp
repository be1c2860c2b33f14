#include "base/path.hpp"

#include <gtest/gtest.h>

namespace envlock {
namespace {

TEST(PathHelpers, NormalizeJoinParent) {
  EXPECT_EQ(normalize_path("/a//b/./c/../d"), "/a/b/d");
  EXPECT_EQ(normalize_path("/../.."), "/");
  EXPECT_EQ(join_path("/usr/lib", "x"), "/usr/lib/x");
  EXPECT_EQ(join_path("/usr/lib/", "/abs"), "/abs");
  EXPECT_EQ(parent_path("/usr/lib"), "/usr");
  EXPECT_EQ(parent_path("/usr"), "/");
  EXPECT_EQ(base_name("/usr/lib"), "lib");
}

}  // namespace
}  // namespace envlock
