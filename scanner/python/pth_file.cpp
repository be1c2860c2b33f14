#include "scanner/python/pth_file.hpp"

namespace envlock::scanner {

namespace {

// What str.isspace() says of ASCII: \t \n \v \f \r, the separators \x1c-\x1f
// and the space.
bool python_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }

}  // namespace

std::vector<std::string> pth_entries(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size() && out.size() < kMaxPthEntries) {
    std::size_t end = text.find_first_of("\r\n", at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + (text.substr(end, 2) == "\r\n" ? 2 : 1);
    if (line.starts_with('#') || line.starts_with("import ") || line.starts_with("import\t")) continue;
    while (!line.empty() && python_space(line.back())) line.remove_suffix(1);
    // rstrip() left nothing, or only leading blanks would remain: a blank line.
    std::size_t first = 0;
    while (first < line.size() && python_space(line[first])) ++first;
    if (first == line.size()) continue;
    out.emplace_back(line);
  }
  return out;
}

}  // namespace envlock::scanner
