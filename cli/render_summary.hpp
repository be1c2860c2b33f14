#pragma once
// The words every human-readable format shares: how many findings of each
// severity, the one-line verdict, group headings, and a finding's message
// with its requirement. One source so text, Markdown, HTML and JUnit agree.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "resolver/finding.hpp"

namespace envlock::cli {

struct SeverityCounts {
  std::size_t block = 0;
  std::size_t warn = 0;
  std::size_t info = 0;

  std::size_t of(resolver::Severity s) const;
  std::size_t total() const { return block + warn + info; }
};

SeverityCounts count_severities(const resolver::Report& report);

/// Counts per category, ordered by category name.
std::map<std::string, SeverityCounts> count_by_category(const resolver::Report& report);

/// "BLOCKED: 2 blocking, 1 warning", "PASS: no differences",
/// "PASS with 3 warnings, 1 note". Raw (unescaped) text.
std::string verdict_phrase(const resolver::Report& report);

/// "Blocking", "Warnings", "Notes".
std::string_view severity_heading(resolver::Severity s);

/// The finding's message, followed by " (requires X)" when it carries a
/// requirement the message does not already quote. Raw text.
std::string message_with_requirement(const resolver::Finding& finding);

/// A finding's lock or target value as people read it: "(absent)" for null.
std::string value_or_absent(const std::optional<std::string>& value);

}  // namespace envlock::cli
