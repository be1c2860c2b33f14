#pragma once
// The clock the scan's caches are stamped with. Read once per cache by its
// caller (scan.cpp) and handed in, so that the caches themselves never read
// the system clock and tests can set any time.

#include <cstdint>

namespace envlock::scanner {

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
std::int64_t wall_clock_ns();

}  // namespace envlock::scanner
