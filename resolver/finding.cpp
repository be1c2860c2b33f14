#include "resolver/finding.hpp"

#include <algorithm>
#include <tuple>

namespace envlock::resolver {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::kBlock: return "block";
    case Severity::kWarn: return "warn";
    case Severity::kInfo: return "info";
  }
  return "info";
}

bool Report::blocked() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::kBlock; });
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(-static_cast<int>(a.severity), std::string_view(a.category),
                           std::string_view(a.subject)) <
           std::make_tuple(-static_cast<int>(b.severity), std::string_view(b.category),
                           std::string_view(b.subject));
  });
}

}  // namespace envlock::resolver
