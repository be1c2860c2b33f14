#pragma once
// SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, Azure DevOps,
// SonarQube imports).

#include <string>

#include <nlohmann/json.hpp>

#include "cli/render_options.hpp"
#include "resolver/finding.hpp"

namespace envlock::cli {

/// A SARIF 2.1.0 log with one run: tool.driver {name "envlock", version,
/// rules: one per category present, sorted, with a short description}; one
/// result per finding with ruleId/ruleIndex, level (block -> error,
/// warn -> warning, info -> note), message.text, a location whose
/// physicalLocation is the lock file (a URL as is, a path percent-encoded;
/// omitted when the report has no lock) and whose logicalLocation names the
/// subject, partialFingerprints over category and subject, and properties
/// {severity, lock, target[, requirement]}. run.properties holds verdict and
/// target.
nlohmann::ordered_json report_to_sarif(const resolver::Report& report, const RenderOptions& opts);

/// report_to_sarif printed (two-space indent, final newline; ill-formed UTF-8
/// replaced by U+FFFD).
std::string render_sarif(const resolver::Report& report, const RenderOptions& opts);

/// `path` as a URI reference: kept when it already has a scheme ("https://"),
/// otherwise every byte but unreserved characters and '/' percent-encoded, and
/// an absolute path prefixed with "file://".
std::string path_to_uri(std::string_view path);

}  // namespace envlock::cli
