#pragma once
// The report formats of `envlock check` and `envlock diff` (--format), and the
// one function the commands call to turn findings into output.

#include <string>
#include <string_view>

#include "base/error.hpp"
#include "cli/render_options.hpp"
#include "resolver/finding.hpp"

namespace envlock::cli {

enum class ReportFormat { kText, kJson, kJunit, kMarkdown, kSarif, kHtml };

/// Parses a --format word. Error (kUsage):
/// "unknown format 'xml' (expected text, json, junit, markdown, sarif or html)".
Result<ReportFormat> parse_report_format(std::string_view word);

/// Renders `report` as a complete document in `format`, ending in a newline.
/// Never fails: hostile strings are escaped for the format, ill-formed UTF-8
/// is made visible (or replaced by U+FFFD in JSON/SARIF). Only the text format
/// honours opts.color.
std::string render_report(const resolver::Report& report, ReportFormat format,
                          const RenderOptions& opts);

}  // namespace envlock::cli
