#pragma once
// The text report: what a person reads in a CI log or a terminal.

#include <string>

#include "cli/render_options.hpp"
#include "resolver/finding.hpp"

namespace envlock::cli {

/// First line: the verdict with the lock and the target, e.g.
/// "BLOCKED: 2 blocking, 1 warning (lock model.envlock.toml vs python:/usr/bin/python3)".
/// Then, per severity present (block, warn, info), a blank line, a heading
/// "Blocking (2)" and one aligned line per finding:
/// "  category  subject  lock → target  message", null values as "(absent)".
/// Every value is escape_terminal'd (one line each, no control sequences).
/// ANSI colour only when opts.color.
std::string render_text(const resolver::Report& report, const RenderOptions& opts);

}  // namespace envlock::cli
