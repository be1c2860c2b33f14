#pragma once
// Markdown for CI job summaries and pull-request comments (GitHub-flavoured
// tables).

#include <string>

#include "cli/render_options.hpp"
#include "resolver/finding.hpp"

namespace envlock::cli {

/// "## envlock: BLOCKED: 2 blocking, 1 warning", a line naming lock and
/// target, a summary table (category | block | warn | info), then per
/// severity present a "### Blocking (2)" heading and a table
/// (category | subject | lock | target | message). Every value goes through
/// escape_markdown: pipes, Markdown punctuation and HTML are escaped,
/// newlines become <br>, controls are made visible.
std::string render_markdown(const resolver::Report& report, const RenderOptions& opts);

}  // namespace envlock::cli
