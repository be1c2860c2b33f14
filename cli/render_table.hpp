#pragma once
// Aligned columns for terminals and plain-text files, with optional ANSI
// colour that never counts toward a column's width.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace envlock::cli {

/// SGR parameters for the colours renderers use.
namespace sgr {
inline constexpr std::string_view kRed = "1;31";
inline constexpr std::string_view kYellow = "1;33";
inline constexpr std::string_view kGreen = "1;32";
inline constexpr std::string_view kCyan = "1;36";
inline constexpr std::string_view kBold = "1";
inline constexpr std::string_view kDim = "2";
}  // namespace sgr

/// `text` wrapped in the SGR sequence `code` and a reset when `enabled` and
/// `code` is not empty; `text` unchanged otherwise.
std::string paint(std::string_view text, std::string_view code, bool enabled);

struct TextCell {
  TextCell(std::string text, std::string_view color = {}, std::string lead = {})
      : text(std::move(text)), color(color), lead(std::move(lead)) {}

  std::string text;        ///< already escape_terminal'd
  std::string_view color;  ///< an sgr:: code or empty
  std::string lead;        ///< printed unpainted before text ("→ ")
};
using TextRow = std::vector<TextCell>;

/// Lays `rows` out as columns two spaces apart, each line starting with
/// `indent` and ending in "\n" without trailing blanks. A column is as wide as
/// its widest cell but at most `max_width`: longer cells stay whole and push
/// the rest of their line right. The last cell of a row is never padded.
std::string layout_table(const std::vector<TextRow>& rows, std::string_view indent, bool color,
                         std::size_t max_width = 40);

}  // namespace envlock::cli
