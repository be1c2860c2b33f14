#include "scanner/native/elf_versions.hpp"

#include <algorithm>
#include <cstdint>

namespace envlock::scanner {

int compare_dotted(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    std::uint64_t x = 0, y = 0;
    while (i < a.size() && a[i] != '.') x = x * 10 + static_cast<std::uint64_t>(a[i++] - '0');
    while (j < b.size() && b[j] != '.') y = y * 10 + static_cast<std::uint64_t>(b[j++] - '0');
    if (x != y) return x < y ? -1 : 1;
    ++i;
    ++j;
  }
  return 0;
}

std::string highest_version(const std::vector<std::string>& names, std::string_view prefix) {
  std::string best;
  for (const auto& n : names) {
    if (!std::string_view(n).starts_with(prefix)) continue;
    std::string_view v = std::string_view(n).substr(prefix.size());
    auto digit_or_dot = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
    bool numeric = !v.empty() && v.size() < 32 && v.front() != '.' && v.back() != '.' &&
                   std::all_of(v.begin(), v.end(), digit_or_dot) &&
                   v.find("..") == std::string_view::npos;
    if (!numeric) continue;
    if (best.empty() || compare_dotted(v, best) > 0) best = std::string(v);
  }
  return best;
}

std::string so_version(std::string_view file_name) {
  auto pos = file_name.rfind(".so.");
  while (pos != std::string_view::npos) {
    std::string_view rest = file_name.substr(pos + 4);
    bool numeric = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
      return (c >= '0' && c <= '9') || c == '.';
    });
    if (numeric) return std::string(rest);
    if (pos == 0) break;
    pos = file_name.rfind(".so.", pos - 1);
  }
  return "";
}

}  // namespace envlock::scanner
