#include "resolver/dependency_check.hpp"

#include <cstdint>
#include <optional>
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
std::string requirement_text(const Requirement& req) {
  Requirement copy = req;
  copy.marker.reset();
  return to_string(copy);
}

}  // namespace

namespace {

struct Installed {
  const lockfile::Package* package = nullptr;
  std::optional<Version> version;  // parsed on first use
};

// A Requires-Dist line as far as this environment is concerned. Lines repeat
// across packages (and the same lock is checked twice in a diff), and
// parsing is the dominant cost, so each distinct line is parsed once.
struct Line {
  bool valid = false;    // valid PEP 508
  bool applies = false;  // valid and its marker holds with no extra
  Requirement requirement;
};

}  // namespace

std::vector<BrokenDependency> broken_dependencies(const lockfile::Fingerprint& fp,
                                                  const std::set<std::string>* only,
                                                  std::vector<InvalidRequirement>* invalid) {
  // The hash maps hold small indexes into vectors: with 5,000 packages the
  // lookups are bound by cache misses, and big nodes make every miss count.
  const std::size_t count = fp.packages.size();
  std::vector<std::string> names;  // normalized; reserved, so views stay valid
  names.reserve(count);
  std::vector<Installed> installed;
  std::unordered_map<std::string_view, std::uint32_t> installed_index;
  installed_index.reserve(count);
  std::size_t line_count = 0;
  for (const auto& p : fp.packages) {
    names.push_back(normalize_name(p.name));
    line_count += p.requires_dist.size();
    const auto slot = static_cast<std::uint32_t>(installed.size());
    auto [it, fresh] = installed_index.emplace(names.back(), slot);
    if (fresh) {
      installed.push_back(Installed{&p, std::nullopt});
    } else if (installed[it->second].package->shadowed && !p.shadowed) {
      installed[it->second].package = &p;
    }
  }
  const MarkerEnv env = marker_env_for(fp);
  std::vector<Line> lines;
  lines.reserve(line_count);
  std::unordered_map<std::string_view, std::uint32_t> line_index;
  line_index.reserve(line_count);

  std::vector<BrokenDependency> out;
  std::vector<std::uint32_t> parsed;  // one package's lines, indexes into `lines`
  for (std::size_t i = 0; i < count; ++i) {
    const auto& p = fp.packages[i];
    if (installed[installed_index.at(names[i])].package != &p) continue;  // a shadowed copy
    if (only != nullptr && only->count(names[i]) == 0) continue;
    // pip parses every line before it checks any: one invalid line and the
    // package's requirements are not checked at all.
    parsed.clear();
    const std::string* bad = nullptr;
    for (const std::string& text : p.requires_dist) {
      auto [cached, fresh] =
          line_index.emplace(text, static_cast<std::uint32_t>(lines.size()));
      if (fresh) {
        Line line;
        auto req = parse_requirement(text);
        line.valid = req.has_value();
        // Without an interpreter (a --site scan) a marker cannot be judged:
        // such a requirement is left out rather than guessed.
        line.applies =
            req && (!req->marker || (fp.python.has_value() && evaluate(*req->marker, env, "")));
        if (line.applies) line.requirement = std::move(*req);
        lines.push_back(std::move(line));
      }
      if (!lines[cached->second].valid && bad == nullptr) bad = &text;
      parsed.push_back(cached->second);
    }
    if (bad != nullptr) {
      if (invalid != nullptr) invalid->push_back(InvalidRequirement{&p, *bad});
      continue;
    }
    std::set<std::string_view> seen;  // a line listed twice is one pair
    for (std::size_t k = 0; k < parsed.size(); ++k) {
      const Line& line = lines[parsed[k]];
      if (!line.applies || !seen.insert(p.requires_dist[k]).second) continue;
      const Requirement& req = line.requirement;
      const auto it = installed_index.find(req.name);  // already normalized
      const lockfile::Package* dep = nullptr;
      if (it != installed_index.end()) {
        Installed& found = installed[it->second];
        if (!found.version) found.version = parse_version_or_legacy(found.package->version);
        if (contains(req.specifier, *found.version, true)) continue;
        dep = found.package;
      }
      out.push_back(BrokenDependency{&p, requirement_text(req), req.name, dep});
    }
  }
  return out;
}

std::string describe(const BrokenDependency& b) {
  std::string head = b.package->name + " " + b.package->version + " requires " + b.requirement;
  if (b.installed == nullptr) return head + ", which is not installed";
  return head + ", but " + b.installed->name + " " + b.installed->version + " is installed";
}

}  // namespace envlock::resolver
