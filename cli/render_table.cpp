#include "cli/render_table.hpp"

#include <algorithm>

#include "cli/render_escape.hpp"

namespace envlock::cli {

namespace {

std::size_t width_of(const TextCell& cell) { return display_width(cell.lead) + display_width(cell.text); }

}  // namespace

std::string paint(std::string_view text, std::string_view code, bool enabled) {
  if (!enabled || code.empty()) return std::string(text);
  std::string out = "\x1b[";
  out += code;
  out += 'm';
  out += text;
  out += "\x1b[0m";
  return out;
}

std::string layout_table(const std::vector<TextRow>& rows, std::string_view indent, bool color,
                         std::size_t max_width) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      widths[i] = std::max(widths[i], std::min(width_of(row[i]), max_width));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    std::size_t pending = 0;  // padding owed before the next non-empty cell
    for (std::size_t i = 0; i < row.size(); ++i) {
      const TextCell& cell = row[i];
      if (i > 0) pending += 2;
      if (!cell.text.empty() || !cell.lead.empty()) {
        line.append(pending, ' ');
        pending = 0;
        line += cell.lead;
        line += paint(cell.text, cell.color, color);
      }
      const std::size_t w = width_of(cell);
      if (i + 1 < row.size() && w < widths[i]) pending += widths[i] - w;
    }
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace envlock::cli
