#include "scanner/python/unlisted_files.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/sha256.hpp"
#include "scanner/python/record_parser.hpp"

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

// Walks every package directory with an explicit stack (no recursion, so no
// nesting depth can exhaust the stack) and a budget for the whole search.
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
      walk(d->first, d->second);
    }
  }

 private:
  struct Pending {
    std::string dir;
    bool package_dir;  ///< the package directory itself, not an unlisted one below it
  };

  void walk(const std::string& top, const PackageDir& info) {
    std::vector<Pending> stack{{top, true}};
    while (!stack.empty() && !stopped_) {
      Pending cur = std::move(stack.back());
      stack.pop_back();
      auto entries = fs_.list(cur.dir);
      if (!entries) {
        // A package directory that is gone: its listed files are "deleted".
        // An unlisted directory that is there but cannot be listed hides
        // whatever is inside it.
        if (cur.package_dir && !fs_.lstat(cur.dir)) continue;
        stop(cur.dir, info, "cannot list an unlisted directory: " + entries.error().message);
        return;
      }
      auto it = cur.package_dir ? listed_.find(cur.dir) : listed_.end();
      const auto* names = it == listed_.end() ? nullptr : &it->second;
      // Children are pushed in reverse so that they are visited in name order.
      std::vector<Pending> children;
      for (const auto& e : *entries) {
        seen_entries_ += 1;
        seen_path_bytes_ += cur.dir.size() + 1 + e.name.size();
        if (seen_entries_ > limits_.max_entries) {
          stop(cur.dir, info, "more than " + std::to_string(limits_.max_entries) +
                                  " entries in package directories");
          return;
        }
        if (seen_path_bytes_ > limits_.max_path_bytes) {
          stop(cur.dir, info, "more than " + std::to_string(limits_.max_path_bytes) +
                                  " bytes of paths in package directories");
          return;
        }
        const bool is_listed = names && names->count(e.name) != 0;
        std::string full = join_path(cur.dir, e.name);
        if (e.type == FileType::kDirectory) {
          // A package directory is walked on its own; a directory only listed
          // (dpkg lists them) or not at all is searched here.
          if (!is_listed || dirs_.count(full) == 0) children.push_back({std::move(full), false});
          continue;
        }
        if (!is_listed) {
          report(full, cur.dir, e.type, info);
          if (stopped_) return;
        }
      }
      for (auto c = children.rbegin(); c != children.rend(); ++c) stack.push_back(std::move(*c));
    }
  }

  void report(const std::string& full, const std::string& dir, FileType type,
              const PackageDir& info) {
    lockfile::FileProblem p;
    p.path = full.substr(info.prefix_size);
    p.package = join_owners(info.owners);
    p.location = info.site;
    // Python writes __pycache__/<name>.<tag>.pyc itself and never imports one
    // without its source: the ones it would load are pinned by the bytecode
    // rules (bytecode.hpp), the rest it ignores, so neither is a drop-in (a
    // Debian host has ~1,400 of them). A .pyc anywhere else is importable on
    // its own and is one.
    if (base_name(dir) == "__pycache__" && full.ends_with(".pyc")) return;
    p.problem = "unowned";
    p.actual = pin(full, type, info);
    problems_.push_back(std::move(p));
  }

  // What is at `full` now, so that a lock that recorded this drop-in vouches
  // for exactly this content and nothing else at the same path.
  std::string pin(const std::string& full, FileType type, const PackageDir& info) {
    if (type == FileType::kSymlink) {
      auto target = fs_.readlink(full);
      return target ? "symlink=" + *target : "symlink";
    }
    if (type != FileType::kRegular) return "other";
    auto st = fs_.lstat(full);
    if (!st) return "";
    hashed_bytes_ += st->size;
    if (hashed_bytes_ > limits_.max_hashed_bytes) {
      stop(parent_path(full), info,
           "more than " + std::to_string(limits_.max_hashed_bytes) + " bytes of unowned files");
      return "";
    }
    auto hex = fs_.sha256(full);
    return hex ? "sha256=" + urlsafe_b64(hex_decode(*hex)) : "";
  }

  void stop(const std::string& dir, const PackageDir& info, std::string why) {
    stopped_ = true;
    lockfile::FileProblem p;
    p.path = dir.size() > info.prefix_size ? dir.substr(info.prefix_size) : dir;
    p.package = join_owners(info.owners);
    p.location = info.site;
    p.problem = "incomplete";
    p.detail = why + "; stopped looking for unlisted files";
    diagnostics_.push_back({dir, p.detail});
    problems_.push_back(std::move(p));
  }

  const FileSystem& fs_;
  const Listed& listed_;
  const Dirs& dirs_;
  std::vector<lockfile::FileProblem>& problems_;
  std::vector<lockfile::Diagnostic>& diagnostics_;
  const UnlistedLimits& limits_;
  std::uint64_t seen_entries_ = 0;
  std::uint64_t seen_path_bytes_ = 0;
  std::uint64_t hashed_bytes_ = 0;
  bool stopped_ = false;
};

}  // namespace

std::string join_owners(const std::set<std::string>& owners) {
  std::string out;
  for (const auto& o : owners) {
    if (!out.empty()) out += ',';
    out += o;
  }
  return out;
}

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
