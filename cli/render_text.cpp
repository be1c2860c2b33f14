#include "cli/render_text.hpp"

#include <array>
#include <utility>
#include <vector>

#include "cli/render_escape.hpp"
#include "cli/render_summary.hpp"
#include "cli/render_table.hpp"

namespace envlock::cli {

using resolver::Severity;

namespace {

std::string_view severity_color(Severity s) {
  switch (s) {
    case Severity::kBlock: return sgr::kRed;
    case Severity::kWarn: return sgr::kYellow;
    case Severity::kInfo: return sgr::kCyan;
  }
  return {};
}

TextCell value_cell(const std::optional<std::string>& value, std::string lead = {}) {
  if (!value) return {"(absent)", sgr::kDim, std::move(lead)};
  return {escape_terminal(*value), {}, std::move(lead)};
}

}  // namespace

std::string render_text(const resolver::Report& report, const RenderOptions& opts) {
  const SeverityCounts counts = count_severities(report);
  const std::string_view verdict_color =
      counts.block ? sgr::kRed : (counts.warn ? sgr::kYellow : sgr::kGreen);
  std::string out = paint(escape_terminal(verdict_phrase(report)), verdict_color, opts.color);
  out += " (lock " + escape_terminal(report.lock) + " vs " + escape_terminal(report.target) +
         ")\n";

  // One table for all groups keeps the columns aligned across headings.
  constexpr std::array<Severity, 3> kOrder = {Severity::kBlock, Severity::kWarn, Severity::kInfo};
  std::vector<TextRow> rows;
  std::vector<std::size_t> group_start;
  for (Severity s : kOrder) {
    group_start.push_back(rows.size());
    for (const auto& f : report.findings) {
      if (f.severity != s) continue;
      rows.push_back({{escape_terminal(f.category), severity_color(s)},
                      {escape_terminal(f.subject), sgr::kBold},
                      value_cell(f.lock),
                      value_cell(f.target, "\u2192 "),
                      {escape_terminal(message_with_requirement(f)), {}}});
    }
  }
  group_start.push_back(rows.size());
  const std::string table = layout_table(rows, "  ", opts.color);

  // Cut the laid-out table back into its groups, one line per row.
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < table.size();) {
    const std::size_t end = table.find('\n', pos);
    lines.push_back(table.substr(pos, end - pos + 1));
    pos = end + 1;
  }
  for (std::size_t g = 0; g < kOrder.size(); ++g) {
    const std::size_t begin = group_start[g];
    const std::size_t end = group_start[g + 1];
    if (begin == end) continue;
    out += '\n';
    out += paint(std::string(severity_heading(kOrder[g])) + " (" + std::to_string(end - begin) + ")",
                 severity_color(kOrder[g]), opts.color);
    out += '\n';
    for (std::size_t i = begin; i < end; ++i) out += lines[i];
  }
  if (!report.diagnostics.empty()) {
    const std::size_t n = report.diagnostics.size();
    out += '\n';
    out += paint("Diagnostics (" + std::to_string(n) + ")", sgr::kDim, opts.color);
    if (!opts.verbose) {
      out += ": " + std::string(n == 1 ? "something" : "things") +
             " the scan could not read or decided on its own; --verbose lists them\n";
      return out;
    }
    out += '\n';
    for (const auto& d : report.diagnostics) {
      out += "  " + escape_terminal(d.subject) + ": " + escape_terminal(d.message) + "\n";
    }
  }
  return out;
}

}  // namespace envlock::cli
