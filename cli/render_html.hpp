#pragma once
// A report to attach to a ticket or publish as a CI artifact: one HTML file.

#include <string>

#include "cli/render_options.hpp"
#include "resolver/finding.hpp"

namespace envlock::cli {

/// A self-contained HTML5 page: inline CSS only, no scripts, and a
/// Content-Security-Policy that forbids loading or running anything, so a
/// hostile string that slipped through could still do nothing. A verdict
/// banner, lock/target line, a summary table by category, then one table per
/// severity present. Every value goes through escape_xml.
std::string render_html(const resolver::Report& report, const RenderOptions& opts);

}  // namespace envlock::cli
