#pragma once
// The one filesystem interface every probe reads through. A live host, a
// directory root and a container image are implementations of it, so a probe
// never touches the OS directly and tests can feed recorded trees.
//
// Paths are absolute *inside the target* ("/usr/lib/python3/dist-packages"),
// '/'-separated. Implementations resolve symlinks inside the target root:
// neither an absolute link nor ".." ever leaves it.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "base/path.hpp"

namespace envlock::scanner {

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

struct FileStat {
  FileType type = FileType::kOther;
  std::uint64_t size = 0;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint32_t mode = 0;
};

struct DirEntry {
  std::string name;
  FileType type = FileType::kOther;  ///< of the entry itself (a symlink is kSymlink)
  /// Position in the directory's own read order (readdir, which os.listdir
  /// and so importlib.metadata follow), from 0; 0 for every entry where the
  /// filesystem has no such order (an image).
  std::size_t read_order = 0;
};

/// A file's first bytes and the digest of the rest (see FileSystem::head_and_sha256).
struct HeadAndDigest {
  std::string head;    ///< the first head_bytes bytes (all of a shorter file)
  std::string sha256;  ///< lower-case hex SHA-256 of the bytes after them
};

/// Largest file read into memory when the caller names no limit.
inline constexpr std::uint64_t kDefaultReadLimit = 64ull << 20;

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  /// Follows symlinks (inside the root). Fails when the path does not exist.
  virtual Result<FileStat> stat(std::string_view path) const = 0;
  /// Does not follow a final symlink.
  virtual Result<FileStat> lstat(std::string_view path) const = 0;
  /// Entries of a directory, sorted by name, without "." and "..". Where
  /// Python would meet them in another order, read_order says which.
  virtual Result<std::vector<DirEntry>> list(std::string_view dir) const = 0;
  /// Whole content of a regular file; fails (naming the file) when larger than
  /// max_bytes or not a regular file (FIFOs and devices are never opened).
  virtual Result<std::string> read(std::string_view path,
                                   std::uint64_t max_bytes = kDefaultReadLimit) const = 0;
  /// The first max_bytes bytes of a regular file (all of it when shorter).
  /// Image implementations keep only a prefix of large ELF files, so readers
  /// of headers (ELF) must ask for a prefix, not the whole file.
  virtual Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const = 0;
  /// Target of a symlink, as stored.
  virtual Result<std::string> readlink(std::string_view path) const = 0;
  /// Canonical path inside the root with every symlink resolved.
  virtual Result<std::string> realpath(std::string_view path) const = 0;
  /// Streams a regular file's content in chunks (for hashing large files).
  virtual Result<void> read_chunks(
      std::string_view path,
      const std::function<void(const char* data, std::size_t size)>& sink) const = 0;
  /// Up to size bytes of a regular file from offset (fewer at its end, none
  /// past it). Large shared objects keep their dynamic section after the code,
  /// far beyond any sensible prefix. The default streams read_chunks and keeps
  /// the window; a live file is read in place, an image answers from what it
  /// kept while streaming.
  virtual Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                                      std::uint64_t size) const;
  /// Like read(), for a file that must lie inside directory `base`: `path`,
  /// and every link met on the way to it, resolve below `base` (itself
  /// resolved), else it fails with "<path>: leaves <base>" and nothing is
  /// read. Package metadata is read this way, so that a link in a .dist-info
  /// directory never copies another file of the machine into the output. The
  /// default compares realpaths (right for images, which nobody changes while
  /// they are read); DiskFileSystem resolves race-free below an open `base`.
  virtual Result<std::string> read_beneath(std::string_view base, std::string_view path,
                                           std::uint64_t max_bytes = kDefaultReadLimit) const;
  /// Lower-case hex SHA-256 of a regular file. The default streams read_chunks;
  /// an image implementation may answer from hashes taken while streaming.
  virtual Result<std::string> sha256(std::string_view path) const;
  /// The first `head_bytes` bytes of a regular file and the SHA-256 of the
  /// bytes after them, in one read: how byte code is pinned (its header
  /// decides whether Python loads it, the code after it is what counts; see
  /// scanner/python/bytecode.hpp). The default streams read_chunks; an image answers
  /// for a `__pycache__` pyc from the header and digest it kept while
  /// streaming (wanted_files.hpp, Want::kHeadAndDigest).
  virtual Result<HeadAndDigest> head_and_sha256(std::string_view path, std::uint64_t head_bytes) const;
  /// True for a live host (DiskFileSystem::live_host()), where running the
  /// target's interpreter, reading /proc, hardware and the environment make
  /// sense. The one answer to "is this target the machine scanning it?": the
  /// probes and scan() ask it rather than carry a flag of their own.
  virtual bool is_live() const { return false; }
  /// Human description for messages and the lock: "/", "root:/srv/rootfs".
  virtual std::string describe() const = 0;

  bool exists(std::string_view path) const { return stat(path).has_value(); }
  bool is_dir(std::string_view path) const;
  bool is_file(std::string_view path) const;
};

/// True for paths in the kernel's pseudo filesystems (/proc, /sys, /dev):
/// no installer puts files there, and reading them can be endless or act on
/// a device, so a path a package lists there is never opened.
bool is_pseudo_path(std::string_view path);

}  // namespace envlock::scanner
