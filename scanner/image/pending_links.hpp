#pragma once
// Hardlinks to a file of a lower layer. The image loader streams layers top
// first, so such a link is met before its target: its nodes hold a
// placeholder until the layer that has the target has streamed past, then
// they get what that layer left at the path (content, or a symlink or device),
// as a runtime unpacking the layers in order with link(2) gives them. A layer
// in between that removes the target (whiteout, opaque marker, non-directory
// parent) leaves the link pointing at nothing: an error, because runtimes
// refuse to unpack such a layer.
//
// Work stays proportional to the members that touch a waiting target: each
// member costs a hash lookup or two, and a layer only settles what it touched.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"
#include "scanner/image/layer_reader.hpp"
#include "scanner/image/layer_tree.hpp"

namespace envlock::scanner {

/// FNV-1a of a path: the sets around hardlinks are looked up by hash first.
std::uint64_t path_hash(std::string_view path);

/// Calls f(prefix, path_hash(prefix)) for "/" and every other proper ancestor
/// of a normalized path ("/a/b/c": "/", "/a", "/a/b"), hashing as it goes: a
/// path of 4096 bytes can have ~2000 ancestors, and this stays linear in its length.
template <class F>
void for_each_ancestor(std::string_view path, F&& f) {
  f(std::string_view("/"), path_hash("/"));
  std::uint64_t h = path_hash("");
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && i > 0) f(path.substr(0, i), h);
    h = (h ^ static_cast<unsigned char>(path[i])) * 1099511628211ull;
  }
}

/// What a hardlink finds at its target.
struct LinkedFile {
  NodeKind kind = NodeKind::kRegular;
  std::shared_ptr<FileContent> content;  ///< regular files
  std::string link;                      ///< symlinks
  std::uint32_t mode = 0;
  std::int64_t mtime_ns = 0;
};

/// The layer being settled, as the loader leaves it once all its members are in.
class LayerState {
 public:
  virtual ~LayerState() = default;
  /// The layer's last member at `path`, unless none or a directory.
  virtual std::optional<LinkedFile> member(const std::string& path) const = 0;
  /// Whether the layer's last member at `path` is a non-directory.
  virtual bool non_directory(const std::string& path) const = 0;
};

class PendingLinks {
 public:
  /// Who waits for one path, for the loader to decide which bytes to keep.
  struct Waiting {
    bool wants_whole = false;  ///< a holder's path is one wanted_files.hpp keeps whole
    std::string want_path;     ///< a holder's path: the whole-wanted one when there is one, else a pyc's
  };

  explicit PendingLinks(LayerTree& tree) : tree_(tree) {}
  PendingLinks(const PendingLinks&) = delete;
  PendingLinks& operator=(const PendingLinks&) = delete;

  bool empty() const { return targets_.empty(); }
  /// Bytes of paths held, counted with the image's names.
  std::uint64_t bytes() const { return bytes_ + layer_bytes_; }

  /// The placeholder that hardlinks of the tree's current layer to `target`
  /// share (`where` names the first one in messages, `ino` is its inode).
  std::shared_ptr<FileContent> wait(const std::string& target, std::string where, std::uint64_t ino);
  /// Whether `c` is a placeholder still waiting.
  bool is_placeholder(const FileContent* c) const { return c && placeholders_.count(c) > 0; }
  /// The node at `path` (of the current layer) holds `placeholder`.
  void hold(const FileContent* placeholder, std::string path);
  /// The links with nodes that wait for `path`; null when none.
  const Waiting* waiting_for(std::string_view path) const;

  /// Forgets what the previous layer did; call before its first member.
  void begin_layer();
  /// Records a member of the current layer that lands at or above a waiting target.
  void note(const LayerEntry& e);
  /// At the end of layer `m` (the tree's current layer): links of the layers
  /// above waiting for a path this layer has get it; those whose target it
  /// removes fail ("<image>: layer <member>: hardlink P to T: no such file
  /// in its layer or below ...").
  Result<void> settle(const LayerState& state);
  /// After the last layer: the first link still waiting, as an error.
  Result<void> finish() const;

 private:
  struct Target;
  // A hardlink to a path its own layer does not have. One per (target, layer).
  struct Link {
    struct Holder {
      int layer = 0;
      std::string path;
      const FileContent* holds = nullptr;  ///< the placeholder the node was given
    };
    Target* owner = nullptr;  ///< what it waits for (map nodes do not move)
    int layer = 0;
    std::string where;  ///< "<image>: layer <member>: hardlink P to T"
    std::shared_ptr<FileContent> placeholder;
    std::vector<Holder> holders;  ///< visible nodes holding a placeholder that resolves here
  };
  // Everything waiting for one target path.
  struct Target {
    std::vector<std::unique_ptr<Link>> links;
    Waiting waiting;
  };
  using Targets = std::map<std::string, Target, std::less<>>;

  Link* first_under(const std::string& prefix, bool inclusive, int max_layer);
  void add_holder(Link& link, int layer, std::string path, const FileContent* holds);
  void resolve(Targets::iterator it, int m, const LinkedFile& found);
  void forget(Targets::iterator it);
  static tl::unexpected<Error> dangling(const Link& l);

  LayerTree& tree_;
  Targets targets_;  ///< sorted: a whiteout finds every target under it
  std::unordered_map<std::uint64_t, std::uint64_t> ancestors_;  ///< path_hash of targets' parents -> count
  std::unordered_map<const FileContent*, Link*> placeholders_;
  std::uint64_t bytes_ = 0;
  std::uint64_t layer_bytes_ = 0;  ///< of touched_ and hides_
  // What the current layer did at or above waiting targets.
  std::unordered_map<std::string, bool> touched_;  ///< a member at a target -> the last was a directory
  std::set<std::pair<std::string, LayerEntryType>> hides_;  ///< kRegular stands for any non-directory
};

}  // namespace envlock::scanner
