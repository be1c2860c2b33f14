#include "cli/render_junit.hpp"

#include <unistd.h>

#include <array>

#include "base/utc_time.hpp"
#include "cli/render_escape.hpp"
#include "cli/render_summary.hpp"
#include "cli/render_text.hpp"

namespace envlock::cli {

using resolver::Severity;

namespace {

// xs:dateTime as the JUnit schema's timestamp attribute takes it: no zone.
constexpr const char* kJUnitTime = "%Y-%m-%dT%H:%M:%S";

std::string host_name() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf.data();
}

// CI pages show names and messages on one line, and a value with a newline
// must not forge a line of its own in the details: every value goes through
// escape_terminal before XML escaping.
std::string one_line(std::string_view s) { return escape_xml(escape_terminal(s)); }

std::string details(const resolver::Finding& f) {
  std::string out = "severity: " + std::string(resolver::to_string(f.severity)) + "\n";
  out += "category: " + escape_terminal(f.category) + "\n";
  out += "subject: " + escape_terminal(f.subject) + "\n";
  out += "lock: " + escape_terminal(value_or_absent(f.lock)) + "\n";
  out += "target: " + escape_terminal(value_or_absent(f.target)) + "\n";
  if (f.requirement) out += "requirement: " + escape_terminal(*f.requirement) + "\n";
  out += "message: " + escape_terminal(f.message) + "\n";
  return escape_xml_text(out);
}

void append_testcase(std::string& out, const resolver::Finding& f) {
  const std::string& name = f.subject.empty() ? f.category : f.subject;
  out += "    <testcase classname=\"" + one_line("envlock." + f.category) + "\" name=\"" +
         one_line(name) + "\" time=\"0\"";
  const std::string message = message_with_requirement(f);
  switch (f.severity) {
    case Severity::kBlock:
      out += ">\n      <failure type=\"" + one_line(f.category) + "\" message=\"" +
             one_line(message) + "\">" + details(f) + "</failure>\n    </testcase>\n";
      break;
    case Severity::kWarn:
      out += ">\n      <skipped message=\"" + one_line("warn: " + message) + "\">" + details(f) +
             "</skipped>\n    </testcase>\n";
      break;
    case Severity::kInfo:
      out += "/>\n";
      break;
  }
}

}  // namespace

std::string render_junit(const resolver::Report& report, const RenderOptions& opts) {
  const SeverityCounts counts = count_severities(report);
  const std::size_t tests = report.findings.empty() ? 1 : report.findings.size();
  const std::string suite_name = report.lock.empty() ? "envlock" : "envlock " + report.lock;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "  <testsuite package=\"envlock\" id=\"0\" name=\"" + one_line(suite_name) +
         "\" timestamp=\"" + escape_xml(opts.timestamp.empty() ? utc_now(kJUnitTime) : opts.timestamp) +
         "\" hostname=\"" + escape_xml(opts.hostname.empty() ? host_name() : opts.hostname) +
         "\" tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(counts.block) +
         "\" errors=\"0\" skipped=\"" + std::to_string(counts.warn) + "\" time=\"0\">\n";
  out += "    <properties>\n";
  auto property = [&out](std::string_view name, std::string_view value) {
    out += "      <property name=\"" + std::string(name) + "\" value=\"" + one_line(value) +
           "\"/>\n";
  };
  property("envlock.verdict", report.verdict());
  property("envlock.lock", report.lock);
  property("envlock.target", report.target);
  property("envlock.version", opts.tool_version);
  out += "    </properties>\n";

  if (report.findings.empty()) {
    out += "    <testcase classname=\"envlock\" name=\"environment matches the lock\" time=\"0\"/>\n";
  }
  for (const auto& f : report.findings) append_testcase(out, f);

  RenderOptions plain = opts;
  plain.color = false;
  out += "    <system-out>" + escape_xml_text(render_text(report, plain)) + "</system-out>\n";
  out += "    <system-err></system-err>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace envlock::cli
