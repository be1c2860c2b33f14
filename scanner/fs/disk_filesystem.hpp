#pragma once
// FileSystem over a directory on this machine's disk: "/" for the live host, or the
// root of an unpacked filesystem / a prefix for `--root DIR`. Any root but "/"
// is a PathJail (path_jail.hpp): every path resolves from the root's open
// descriptor, symlinks are followed only while they stay inside, and what is
// read is read through the descriptor the resolution opened, so nothing a
// writer of the tree does meanwhile makes the scan read a host file.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "scanner/fs/filesystem.hpp"
#include "scanner/fs/path_jail.hpp"

namespace envlock::scanner {

class DiskFileSystem final : public FileSystem {
 public:
  /// The tree below host directory `root`, never live (--root DIR). "/" is
  /// resolved by the kernel as any program would; any other root is confined.
  /// `mount` is the target path at which a confined root appears: "/" for a
  /// root filesystem (an absolute link starts again at `root`), or a venv /
  /// conda prefix's own absolute path, so that its files keep their host
  /// spelling while no path, link or ".." may leave the prefix. A root that
  /// cannot be opened makes every call fail naming it.
  explicit DiskFileSystem(std::string root, std::string mount = "/");
  /// This machine itself ("/", is_live()): the one place a scan says that
  /// its target is the host it runs on (scan.cpp, --python and --site), so
  /// that the host's /proc, hardware and environment belong to the target.
  static DiskFileSystem live_host();

  Result<FileStat> stat(std::string_view path) const override;
  Result<FileStat> lstat(std::string_view path) const override;
  Result<std::vector<DirEntry>> list(std::string_view dir) const override;
  Result<std::string> read(std::string_view path, std::uint64_t max_bytes) const override;
  Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const override;
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::uint64_t size) const override;
  Result<std::string> read_beneath(std::string_view base, std::string_view path,
                                   std::uint64_t max_bytes) const override;
  Result<std::string> readlink(std::string_view path) const override;
  Result<std::string> realpath(std::string_view path) const override;
  Result<void> read_chunks(
      std::string_view path,
      const std::function<void(const char* data, std::size_t size)>& sink) const override;
  bool is_live() const override { return live_; }
  std::string describe() const override;

 private:
  Result<UniqueFd> open_regular(std::string_view path, struct stat& st) const;
  Result<const PathJail*> jail() const;

  std::string root_;  ///< "" for "/", else the host directory without trailing '/'
  bool live_ = false;             ///< set by live_host() alone
  std::optional<PathJail> jail_;  ///< every root but "/"
  std::string jail_error_;        ///< why the root could not be opened

  /// read_beneath's jails, one per base directory, opened on first use: a
  /// full scan reads some seven metadata files per package from the same
  /// site directory, and opening the jail per read cost three system calls
  /// each. A base swapped later in the scan stays the one first opened, which
  /// only keeps reads below it. Behind a pointer so the class stays movable.
  struct BaseJails {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const PathJail>> by_base;
  };
  std::shared_ptr<BaseJails> base_jails_ = std::make_shared<BaseJails>();
  Result<std::shared_ptr<const PathJail>> base_jail(const std::string& base) const;
};

}  // namespace envlock::scanner
