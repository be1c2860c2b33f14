#pragma once
// A container image as a FileSystem, read without a container engine,
// without extracting anything to disk and without running anything from it.
//
// open_image() finds the image in the archive (image_archive.hpp), streams
// its layers once, top layer first (image_loader.hpp), and answers every probe
// from the merged tree: headers of every file, the content of the files
// wanted_files.hpp lists, and a sha256 of every regular file taken while it
// streamed past.

#include <memory>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/image/image_archive.hpp"
#include "scanner/image/layer_tree.hpp"

namespace envlock::scanner {

struct OpenedImage {
  std::unique_ptr<FileSystem> fs;
  /// reference, manifest_digest, config_digest, tags, platform, layers (diff IDs)
  lockfile::Image identity;
  std::vector<std::string> env;    ///< the config's Env, "K=V"
  std::vector<std::string> notes;  ///< e.g. "platform linux/amd64 chosen from 3"
};

/// Opens a docker-archive tarball, an OCI layout directory or an OCI archive
/// and builds the merged view of the chosen image. Errors are those of
/// locate_image() and load_layers(): kUsage for an ambiguous or unknown ref
/// and an unavailable platform, kIntegrity for any digest mismatch, kInvalid
/// for anything malformed, missing or over a limit.
Result<OpenedImage> open_image(const std::string& path, const ImageOptions& opts);

/// The merged layers of an image. Symlinks resolve inside the image root.
/// Content the scan did not keep is refused with an error saying so: only
/// files wanted_files.hpp lists can be read (ELF objects: read_prefix).
class ImageFileSystem final : public FileSystem {
 public:
  ImageFileSystem(std::unique_ptr<LayerTree> tree, std::string description);

  Result<FileStat> stat(std::string_view path) const override;
  Result<FileStat> lstat(std::string_view path) const override;
  Result<std::vector<DirEntry>> list(std::string_view dir) const override;
  Result<std::string> read(std::string_view path, std::uint64_t max_bytes) const override;
  Result<std::string> read_prefix(std::string_view path, std::uint64_t max_bytes) const override;
  Result<std::string> readlink(std::string_view path) const override;
  Result<std::string> realpath(std::string_view path) const override;
  Result<void> read_chunks(
      std::string_view path,
      const std::function<void(const char* data, std::size_t size)>& sink) const override;
  /// Answers from the hash taken while streaming; a file kept whole but not
  /// hashed (hash_files off) is hashed from memory; otherwise an error.
  Result<std::string> sha256(std::string_view path) const override;
  /// From the header and digest kept for a `__pycache__` pyc (when
  /// `head_bytes` is what was kept), or from memory for a file kept whole;
  /// otherwise an error.
  Result<HeadAndDigest> head_and_sha256(std::string_view path, std::uint64_t head_bytes) const override;
  std::string describe() const override { return description_; }

  /// `size` bytes at `offset` of a regular file (fewer at its end) when the
  /// scan kept all of them: any part of a file kept whole, or the ranges of an
  /// ELF object kept for read_elf, PT_DYNAMIC past the prefix included.
  Result<std::string> read_at(std::string_view path, std::uint64_t offset,
                              std::uint64_t size) const override;

 private:
  Result<Resolved> resolve(std::string_view path, bool follow_last) const;
  Result<const FileContent*> regular(std::string_view path) const;
  tl::unexpected<Error> not_retained(std::string_view path) const;

  std::unique_ptr<LayerTree> tree_;
  std::string description_;
};

}  // namespace envlock::scanner
