#pragma once
// An in-memory FileSystem for fuzz targets: the probes read hostile trees
// through the same interface as a live host, without touching the disk.

#include <map>
#include <string>

#include "scanner/fs/filesystem.hpp"

namespace envlock::fuzz {

class MemoryFileSystem final : public scanner::FileSystem {
 public:
  /// Adds a regular file; its parent directories exist implicitly.
  void add(const std::string& path, std::string content) {
    files_[normalize_path(path)] = std::move(content);
  }

  Result<scanner::FileStat> stat(std::string_view path) const override {
    std::string p = normalize_path(path);
    scanner::FileStat st;
    if (auto it = files_.find(p); it != files_.end()) {
      st.type = scanner::FileType::kRegular;
      st.size = it->second.size();
      return st;
    }
    if (is_directory(p)) {
      st.type = scanner::FileType::kDirectory;
      return st;
    }
    return fail(p + ": No such file or directory");
  }
  Result<scanner::FileStat> lstat(std::string_view path) const override { return stat(path); }
  Result<std::vector<scanner::DirEntry>> list(std::string_view dir) const override {
    std::string d = normalize_path(dir);
    if (!is_directory(d)) return fail(d + ": not a directory");
    std::string prefix = d == "/" ? "/" : d + "/";
    std::map<std::string, scanner::FileType> names;
    for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix); ++it) {
      std::string rest = it->first.substr(prefix.size());
      auto slash = rest.find('/');
      names.emplace(rest.substr(0, slash),
                    slash == std::string::npos ? scanner::FileType::kRegular : scanner::FileType::kDirectory);
    }
    std::vector<scanner::DirEntry> out;
    for (auto& [n, t] : names) out.push_back({n, t});
    return out;
  }
  Result<std::string> read(std::string_view path, std::uint64_t max_bytes) const override {
    auto it = files_.find(normalize_path(path));
    if (it == files_.end()) return fail(std::string(path) + ": not a regular file");
    if (it->second.size() > max_bytes) return fail(std::string(path) + ": too large");
    return it->second;
  }
  Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const override {
    auto text = read(path, UINT64_MAX);
    if (!text) return text;
    return text->substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(max_bytes, text->size())));
  }
  Result<std::string> readlink(std::string_view path) const override {
    return fail(std::string(path) + ": not a symbolic link");
  }
  Result<std::string> realpath(std::string_view path) const override {
    auto st = stat(path);
    if (!st) return tl::unexpected(st.error());
    return normalize_path(path);
  }
  Result<void> read_chunks(std::string_view path,
                           const std::function<void(const char*, std::size_t)>& sink) const override {
    auto text = read(path, UINT64_MAX);
    if (!text) return tl::unexpected(text.error());
    sink(text->data(), text->size());
    return {};
  }
  std::string describe() const override { return "memory"; }

 private:
  bool is_directory(const std::string& p) const {
    if (p == "/") return true;
    auto it = files_.lower_bound(p + "/");
    return it != files_.end() && it->first.starts_with(p + "/");
  }

  std::map<std::string, std::string> files_;
};

}  // namespace envlock::fuzz
