#include "scanner/cache/wall_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace envlock::scanner {
namespace {

// The caches compare it with file ctimes, which the kernel takes from the same
// real-time clock: it must be nanoseconds since the epoch, not a monotonic count.
TEST(WallClock, IsNanosecondsSinceTheEpoch) {
  const auto before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::int64_t now = wall_clock_ns();
  const auto after = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  EXPECT_GE(now, before - 1'000'000'000);
  EXPECT_LE(now, after + 1'000'000'000);
}

}  // namespace
}  // namespace envlock::scanner
