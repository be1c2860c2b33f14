#include "scanner/unlisted_files.hpp"

#include <map>
#include <set>
#include <unordered_set>

namespace envlock::scanner {

namespace {

struct PackageDir {
  std::set<std::string> owners;
  std::string site;
  std::size_t prefix_size = 0;  ///< of site + "/"
};

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
  Walker(const FileSystem& fs, const std::unordered_set<std::string>& listed,
         const std::map<std::string, PackageDir>& dirs, std::vector<lockfile::FileProblem>& problems,
         std::vector<lockfile::Diagnostic>& diagnostics, const UnlistedLimits& limits)
      : fs_(fs), listed_(listed), dirs_(dirs), problems_(problems), diagnostics_(diagnostics),
        limits_(limits) {}

  void run() {
    for (const auto& [dir, info] : dirs_) {
      if (stopped_) return;
      walk(dir, info, 0);
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
    for (const auto& e : *entries) {
      if (stopped_) return;
      if (++seen_ > limits_.max_entries) {
        stop(dir, "more than " + std::to_string(limits_.max_entries) +
                      " entries in package directories; stopped looking for unlisted files");
        return;
      }
      std::string full = join_path(dir, e.name);
      if (listed_.count(full) != 0) continue;
      if (e.type == FileType::kDirectory) {
        if (dirs_.count(full) == 0) walk(full, info, depth + 1);
        continue;
      }
      report(full, dir, info);
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
  const std::unordered_set<std::string>& listed_;
  const std::map<std::string, PackageDir>& dirs_;
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
  std::unordered_set<std::string> listed;
  std::map<std::string, PackageDir> dirs;
  for (const auto& l : listings) {
    const std::string prefix = l.site == "/" ? "/" : l.site + "/";
    for (const auto& path : l.paths) {
      listed.insert(path);
      if (l.package.empty() || !path.starts_with(prefix)) continue;  // "../../bin/x": outside the site
      // Every ancestor strictly below the site; once one already names this
      // owner, all above it do too.
      for (std::string d = parent_path(path); d.size() > prefix.size() && d.starts_with(prefix);
           d = parent_path(d)) {
        auto& info = dirs[d];
        if (info.site.empty()) {
          info.site = l.site;
          info.prefix_size = prefix.size();
        }
        if (!info.owners.insert(l.package).second) break;
      }
    }
  }
  Walker(fs, listed, dirs, problems, diagnostics, limits).run();
}

}  // namespace envlock::scanner
