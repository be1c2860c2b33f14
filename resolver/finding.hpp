#pragma once
// Findings: what a difference between a lock and a target means. Produced by
// the resolver, rendered by the cli (text, json, junit, markdown, sarif, html).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"

namespace envlock::resolver {

enum class Severity { kInfo, kWarn, kBlock };

/// "block", "warn", "info".
std::string_view to_string(Severity s);

struct Finding {
  Severity severity = Severity::kInfo;
  std::string category;  ///< "package-changed", ... (docs/policy.md)
  std::string subject;
  std::optional<std::string> lock;    ///< value in the lock, null when absent there
  std::optional<std::string> target;  ///< value in the target, null when absent there
  std::string message;
  std::optional<std::string> requirement;  ///< dependency-broken only
};

struct Report {
  std::string lock;    ///< where the lock came from (file name or URL)
  std::string target;  ///< what was scanned
  std::vector<Finding> findings;  ///< sorted: severity (block first), category, subject
  /// What the scan of the target could not read or decided on its own: shown
  /// so that nothing that weakened the scan is silent. No effect on the verdict
  /// (what must block is a finding, e.g. an incomplete integrity scan).
  std::vector<lockfile::Diagnostic> diagnostics;

  bool blocked() const;
  std::string_view verdict() const { return blocked() ? "blocked" : "pass"; }
};

/// Sorts findings into the order renderers print them.
void sort_findings(std::vector<Finding>& findings);

}  // namespace envlock::resolver
