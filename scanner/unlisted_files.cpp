#include "scanner/unlisted_files.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace envlock::scanner {

namespace {

struct PackageDir {
  std::set<std::string> owners;
  std::string site;
  std::size_t prefix_size = 0;  ///< of site + "/"
};

// Directory -> the names in it that some list accounts for (files, and the
// directories on the way to listed files). One lookup per directory, then
// short names per entry: a site has tens of thousands of entries.
using Listed = std::unordered_map<std::string, std::unordered_set<std::string>>;
using Dirs = std::unordered_map<std::string, PackageDir>;

std::string join_owners(const std::set<std::string>& owners) {
  std::string out;
  for (const auto& o : owners) {
    if (!out.empty()) out += ',';
    out += o;
  }
  return out;
}

class Walker {
 public:
  Walker(const FileSystem& fs, const Listed& listed, const Dirs& dirs,
         std::vector<lockfile::FileProblem>& problems,
         std::vector<lockfile::Diagnostic>& diagnostics, const UnlistedLimits& limits)
      : fs_(fs), listed_(listed), dirs_(dirs), problems_(problems), diagnostics_(diagnostics),
        limits_(limits) {}

  void run() {
    // Sorted, so that where a limit stops the search does not depend on hashing.
    std::vector<const Dirs::value_type*> order;
    order.reserve(dirs_.size());
    for (const auto& d : dirs_) order.push_back(&d);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* d : order) {
      if (stopped_) return;
      walk(d->first, d->second, 0);
    }
  }

 private:
  // depth 0: a package directory; deeper: a directory nobody lists inside one.
  void walk(const std::string& dir, const PackageDir& info, std::size_t depth) {
    if (depth > limits_.max_depth) {
      stop(dir, "directories nested deeper than " + std::to_string(limits_.max_depth) +
                    " levels inside a package directory; stopped looking for unlisted files");
      return;
    }
    auto entries = fs_.list(dir);
    if (!entries) return;  // a package directory that is gone: its files are "deleted"
    auto it = depth == 0 ? listed_.find(dir) : listed_.end();
    const auto* names = it == listed_.end() ? nullptr : &it->second;
    for (const auto& e : *entries) {
      if (stopped_) return;
      if (++seen_ > limits_.max_entries) {
        stop(dir, "more than " + std::to_string(limits_.max_entries) +
                      " entries in package directories; stopped looking for unlisted files");
        return;
      }
      const bool is_listed = names && names->count(e.name) != 0;
      if (e.type == FileType::kDirectory) {
        // A package directory is walked on its own; a directory only listed
        // (dpkg lists them) or not at all is searched here.
        if (!is_listed || dirs_.count(join_path(dir, e.name)) == 0) {
          walk(join_path(dir, e.name), info, depth + 1);
        }
        continue;
      }
      if (!is_listed) report(join_path(dir, e.name), dir, info);
    }
  }

  void report(const std::string& full, const std::string& dir, const PackageDir& info) {
    lockfile::FileProblem p;
    p.path = full.substr(info.prefix_size);
    p.package = join_owners(info.owners);
    p.location = info.site;
    // Python writes __pycache__/<name>.<tag>.pyc itself and never imports one
    // without its source; a .pyc anywhere else is importable on its own.
    bool bytecode = base_name(dir) == "__pycache__" && full.ends_with(".pyc");
    p.problem = bytecode ? "bytecode" : "unowned";
    problems_.push_back(std::move(p));
  }

  void stop(const std::string& dir, std::string message) {
    stopped_ = true;
    diagnostics_.push_back({dir, std::move(message)});
  }

  const FileSystem& fs_;
  const Listed& listed_;
  const Dirs& dirs_;
  std::vector<lockfile::FileProblem>& problems_;
  std::vector<lockfile::Diagnostic>& diagnostics_;
  const UnlistedLimits& limits_;
  std::size_t seen_ = 0;
  bool stopped_ = false;
};

}  // namespace

void find_unlisted_files(const FileSystem& fs, const std::vector<PackageListing>& listings,
                         std::vector<lockfile::FileProblem>& problems,
                         std::vector<lockfile::Diagnostic>& diagnostics,
                         const UnlistedLimits& limits) {
  Listed listed;
  Dirs dirs;
  for (const auto& l : listings) {
    const std::string prefix = l.site == "/" ? "/" : l.site + "/";
    const bool owns = !l.package.empty();
    for (const auto& path : l.paths) {
      // Each step up marks the child's name as accounted for in its parent;
      // once a directory already names this owner, all above it do too.
      std::string child = path;
      std::string dir = parent_path(path);
      while (true) {
        bool fresh_name = listed[dir].insert(base_name(child)).second;
        bool below_site = owns && dir.size() > prefix.size() && dir.starts_with(prefix);
        bool fresh_owner = false;
        if (below_site) {
          auto& info = dirs[dir];
          if (info.site.empty()) {
            info.site = l.site;
            info.prefix_size = prefix.size();
          }
          fresh_owner = info.owners.insert(l.package).second;
        }
        if ((!fresh_name && !fresh_owner) || dir == "/" || dir.size() <= prefix.size()) break;
        child = dir;
        dir = parent_path(dir);
      }
    }
  }
  Walker(fs, listed, dirs, problems, diagnostics, limits).run();
}

}  // namespace envlock::scanner
