#pragma once
// Where an image's metadata files and blobs live: the files of an OCI layout
// directory, or the members of an uncompressed tar (`docker save`, skopeo
// docker-archive, an OCI archive). A tar is indexed once (headers only,
// skipping data with seeks); afterwards every member is a byte range of the
// file that is read with pread, so layers can be streamed in any order and
// nothing is extracted.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "scanner/image/layer_reader.hpp"
#include "scanner/fs/path_jail.hpp"

namespace envlock::scanner {

/// An open host file, shared by the ranges that point into it.
class HostFile {
 public:
  static Result<std::shared_ptr<HostFile>> open(const std::string& path);
  /// Takes an open regular file; `path` names it in messages.
  static std::shared_ptr<HostFile> adopt(UniqueFd fd, std::uint64_t size, std::string path);
  ~HostFile();
  HostFile(const HostFile&) = delete;
  HostFile& operator=(const HostFile&) = delete;

  /// Reads up to `size` bytes at `offset`; fewer only at the end of the file.
  Result<std::size_t> read_at(std::uint64_t offset, char* out, std::size_t size) const;
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  HostFile(int fd, std::uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  std::uint64_t size_;
  std::string path_;
};

/// A blob or metadata file: `size` bytes at `offset` of a host file.
struct BlobRange {
  std::shared_ptr<HostFile> file;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

/// Streams a range in chunks of about 1 MiB; fails when the file is shorter than the range.
ChunkSource range_source(const BlobRange& range);

class BlobStore {
 public:
  /// Opens a directory (OCI layout) or an uncompressed tar. Errors name `path`;
  /// a compressed tarball is refused with a hint to decompress it. A layout's
  /// files are read through a PathJail that follows no symlink at all: a blob
  /// or a blobs/ directory that is a link fails ("<path>: <member>: is a
  /// symbolic link"), so no file outside the layout is read or has its digest
  /// printed, and only regular files are opened.
  static Result<BlobStore> open(const std::string& path);

  bool is_directory() const { return directory_; }
  /// The path as given, for messages.
  const std::string& path() const { return path_; }
  /// Whether a member ("manifest.json", "blobs/sha256/<hex>") exists.
  bool has(std::string_view member) const;
  /// The member's bytes as a range. Symlinked and hardlinked tar members
  /// resolve to their target. Fails with "<path>: missing <member>".
  Result<BlobRange> find(std::string_view member) const;
  /// Whole content of a small member, at most `max_bytes`.
  Result<std::string> read(std::string_view member, std::uint64_t max_bytes) const;

 private:
  struct Member {
    std::uint64_t offset = 0, size = 0;
    std::string alias;  ///< for links: the member it stands for
    bool sparse = false;
  };
  Result<void> index_tar();
  Result<const Member*> lookup(std::string_view member) const;

  std::string path_;
  bool directory_ = false;
  std::shared_ptr<HostFile> tar_;
  std::shared_ptr<const PathJail> layout_;  ///< the directory, for an OCI layout
  std::map<std::string, Member, std::less<>> members_;
};

/// Most members a tar may list before indexing gives up.
inline constexpr std::uint64_t kMaxArchiveMembers = 1'000'000;

}  // namespace envlock::scanner
