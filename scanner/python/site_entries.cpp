#include "scanner/python/site_entries.hpp"

#include <algorithm>

#include "base/sha256.hpp"
#include "scanner/python/unlisted_files.hpp"

namespace envlock::scanner {

namespace {

std::string kind_name(FileType t) {
  switch (t) {
    case FileType::kRegular: return "file";
    case FileType::kDirectory: return "directory";
    case FileType::kSymlink: return "symlink";
    case FileType::kOther: break;
  }
  return "other";
}

// The budget all unowned trees of one scan share.
struct Budget {
  const SiteEntryOptions& limits;
  std::uint64_t entries = 0, bytes = 0, path_bytes = 0;
  std::string exceeded = {};  ///< why the first limit was reached, "" while within
};

// "sha256:<hex>" over sorted "relative-path,content" lines of the tree below
// `top` (content: the file's SHA-256, a link's target, or the kind), walked
// with an explicit stack: any depth, bounded by the shared budget. Returns ""
// once the budget is exceeded or a directory cannot be listed (`why`).
std::string tree_digest(const FileSystem& fs, const std::string& top, Budget& budget,
                        std::string& why, const std::function<void(const std::string&)>* unowned) {
  std::vector<std::string> lines;
  std::vector<std::string> stack{top};
  while (!stack.empty()) {
    std::string dir = std::move(stack.back());
    stack.pop_back();
    auto entries = fs.list(dir);
    if (!entries) {
      why = "cannot list " + entries.error().message;
      return "";
    }
    for (const auto& e : *entries) {
      std::string full = join_path(dir, e.name);
      budget.entries += 1;
      budget.path_bytes += full.size();
      if (budget.entries > budget.limits.max_entries) {
        why = "more than " + std::to_string(budget.limits.max_entries) +
              " entries in unowned top-level directories";
      } else if (budget.path_bytes > budget.limits.max_path_bytes) {
        why = "more than " + std::to_string(budget.limits.max_path_bytes) +
              " bytes of paths in unowned top-level directories";
      }
      if (!why.empty()) return "";
      std::string rel = full.substr(top.size() + 1);
      if (e.type == FileType::kDirectory && e.name == "__pycache__") {
        continue;  // written by Python as it imports; a digest would change on every run
      } else if (e.type == FileType::kDirectory) {
        lines.push_back(rel + ",directory\n");
        stack.push_back(std::move(full));
      } else if (e.type == FileType::kSymlink) {
        if (unowned) (*unowned)(full);
        auto target = fs.readlink(full);
        lines.push_back(rel + ",symlink=" + (target ? *target : "") + "\n");
      } else if (e.type == FileType::kRegular) {
        if (unowned) (*unowned)(full);
        auto st = fs.lstat(full);
        budget.bytes += st ? st->size : 0;
        if (budget.bytes > budget.limits.max_bytes) {
          why = "more than " + std::to_string(budget.limits.max_bytes) +
                " bytes in unowned top-level directories";
          return "";
        }
        auto hex = fs.sha256(full);
        lines.push_back(rel + "," + (hex ? *hex : "unreadable") + "\n");
      } else {
        lines.push_back(rel + ",other\n");
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  Sha256 agg;
  for (const auto& l : lines) agg.update(l);
  return "sha256:" + agg.hex_final();
}

}  // namespace

bool is_startup_hook(std::string_view name) {
  if (name.ends_with(".pth")) return true;
  std::string_view module = name.substr(0, name.find('.'));
  return module == "sitecustomize" || module == "usercustomize";
}

bool is_stdlib_dir(const FileSystem& fs, const std::string& dir) {
  return base_name(dir) == "lib-dynload" || fs.is_file(join_path(dir, "os.py"));
}

void record_site_entries(const FileSystem& fs, const std::vector<std::string>& site_dirs,
                         const TopLevelOwners& owners, const SiteEntryOptions& options,
                         lockfile::Fingerprint& fp) {
  Budget budget{options};
  std::set<std::string> done;
  for (const auto& site : site_dirs) {
    if (!done.insert(site).second || is_stdlib_dir(fs, site)) continue;
    auto entries = fs.list(site);
    if (!entries) continue;  // sys.path may name directories that are not there
    const auto site_owners = owners.names.find(site);
    std::string tree_owner;
    for (const auto& [dir, package] : owners.trees) {
      if (site == dir || (site.size() > dir.size() && site.starts_with(dir) && site[dir.size()] == '/')) {
        tree_owner = package;
      }
    }
    for (const auto& e : *entries) {
      lockfile::SiteEntry out;
      out.location = site;
      out.name = e.name;
      out.kind = kind_name(e.type);
      out.startup = is_startup_hook(e.name);
      out.owner = tree_owner;
      if (site_owners != owners.names.end()) {
        if (auto it = site_owners->second.find(e.name); it != site_owners->second.end()) {
          out.owner = join_owners(it->second);
        }
      }
      const std::string full = join_path(site, e.name);
      const bool pinned = out.startup || out.owner.empty();
      const bool tell = out.owner.empty() && options.unowned_file;
      if (tell && (e.type == FileType::kRegular || e.type == FileType::kSymlink))
        options.unowned_file(full);
      if (pinned && e.type == FileType::kSymlink) {
        auto target = fs.readlink(full);
        out.digest = "symlink=" + (target ? *target : "");
      } else if (pinned && e.type == FileType::kRegular) {
        if (auto hex = fs.sha256(full)) out.digest = "sha256:" + *hex;
      } else if (pinned && e.type == FileType::kDirectory && options.hash_trees &&
                 e.name != "__pycache__" && budget.exceeded.empty()) {
        std::string why;
        out.digest = tree_digest(fs, full, budget, why, tell ? &options.unowned_file : nullptr);
        if (!why.empty()) {
          budget.exceeded = why;
          lockfile::FileProblem p;
          p.path = e.name;
          p.location = site;
          p.problem = "incomplete";
          p.detail = why + "; stopped digesting unowned top-level directories";
          fp.diagnostics.push_back({full, p.detail});
          fp.integrity.push_back(std::move(p));
        }
      }
      fp.site_entries.push_back(std::move(out));
    }
  }
}

}  // namespace envlock::scanner
