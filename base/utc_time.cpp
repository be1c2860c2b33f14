#include "base/utc_time.hpp"

#include <array>

namespace envlock {

std::string format_utc(std::time_t t, const char* format) {
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  std::array<char, 64> buf{};
  std::strftime(buf.data(), buf.size(), format, &utc);
  return buf.data();
}

std::string utc_now(const char* format) { return format_utc(std::time(nullptr), format); }

}  // namespace envlock
