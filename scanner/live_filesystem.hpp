#pragma once
// FileSystem over a directory of this machine: "/" for the live host, or the
// root of an unpacked filesystem / a prefix for `--root DIR`. Symlinks are
// resolved component by component inside the root, so an absolute link in an
// unpacked image points into DIR, never at the host.

#include <string>

#include "scanner/filesystem.hpp"

namespace envlock::scanner {

class LiveFileSystem final : public FileSystem {
 public:
  /// `root` is a host directory; "/" means the live host itself.
  explicit LiveFileSystem(std::string root, bool live = false);

  Result<FileStat> stat(std::string_view path) const override;
  Result<FileStat> lstat(std::string_view path) const override;
  Result<std::vector<DirEntry>> list(std::string_view dir) const override;
  Result<std::string> read(std::string_view path, std::uint64_t max_bytes) const override;
  Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const override;
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::uint64_t size) const override;
  Result<std::string> readlink(std::string_view path) const override;
  Result<std::string> realpath(std::string_view path) const override;
  Result<void> read_chunks(
      std::string_view path,
      const std::function<void(const char* data, std::size_t size)>& sink) const override;
  bool is_live() const override { return live_; }
  std::string describe() const override;

  /// Host path for a target path after resolving symlinks inside the root.
  Result<std::string> host_path(std::string_view path, bool follow_last = true) const;

 private:
  Result<int> open_regular(std::string_view path) const;

  std::string root_;  ///< "" for "/", else the host directory without trailing '/'
  bool live_;
};

}  // namespace envlock::scanner
