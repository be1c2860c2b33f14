#include "cli/render_sarif.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <utility>

#include "base/percent_encoding.hpp"
#include "base/sha256.hpp"
#include "cli/render_json.hpp"

namespace envlock::cli {

using resolver::Severity;

namespace {

// Descriptions of the categories docs/policy.md names; a category added later
// still gets a rule, with a generic description.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kCategoryText = {{
    {"python", "The Python interpreter differs from the locked one"},
    {"package-changed", "A locked package is installed at another version"},
    {"package-missing", "A locked package is not installed"},
    {"package-extra", "An installed package is not in the lock"},
    {"dependency-broken", "A package's Requires-Dist is not satisfied"},
    {"package-duplicate", "One directory holds two metadata copies of a package"},
    {"metadata-invalid", "A package's Requires-Dist is not valid PEP 508"},
    {"file-modified", "An installed file does not match its package's RECORD"},
    {"native-missing", "A needed shared library does not resolve"},
    {"native-changed", "A shared library has different content"},
    {"glibc", "The C library is older or different than locked"},
    {"cpu-flag", "The CPU lacks a flag the lock has"},
    {"gpu", "The GPUs differ from the locked ones"},
    {"os", "The operating system differs from the locked one"},
    {"env", "An environment variable that changes numerics or loading differs"},
    {"integrity", "The lock's digest or signature does not match"},
}};

std::string describe(std::string_view category) {
  for (const auto& [name, text] : kCategoryText) {
    if (name == category) return std::string(text);
  }
  return "envlock finding: " + std::string(category);
}

// "package-changed" -> "PackageChanged": SARIF's rule name is an identifier.
std::string rule_name(std::string_view category) {
  std::string out;
  bool upper = true;
  for (char c : category) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out.empty() ? "Finding" : out;
}

std::string_view level(Severity s) {
  switch (s) {
    case Severity::kBlock: return "error";
    case Severity::kWarn: return "warning";
    case Severity::kInfo: return "note";
  }
  return "note";
}

nlohmann::ordered_json nullable(const std::optional<std::string>& value) {
  if (!value) return nullptr;
  return *value;
}

bool has_scheme(std::string_view s) {
  const std::size_t colon = s.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string path_to_uri(std::string_view path) {
  if (has_scheme(path)) return std::string(path);
  return (!path.empty() && path.front() == '/' ? "file://" : "") + percent_encode(path, "/");
}

nlohmann::ordered_json report_to_sarif(const resolver::Report& report, const RenderOptions& opts) {
  std::map<std::string, std::size_t> rule_index;
  for (const auto& f : report.findings) rule_index.emplace(f.category, 0);
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  std::size_t next = 0;
  for (auto& [category, index] : rule_index) {
    index = next++;
    nlohmann::ordered_json rule;
    rule["id"] = category;
    rule["name"] = rule_name(category);
    rule["shortDescription"] = {{"text", describe(category)}};
    rules.push_back(std::move(rule));
  }

  const std::string lock_uri = path_to_uri(report.lock);
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& f : report.findings) {
    nlohmann::ordered_json result;
    result["ruleId"] = f.category;
    result["ruleIndex"] = rule_index.at(f.category);
    result["level"] = std::string(level(f.severity));
    // SARIF wants a non-empty message.
    result["message"] = {{"text", f.message.empty() ? f.category + ": " + f.subject : f.message}};
    nlohmann::ordered_json location;
    if (!report.lock.empty()) {
      location["physicalLocation"] = {{"artifactLocation", {{"uri", lock_uri}}}};
    }
    nlohmann::ordered_json logical;
    logical["name"] = f.subject;
    location["logicalLocations"] = nlohmann::ordered_json::array();
    location["logicalLocations"].push_back(std::move(logical));
    result["locations"] = nlohmann::ordered_json::array();
    result["locations"].push_back(std::move(location));
    // Lets dashboards track one finding across runs even when the values change.
    result["partialFingerprints"] = {
        {"envlockFinding/v1", sha256_hex(f.category + '\0' + f.subject)}};
    nlohmann::ordered_json properties;
    properties["severity"] = std::string(resolver::to_string(f.severity));
    properties["lock"] = nullable(f.lock);
    properties["target"] = nullable(f.target);
    if (f.requirement) properties["requirement"] = *f.requirement;
    result["properties"] = std::move(properties);
    results.push_back(std::move(result));
  }

  nlohmann::ordered_json driver;
  driver["name"] = "envlock";
  driver["version"] = opts.tool_version;
  driver["rules"] = std::move(rules);
  nlohmann::ordered_json run;
  run["tool"] = {{"driver", std::move(driver)}};
  run["results"] = std::move(results);
  run["properties"] = {{"verdict", std::string(report.verdict())}, {"target", report.target}};

  nlohmann::ordered_json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = nlohmann::ordered_json::array();
  log["runs"].push_back(std::move(run));
  return log;
}

std::string render_sarif(const resolver::Report& report, const RenderOptions& opts) {
  return dump_json(report_to_sarif(report, opts));
}

}  // namespace envlock::cli
