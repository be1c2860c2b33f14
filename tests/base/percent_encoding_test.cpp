#include "base/percent_encoding.hpp"

#include <gtest/gtest.h>

namespace envlock {
namespace {

TEST(PercentEncoding, UnreservedAndKeptBytesStay) {
  EXPECT_EQ(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(percent_encode("/a b/\xc3\xa9"), "%2Fa%20b%2F%C3%A9");
  EXPECT_EQ(percent_encode("/a b", "/"), "/a%20b");
}

TEST(PercentEncoding, DecodeLeavesBrokenEscapes) {
  EXPECT_EQ(percent_decode("%2Fa%20b%c3%A9"), "/a b\xc3\xa9");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
}

}  // namespace
}  // namespace envlock
