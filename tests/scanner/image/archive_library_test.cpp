#include "scanner/image/archive_library.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

// libarchive13 is a dependency of libarchive-dev, which scripts/bootstrap installs.
TEST(ArchiveLibrary, LoadsOnceAndResolvesEveryCall) {
  auto first = archive_library();
  ASSERT_TRUE(first) << first.error().message;
  auto second = archive_library();
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
  const ArchiveLibrary& la = **first;
  archive* a = la.read_new();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(la.read_support_format_tar(a), ARCHIVE_OK);
  EXPECT_EQ(la.read_free(a), ARCHIVE_OK);
}

}  // namespace
}  // namespace envlock::scanner
