#pragma once
// `check --format json`: the findings object of docs/output-formats.md, a machine contract.

#include <string>

#include <nlohmann/json.hpp>

#include "resolver/finding.hpp"

namespace envlock::cli {

/// {"verdict","lock","target","findings":[{"severity","category","subject",
/// "lock","target","message"}]} in that key order; a null lock/target value is
/// JSON null; "requirement" (string or null) appears on dependency-broken
/// findings only.
nlohmann::ordered_json report_to_json(const resolver::Report& report);

/// report_to_json printed with two-space indent and a final newline. Strings
/// that are not UTF-8 have their ill-formed bytes replaced by U+FFFD.
std::string render_json(const resolver::Report& report);

/// Prints `doc` with two-space indent and a final newline, replacing ill-formed
/// UTF-8 with U+FFFD instead of throwing. Shared by the JSON-based outputs.
std::string dump_json(const nlohmann::ordered_json& doc);

}  // namespace envlock::cli
