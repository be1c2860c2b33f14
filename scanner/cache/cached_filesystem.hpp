#pragma once
// A FileSystem that answers sha256() from the incremental hash cache and
// forwards everything else: wrap a live target's filesystem once and every
// probe that hashes through fs.sha256() (the native probe's ELF objects) gets
// warm re-scans for free.

#include "scanner/fs/filesystem.hpp"
#include "scanner/cache/hash_cache.hpp"

namespace envlock::scanner {

class CachedFileSystem final : public FileSystem {
 public:
  /// Both must outlive this object. Only for filesystems whose stat gives real
  /// device, inode and ctime (DiskFileSystem), never an image.
  CachedFileSystem(const FileSystem& inner, HashCache& cache) : inner_(inner), cache_(cache) {}

  Result<FileStat> stat(std::string_view path) const override { return inner_.stat(path); }
  Result<FileStat> lstat(std::string_view path) const override { return inner_.lstat(path); }
  Result<std::vector<DirEntry>> list(std::string_view dir) const override { return inner_.list(dir); }
  Result<std::string> read(std::string_view path, std::uint64_t max_bytes) const override {
    return inner_.read(path, max_bytes);
  }
  Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const override {
    return inner_.read_prefix(path, max_bytes);
  }
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::uint64_t size) const override {
    return inner_.read_at(path, offset, size);
  }
  Result<std::string> read_beneath(std::string_view base, std::string_view path,
                                   std::uint64_t max_bytes) const override {
    return inner_.read_beneath(base, path, max_bytes);
  }
  Result<std::string> readlink(std::string_view path) const override { return inner_.readlink(path); }
  Result<std::string> realpath(std::string_view path) const override { return inner_.realpath(path); }
  Result<void> read_chunks(
      std::string_view path,
      const std::function<void(const char* data, std::size_t size)>& sink) const override {
    return inner_.read_chunks(path, sink);
  }
  /// From the cache when the file's stat key is there; else hashed by the
  /// inner filesystem and stored (see hash_file()).
  Result<std::string> sha256(std::string_view path) const override;
  bool is_live() const override { return inner_.is_live(); }
  std::string describe() const override { return inner_.describe(); }

 private:
  const FileSystem& inner_;
  HashCache& cache_;
};

}  // namespace envlock::scanner
