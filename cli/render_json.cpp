#include "cli/render_json.hpp"

namespace envlock::cli {

namespace {

nlohmann::ordered_json nullable(const std::optional<std::string>& value) {
  if (!value) return nullptr;
  return *value;
}

}  // namespace

nlohmann::ordered_json report_to_json(const resolver::Report& report) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& f : report.findings) {
    nlohmann::ordered_json item;
    item["severity"] = std::string(resolver::to_string(f.severity));
    item["category"] = f.category;
    item["subject"] = f.subject;
    item["lock"] = nullable(f.lock);
    item["target"] = nullable(f.target);
    item["message"] = f.message;
    if (f.category == "dependency-broken") item["requirement"] = nullable(f.requirement);
    findings.push_back(std::move(item));
  }
  nlohmann::ordered_json doc;
  doc["verdict"] = std::string(report.verdict());
  doc["lock"] = report.lock;
  doc["target"] = report.target;
  doc["findings"] = std::move(findings);
  nlohmann::ordered_json diagnostics = nlohmann::ordered_json::array();
  for (const auto& d : report.diagnostics) {
    nlohmann::ordered_json item;
    item["subject"] = d.subject;
    item["message"] = d.message;
    diagnostics.push_back(std::move(item));
  }
  doc["diagnostics"] = std::move(diagnostics);
  return doc;
}

std::string dump_json(const nlohmann::ordered_json& doc) {
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string render_json(const resolver::Report& report) { return dump_json(report_to_json(report)); }

}  // namespace envlock::cli
