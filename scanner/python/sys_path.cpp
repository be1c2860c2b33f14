#include "scanner/python/sys_path.hpp"

#include <set>

#include "scanner/python/package_catalog.hpp"

namespace envlock::scanner {

std::vector<std::string> pythonpath_entries(std::string_view value, const std::string& cwd) {
  std::vector<std::string> out;
  if (value.empty()) return out;  // unset and empty are the same to Python
  std::set<std::string> seen;
  for (std::size_t i = 0; i <= value.size();) {
    std::size_t j = std::min(value.find(':', i), value.size());
    std::string_view entry = value.substr(i, j - i);
    std::string path = normalize_path(entry.starts_with('/') ? std::string(entry) : join_path(cwd, entry));
    if (seen.insert(path).second) out.push_back(std::move(path));
    i = j + 1;
  }
  return out;
}

std::vector<std::string> live_sys_path(const FileSystem& fs, const InterpreterFacts& facts,
                                       const std::vector<std::string>& pythonpath) {
  // What is on sys.path before site runs: site.removeduppaths() keeps the
  // first of each, and addsitedir() never adds a path a second time.
  std::vector<std::string> known;
  std::set<std::string> seen;
  for (const auto* list : {&pythonpath, &facts.base_path}) {
    for (const auto& p : *list) {
      std::string path = normalize_path(p);
      if (seen.insert(path).second) known.push_back(std::move(path));
    }
  }
  std::vector<std::string> sites;
  for (const auto& s : facts.site_candidates) {
    std::string path = normalize_path(s);
    if (fs.is_dir(path)) sites.push_back(std::move(path));  // addsitepackages() skips the missing
  }
  std::vector<std::string> out;
  for (const auto& p : known) {
    // importlib.metadata reads every entry it can: a directory, or a zip
    // archive such as a zipped egg on PYTHONPATH (a missing one is nothing).
    if (fs.is_dir(p) || fs.is_file(p)) out.push_back(p);
  }
  for (auto& p : expand_pth(fs, sites, known)) out.push_back(std::move(p));
  return out;
}

}  // namespace envlock::scanner
