#include "cli/report_format.hpp"

#include <array>
#include <utility>

#include "cli/render_html.hpp"
#include "cli/render_json.hpp"
#include "cli/render_junit.hpp"
#include "cli/render_escape.hpp"
#include "cli/render_markdown.hpp"
#include "cli/render_sarif.hpp"
#include "cli/render_text.hpp"

namespace envlock::cli {

namespace {

constexpr std::array<std::pair<std::string_view, ReportFormat>, 6> kFormats = {{
    {"text", ReportFormat::kText},
    {"json", ReportFormat::kJson},
    {"junit", ReportFormat::kJunit},
    {"markdown", ReportFormat::kMarkdown},
    {"sarif", ReportFormat::kSarif},
    {"html", ReportFormat::kHtml},
}};

}  // namespace

Result<ReportFormat> parse_report_format(std::string_view word) {
  for (const auto& [name, format] : kFormats) {
    if (word == name) return format;
  }
  return fail("unknown format '" + escape_terminal(word) +
                  "' (expected text, json, junit, markdown, sarif or html)",
              ErrorKind::kUsage);
}

std::string render_report(const resolver::Report& report, ReportFormat format,
                          const RenderOptions& opts) {
  switch (format) {
    case ReportFormat::kText: return render_text(report, opts);
    case ReportFormat::kJson: return render_json(report);
    case ReportFormat::kJunit: return render_junit(report, opts);
    case ReportFormat::kMarkdown: return render_markdown(report, opts);
    case ReportFormat::kSarif: return render_sarif(report, opts);
    case ReportFormat::kHtml: return render_html(report, opts);
  }
  return render_text(report, opts);
}

}  // namespace envlock::cli
