#include "cli/render_markdown.hpp"

#include <array>

#include "cli/render_escape.hpp"
#include "cli/render_summary.hpp"

namespace envlock::cli {

using resolver::Severity;

namespace {

std::string markdown_value(const std::optional<std::string>& value) {
  if (!value) return "*(absent)*";
  return escape_markdown(*value);
}

}  // namespace

std::string render_markdown(const resolver::Report& report, const RenderOptions& opts) {
  std::string out = "## envlock: " + escape_markdown(verdict_phrase(report)) + "\n\n";
  out += "Lock " + escape_markdown(report.lock) + " vs target " + escape_markdown(report.target) +
         " (envlock " + escape_markdown(opts.tool_version) + ").\n";
  if (report.findings.empty()) return out;

  out += "\n| category | block | warn | info |\n| --- | ---: | ---: | ---: |\n";
  for (const auto& [category, c] : count_by_category(report)) {
    out += "| " + escape_markdown(category) + " | " + std::to_string(c.block) + " | " +
           std::to_string(c.warn) + " | " + std::to_string(c.info) + " |\n";
  }

  constexpr std::array<Severity, 3> kOrder = {Severity::kBlock, Severity::kWarn, Severity::kInfo};
  const SeverityCounts counts = count_severities(report);
  for (Severity s : kOrder) {
    if (counts.of(s) == 0) continue;
    out += "\n### " + std::string(severity_heading(s)) + " (" + std::to_string(counts.of(s)) +
           ")\n\n| category | subject | lock | target | message |\n"
           "| --- | --- | --- | --- | --- |\n";
    for (const auto& f : report.findings) {
      if (f.severity != s) continue;
      out += "| " + escape_markdown(f.category) + " | " + escape_markdown(f.subject) + " | " +
             markdown_value(f.lock) + " | " + markdown_value(f.target) + " | " +
             escape_markdown(message_with_requirement(f)) + " |\n";
    }
  }
  return out;
}

}  // namespace envlock::cli
