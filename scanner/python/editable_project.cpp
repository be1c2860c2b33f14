#include "scanner/python/editable_project.hpp"

#include <algorithm>

#include "base/sha256.hpp"
#include "scanner/cache/file_hasher.hpp"
#include "scanner/python/record_parser.hpp"

namespace envlock::scanner {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Not the project's code, at any depth.
bool skipped_anywhere(std::string_view name) {
  for (std::string_view s : {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".eggs",
                             ".mypy_cache", ".pytest_cache", ".ruff_cache"}) {
    if (name == s) return true;
  }
  return name.ends_with(".egg-info");
}

struct Entry {
  std::string relative;
  std::string absolute;
  FileType type;
};

}  // namespace

std::optional<std::string> file_url_path(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("file://localhost/")) {
    rest = url.substr(16);
  } else if (url.starts_with("file:///")) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '?' || c == '#') break;
    if (c == '%' && i + 2 < rest.size()) {
      int hi = hex_value(rest[i + 1]);
      int lo = hex_value(rest[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    if (c == '\0') return std::nullopt;
    path.push_back(c);
  }
  return normalize_path(path);
}

EditableProject hash_editable_project(const FileSystem& fs, const std::string& dir,
                                      HashCache* cache, const EditableLimits& limits) {
  EditableProject out;
  // direct_url.json is the environment owner's to write: "file:///proc"
  // would have the scan read the kernel's files.
  if (auto real = fs.realpath(dir); real && is_pseudo_path(*real)) {
    out.complete = false;
    out.diagnostics.push_back({dir, "editable project in a kernel pseudo filesystem; not read"});
    return out;
  }
  std::vector<Entry> recorded;
  std::uint64_t bytes = 0;
  std::size_t looked_at = 0;
  auto stop = [&](const std::string& where, std::string why) {
    out.complete = false;
    out.diagnostics.push_back(
        {where, "editable project " + dir + ": " + std::move(why) + "; hashed what came before"});
  };
  // Depth first with an explicit stack: a hostile tree's depth costs memory
  // only for its names, never stack frames.
  std::vector<std::string> pending{""};
  while (!pending.empty() && out.complete) {
    const std::string rel = std::move(pending.back());
    pending.pop_back();
    const std::string abs = rel.empty() ? dir : join_path(dir, rel);
    auto entries = fs.list(abs);
    if (!entries) {
      // A project that is gone imports nothing: an empty tree, which a lock
      // of the project as it was does not match.
      if (rel.empty() && fs.lstat(dir)) {
        out.complete = false;
        out.diagnostics.push_back(
            {dir, "editable project not readable: " + entries.error().message});
      } else if (!rel.empty()) {
        // A subdirectory that is there but cannot be listed hides its code.
        stop(abs, "cannot list " + entries.error().message);
      }
      continue;
    }
    std::vector<std::string> subdirs;
    for (const auto& e : *entries) {
      if (++looked_at > limits.max_entries) {
        stop(abs, "more than " + std::to_string(limits.max_entries) + " directory entries");
        break;
      }
      const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
      if (e.type == FileType::kDirectory) {
        if (skipped_anywhere(e.name)) continue;
        if (rel.empty() && (e.name == "build" || e.name == "dist")) continue;
        const std::string sub = join_path(abs, e.name);
        if (fs.exists(join_path(sub, "pyvenv.cfg")) || fs.is_dir(join_path(sub, "conda-meta"))) {
          continue;
        }
        subdirs.push_back(child);
        continue;
      }
      if (recorded.size() >= limits.max_files) {
        stop(abs, "more than " + std::to_string(limits.max_files) + " files");
        break;
      }
      if (e.type == FileType::kRegular) {
        auto st = fs.lstat(join_path(abs, e.name));
        if (st) bytes += st->size;
        if (bytes > limits.max_bytes) {
          stop(abs, "more than " + std::to_string(limits.max_bytes) + " bytes of files");
          break;
        }
      }
      recorded.push_back({child, join_path(abs, e.name), e.type});
    }
    // Reversed, so that the stack hands them out in sorted order.
    for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it) pending.push_back(std::move(*it));
  }

  std::vector<HashRequest> requests;
  std::vector<std::size_t> request_of(recorded.size(), SIZE_MAX);
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    if (recorded[i].type != FileType::kRegular) continue;
    request_of[i] = requests.size();
    requests.push_back({recorded[i].absolute, ""});
  }
  auto digests = hash_files(fs, requests, cache);
  std::vector<std::string> lines;
  lines.reserve(recorded.size());
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    const auto& r = recorded[i];
    std::string what;
    if (r.type == FileType::kRegular) {
      const auto& d = digests[request_of[i]];
      what = d ? "sha256=" + urlsafe_b64(hex_decode(d->sha256)) : "unreadable";
      if (r.relative.ends_with(".py")) out.sources.push_back(r.absolute);
    } else if (r.type == FileType::kSymlink) {
      auto target = fs.readlink(r.absolute);
      what = target ? "symlink=" + *target : "unreadable";
      if (r.relative.ends_with(".py")) out.sources.push_back(r.absolute);
    } else {
      what = "other";
    }
    lines.push_back(r.relative + "," + what + "\n");
  }
  std::sort(lines.begin(), lines.end());
  Sha256 agg;
  for (const auto& l : lines) agg.update(l);
  out.summary.count = lines.size();
  out.summary.digest = "sha256:" + agg.hex_final();
  return out;
}

}  // namespace envlock::scanner
