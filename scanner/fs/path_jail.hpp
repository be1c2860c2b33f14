#pragma once
// A directory of this machine that target paths resolve in, race-free.
//
// `--root DIR`, a package's metadata directory and an OCI layout are trees
// someone else may write while envlock reads them. Checking a path and then
// opening it by name lets a directory swapped for a symlink in between hand
// the scan any host file. A jail holds the directory open and resolves every
// path from that descriptor: openat2(RESOLVE_IN_ROOT / RESOLVE_BENEATH) where
// the kernel has it, else one openat(O_NOFOLLOW) per component with symlinks
// followed by hand (at most 40). Whatever the resolution meets, the file it
// opens lies inside the jail, and what it reads is read through that
// descriptor.
//
// Paths are target paths: absolute, '/'-separated, in the namespace of the
// jail's `mount` (the target path at which the directory appears). With mount
// "/" the jail is a root: ".." at the top stays there and an absolute link
// starts again at the top, as in a chroot. With another mount (a venv at
// /opt/venv scanned as `--root`, a site directory) an absolute link that names
// a path under the mount is followed there; anything that leads out of the
// mount — a path, a link or a ".." — fails with "<path>: leaves <mount>".

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace envlock::scanner {

/// Owns a file descriptor; -1 when empty.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

class PathJail {
 public:
  enum class Links {
    kFollowInside,  ///< symlinks are followed while they stay inside
    kRefuse,        ///< any symlink on the way fails ("<path>: is a symbolic link")
  };

  /// Opens the host directory `host_dir` (the caller named it: links in it are
  /// followed by the kernel) as the jail for target paths under `mount`.
  static Result<PathJail> open(const std::string& host_dir, std::string mount = "/",
                               Links links = Links::kFollowInside);

  /// A jail at directory `dir` of this one, mounted at `dir`: what resolves
  /// beneath it cannot reach the rest of this jail either.
  Result<PathJail> sub(std::string_view dir) const;

  /// A regular file opened for reading. Anything else (a FIFO, a device, a
  /// socket) fails with "<path>: not a regular file" and is never opened,
  /// barring a swap between the type check and the open; then O_NONBLOCK
  /// keeps a FIFO from blocking and the file is refused all the same.
  Result<UniqueFd> open_file(std::string_view path, struct stat* st = nullptr) const;
  /// A directory opened for reading its entries.
  Result<UniqueFd> open_dir(std::string_view path) const;
  /// stat (follow) or lstat of the final component.
  Result<struct stat> stat(std::string_view path, bool follow) const;
  /// Target of a symlink, as stored.
  Result<std::string> readlink(std::string_view path) const;
  /// The target path with every link resolved (under the mount).
  Result<std::string> realpath(std::string_view path) const;

  const std::string& mount() const { return mount_; }

  /// Whether openat2 may be used (by default: where the kernel has it). Off,
  /// every path is walked by hand, as on kernels before 5.6; tests cover both.
  static void use_kernel_resolution(bool on);

 private:
  enum class Want { kPath, kLink, kRead, kDir };
  struct Opened {
    UniqueFd fd;
    std::string real;  ///< resolved target path, kept by the by-hand walk only
  };
  PathJail(UniqueFd fd, std::string mount, Links links)
      : fd_(std::move(fd)), mount_(std::move(mount)), links_(links) {}
  Result<Opened> resolve(std::string_view path, Want want, bool need_real) const;
  Result<Opened> resolve_kernel(std::string_view rel, std::string_view path, Want want, bool& fallback) const;
  Result<Opened> resolve_by_hand(std::string_view rel, std::string_view path, Want want) const;

  UniqueFd fd_;
  std::string mount_;  ///< normalized; "/" for a root
  Links links_;
};

}  // namespace envlock::scanner
