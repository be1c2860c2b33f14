#include "cli/render_summary.hpp"

namespace envlock::cli {

using resolver::Severity;

std::size_t SeverityCounts::of(Severity s) const {
  switch (s) {
    case Severity::kBlock: return block;
    case Severity::kWarn: return warn;
    case Severity::kInfo: return info;
  }
  return 0;
}

namespace {

void add(SeverityCounts& counts, Severity s) {
  switch (s) {
    case Severity::kBlock: ++counts.block; break;
    case Severity::kWarn: ++counts.warn; break;
    case Severity::kInfo: ++counts.info; break;
  }
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string join_counts(const SeverityCounts& c, bool with_block) {
  std::string out;
  auto append = [&out](const std::string& part) {
    if (!out.empty()) out += ", ";
    out += part;
  };
  if (with_block && c.block) append(std::to_string(c.block) + " blocking");
  if (c.warn) append(plural(c.warn, "warning", "warnings"));
  if (c.info) append(plural(c.info, "note", "notes"));
  return out;
}

}  // namespace

SeverityCounts count_severities(const resolver::Report& report) {
  SeverityCounts counts;
  for (const auto& f : report.findings) add(counts, f.severity);
  return counts;
}

std::map<std::string, SeverityCounts> count_by_category(const resolver::Report& report) {
  std::map<std::string, SeverityCounts> out;
  for (const auto& f : report.findings) add(out[f.category], f.severity);
  return out;
}

std::string verdict_phrase(const resolver::Report& report) {
  const SeverityCounts c = count_severities(report);
  if (c.block) return "BLOCKED: " + join_counts(c, true);
  if (c.total() == 0) return "PASS: no differences";
  return "PASS with " + join_counts(c, false);
}

std::string_view severity_heading(Severity s) {
  switch (s) {
    case Severity::kBlock: return "Blocking";
    case Severity::kWarn: return "Warnings";
    case Severity::kInfo: return "Notes";
  }
  return "Notes";
}

std::string message_with_requirement(const resolver::Finding& finding) {
  std::string out = finding.message;
  if (finding.requirement && !finding.requirement->empty() &&
      out.find(*finding.requirement) == std::string::npos) {
    out += (out.empty() ? "requires " : " (requires ") + *finding.requirement +
           (out.empty() ? "" : ")");
  }
  return out;
}

std::string value_or_absent(const std::optional<std::string>& value) {
  return value ? *value : std::string("(absent)");
}

}  // namespace envlock::cli
