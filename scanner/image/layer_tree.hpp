#pragma once
// The merged view of an image's layers, built top layer first.
//
// Applying layers from the top down means a path is decided the first time
// it is seen, and a lower layer's entry is simply dropped when an upper layer
// already placed, removed or hid it: content that ends up hidden is never
// kept. The rules are the OCI image-spec's, restated for top-down order:
//
// - an entry in an upper layer wins over the same path below;
// - a whiteout `.wh.NAME` hides NAME and everything under it in lower layers
//   (never entries of its own layer);
// - an opaque marker `.wh..wh..opq` hides a directory's lower content;
// - a non-directory hides everything under its path in lower layers, and a
//   lower non-directory under an upper directory cuts off the layers below it
//   (the directory stops merging there, as overlayfs does);
// - within one layer a later member replaces an earlier one, and a file
//   replacing a directory drops that directory's children.
//
// Parents a layer never lists are created as directories ("implicit"); a
// lower layer's entry for the same directory lends them its mode and mtime.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// One piece of a file's retained bytes, at `offset` from its start.
struct KeptPiece {
  std::uint64_t offset = 0;
  std::string bytes;
};

/// The SHA-256 of a file's bytes after its first `offset` (byte code: the code
/// after a pyc's header, kept instead of the code; wanted_files.hpp).
struct TailDigest {
  std::uint64_t offset = 0;
  std::array<unsigned char, 32> digest{};
};

/// A regular file's content as the image reader retained it. Hardlinks share one.
/// Kept small: an image holds one per regular file.
struct FileContent {
  std::uint64_t size = 0;
  std::uint64_t ino = 0;
  /// Retained bytes, offset-sorted and disjoint. A single piece at 0 is a
  /// prefix (the whole file when its length equals `size`). Several pieces
  /// hold the ranges an ELF reader needs; the bytes between them read as 0.
  std::vector<KeptPiece> pieces;
  /// Extent of the prefix the pieces stand for (read_prefix may serve up to here).
  std::uint64_t kept_extent = 0;
  std::array<unsigned char, 32> digest{};  ///< SHA-256, when `hashed`
  bool hashed = false;
  /// Null unless taken (a pointer: most files never need one).
  std::shared_ptr<const TailDigest> tail;

  /// Every byte is kept, in one piece.
  bool whole() const {
    return size == 0 || (pieces.size() == 1 && pieces[0].offset == 0 && pieces[0].bytes.size() == size);
  }
  std::uint64_t kept_bytes() const;
  /// Lower-case hex of `digest`; "" when not hashed.
  std::string sha256_hex() const;
  /// Stores a lower-case hex digest.
  void set_sha256(std::string_view hex);
};

enum class NodeKind : std::uint8_t { kAbsent, kDirectory, kRegular, kSymlink, kOther };

struct TreeNode;
using Children = std::map<std::string, std::unique_ptr<TreeNode>, std::less<>>;

struct TreeNode {
  /// Sorted by name; null for anything without children (most nodes are files).
  std::unique_ptr<Children> children;
  std::shared_ptr<FileContent> content;  ///< regular files
  std::string link;                      ///< symlink target as stored
  std::int64_t mtime_ns = 0;
  std::uint64_t ino = 0;
  std::uint32_t mode = 0;
  NodeKind kind = NodeKind::kAbsent;  ///< kAbsent: only carries a whiteout
  bool implicit = false;
  int layer = 0;  ///< index of the layer that placed the entry (0 = top)
  /// Layers with a larger index see nothing at or below this path (whiteout).
  int removed_below = kNoLayer;
  /// Layers with a larger index see nothing below this path (opaque directory).
  int opaque_below = kNoLayer;

  static constexpr int kNoLayer = 1 << 30;

  const TreeNode* child(std::string_view name) const;
  TreeNode* child(std::string_view name);
};

/// Where symlink resolution ended.
struct Resolved {
  const TreeNode* node = nullptr;
  std::string path;  ///< canonical path inside the image
};

/// Longest chain of symlinks followed while resolving one path (as Linux).
inline constexpr int kMaxSymlinkHops = 40;

class LayerTree {
 public:
  LayerTree();

  /// Starts the next layer down; indexes must grow by one from 0 (the top layer).
  void begin_layer(int index);
  int layer() const { return layer_; }

  /// Places an entry of the current layer at a normalized absolute path.
  /// Returns the node to fill (kind set, old content cleared), or nullptr when
  /// an upper layer hides the path. "/" returns the root only for kDirectory.
  TreeNode* place(std::string_view path, NodeKind kind);
  /// `.wh.NAME` in the current layer: hides `path` for the layers below.
  void whiteout(std::string_view path);
  /// `.wh..wh..opq` in the current layer: hides `dir`'s lower content.
  void opaque(std::string_view dir);

  /// Resolves a path, following symlinks inside the image root (".." stops at
  /// "/", absolute targets restart at the root, at most kMaxSymlinkHops links).
  /// `follow_last` decides whether a final symlink is followed. Errors name
  /// `path`: "no such file or directory", "not a directory", "too many levels
  /// of symbolic links".
  Result<Resolved> resolve(std::string_view path, bool follow_last) const;

  const TreeNode& root() const { return *root_; }
  /// Entries placed (not counting implicit directories or whiteouts).
  std::uint64_t entry_count() const { return entries_; }
  /// Nodes of any kind (implicit directories and whiteouts included): what the tree costs.
  std::uint64_t node_count() const { return nodes_; }
  /// Bytes of the names the nodes carry: with node_count(), what bounds the tree's memory
  /// (a node is ~330 bytes plus its name, and a name can be 4096 bytes long).
  std::uint64_t name_bytes() const { return name_bytes_; }
  /// The node a layer member at `path` refers to, without following symlinks
  /// (how a hardlink names its target); null when there is none.
  TreeNode* find_exact(std::string_view path);

 private:
  bool hidden(const std::vector<std::string_view>& parts, std::size_t ancestors) const;
  TreeNode* materialize(const std::vector<std::string_view>& parts, std::size_t count);
  TreeNode& insert(TreeNode& parent, std::string_view name);

  std::unique_ptr<TreeNode> root_;
  int layer_ = -1;
  std::uint64_t next_ino_ = 2;
  std::uint64_t entries_ = 0;
  std::uint64_t nodes_ = 1;
  std::uint64_t name_bytes_ = 0;
};

/// Splits a normalized absolute path into components ("/" -> none).
std::vector<std::string_view> split_components(std::string_view path);

}  // namespace envlock::scanner
