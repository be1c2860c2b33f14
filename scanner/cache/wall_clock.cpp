#include "scanner/cache/wall_clock.hpp"

#include <time.h>

namespace envlock::scanner {

std::int64_t wall_clock_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace envlock::scanner
