#include "base/utc_time.hpp"

#include <gtest/gtest.h>

namespace envlock {
namespace {

TEST(UtcTime, Iso8601WithZoneByDefault) {
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_utc(1700000000, "%Y-%m-%dT%H:%M:%S"), "2023-11-14T22:13:20");
  EXPECT_EQ(utc_now().size(), 20u);
}

}  // namespace
}  // namespace envlock
