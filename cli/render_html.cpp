#include "cli/render_html.hpp"

#include <array>

#include "cli/render_escape.hpp"
#include "cli/render_summary.hpp"

namespace envlock::cli {

using resolver::Severity;

namespace {

constexpr std::string_view kStyle = R"(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1f2328; }
.verdict { padding: 0.8em 1.2em; border-radius: 6px; color: #fff; font-size: 1.3em; font-weight: 600; }
.verdict.blocked { background: #cf222e; }
.verdict.warn { background: #9a6700; }
.verdict.pass { background: #1a7f37; }
.meta { color: #59636e; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; width: 100%; }
th, td { border: 1px solid #d1d9e0; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td { white-space: pre-wrap; overflow-wrap: anywhere; }
td.num { text-align: right; }
.absent { color: #59636e; font-style: italic; }
h2.block { color: #cf222e; } h2.warn { color: #9a6700; } h2.info { color: #0969da; }
code, td.value { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
)";

std::string html_value(const std::optional<std::string>& value) {
  if (!value) return "<td class=\"value absent\">(absent)</td>";
  return "<td class=\"value\">" + escape_xml(*value) + "</td>";
}

}  // namespace

std::string render_html(const resolver::Report& report, const RenderOptions& opts) {
  const SeverityCounts counts = count_severities(report);
  const std::string verdict = escape_xml(verdict_phrase(report));
  const std::string_view banner = counts.block ? "blocked" : (counts.warn ? "warn" : "pass");

  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"envlock " + escape_xml(opts.tool_version) + "\">\n"
      "<title>envlock: " + verdict + "</title>\n<style>" + std::string(kStyle) +
      "</style>\n</head>\n<body>\n";
  out += "<div class=\"verdict " + std::string(banner) + "\">" + verdict + "</div>\n";
  out += "<p class=\"meta\">Lock <code>" + escape_xml(report.lock) + "</code> vs target <code>" +
         escape_xml(report.target) + "</code> &middot; envlock " + escape_xml(opts.tool_version) +
         "</p>\n";

  if (!report.findings.empty()) {
    out += "<h2>Summary</h2>\n<table>\n<thead><tr><th>category</th><th>block</th><th>warn</th>"
           "<th>info</th></tr></thead>\n<tbody>\n";
    for (const auto& [category, c] : count_by_category(report)) {
      out += "<tr><td>" + escape_xml(category) + "</td><td class=\"num\">" +
             std::to_string(c.block) + "</td><td class=\"num\">" + std::to_string(c.warn) +
             "</td><td class=\"num\">" + std::to_string(c.info) + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }

  constexpr std::array<Severity, 3> kOrder = {Severity::kBlock, Severity::kWarn, Severity::kInfo};
  for (Severity s : kOrder) {
    if (counts.of(s) == 0) continue;
    out += "<h2 class=\"" + std::string(resolver::to_string(s)) + "\">" +
           std::string(severity_heading(s)) + " (" + std::to_string(counts.of(s)) + ")</h2>\n";
    out += "<table>\n<thead><tr><th>category</th><th>subject</th><th>lock</th><th>target</th>"
           "<th>message</th></tr></thead>\n<tbody>\n";
    for (const auto& f : report.findings) {
      if (f.severity != s) continue;
      out += "<tr><td>" + escape_xml(f.category) + "</td><td class=\"value\">" +
             escape_xml(f.subject) + "</td>" + html_value(f.lock) + html_value(f.target) + "<td>" +
             escape_xml(message_with_requirement(f)) + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace envlock::cli
