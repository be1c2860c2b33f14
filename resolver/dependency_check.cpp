#include "resolver/dependency_check.hpp"

#include <set>
#include <unordered_map>
#include <utility>

#include "resolver/marker.hpp"
#include "resolver/name.hpp"
#include "resolver/requirement.hpp"
#include "resolver/specifier.hpp"
#include "resolver/version.hpp"

namespace envlock::resolver {

namespace {

// The requirement without its marker, spelled as packaging prints it (pip
// check's wording): "pandas (>=2)" in old METADATA reads "pandas>=2".
std::string requirement_text(Requirement req) {
  req.marker.reset();
  return to_string(req);
}

}  // namespace

std::vector<BrokenDependency> broken_dependencies(const lockfile::Fingerprint& fp) {
  std::unordered_map<std::string, const lockfile::Package*> installed;
  installed.reserve(fp.packages.size());
  for (const auto& p : fp.packages) {
    auto [it, fresh] = installed.emplace(normalize_name(p.name), &p);
    if (!fresh && it->second->shadowed && !p.shadowed) it->second = &p;
  }
  const MarkerEnv env = marker_env_for(fp);

  std::vector<BrokenDependency> out;
  for (const auto& p : fp.packages) {
    if (installed[normalize_name(p.name)] != &p) continue;  // a shadowed copy
    std::set<std::string_view> seen;  // a line listed twice is one pair
    for (const std::string& line : p.requires_dist) {
      auto req = parse_requirement(line);
      if (!req) continue;
      if (req->marker && !evaluate(*req->marker, env, "")) continue;
      if (!seen.insert(line).second) continue;
      std::string dependency = normalize_name(req->name);
      const auto it = installed.find(dependency);
      const lockfile::Package* dep = it == installed.end() ? nullptr : it->second;
      if (dep != nullptr && contains(req->specifier, dep->version, true)) continue;
      out.push_back(BrokenDependency{&p, requirement_text(std::move(*req)), std::move(dependency), dep});
    }
  }
  return out;
}

std::string describe(const BrokenDependency& b) {
  std::string head = b.package->name + " " + b.package->version + " requires " + b.requirement;
  if (b.installed == nullptr) return head + ", which is not installed";
  return head + ", but " + b.installed->name + " " + b.installed->version + " is installed";
}

std::vector<Finding> find_broken_dependencies(const lockfile::Fingerprint& target,
                                              Severity severity) {
  std::vector<Finding> out;
  for (const auto& b : broken_dependencies(target)) {
    Finding f;
    f.severity = severity;
    f.category = "dependency-broken";
    f.subject = normalize_name(b.package->name);
    if (b.installed != nullptr) f.target = b.installed->version;
    f.message = describe(b);
    f.requirement = b.requirement;
    out.push_back(std::move(f));
  }
  sort_findings(out);
  return out;
}

}  // namespace envlock::resolver
