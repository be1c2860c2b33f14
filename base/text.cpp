#include "base/text.hpp"

namespace envlock {

std::string_view trim(std::string_view s, std::string_view chars) {
  return trim_right(trim_left(s, chars), chars);
}

std::string_view trim_left(std::string_view s, std::string_view chars) {
  const std::size_t b = s.find_first_not_of(chars);
  return b == std::string_view::npos ? std::string_view() : s.substr(b);
}

std::string_view trim_right(std::string_view s, std::string_view chars) {
  const std::size_t e = s.find_last_not_of(chars);
  return e == std::string_view::npos ? std::string_view() : s.substr(0, e + 1);
}

}  // namespace envlock
