#include "scanner/image/image_loader.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/sha256.hpp"
#include "scanner/image/elf_keeper.hpp"
#include "scanner/image/pending_links.hpp"
#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {

namespace {

constexpr std::size_t kHeadBytes = 64;

int rank(Want w) {
  switch (w) {
    case Want::kNothing: return 0;
    case Want::kHeadAndDigest: return 1;
    case Want::kPrefix: return 2;
    case Want::kWhole: return 3;
  }
  return 0;
}

std::string_view head_of(const FileContent& c) {
  if (c.pieces.empty() || c.pieces[0].offset != 0) return {};
  return std::string_view(c.pieces[0].bytes).substr(0, kHeadBytes);
}

Want stronger(Want a, Want b) { return rank(a) >= rank(b) ? a : b; }

// A set of paths, found by hash first.
class PathSet {
 public:
  void insert(const std::string& p) {
    hashes_.insert(path_hash(p));
    paths_.insert(p);
  }
  bool contains(std::string_view p, std::uint64_t hash) const {
    return hashes_.count(hash) && paths_.count(std::string(p));
  }
  bool contains(std::string_view p) const { return contains(p, path_hash(p)); }
  void clear() {
    hashes_.clear();
    paths_.clear();
  }

 private:
  std::unordered_set<std::uint64_t> hashes_;
  std::unordered_set<std::string> paths_;
};

// A non-directory member of the current layer that an upper layer hides:
// kept (headers only) in case a later hardlink of the same layer, or one of
// an upper layer waiting for it, names it.
struct Hidden {
  std::shared_ptr<FileContent> content;  ///< regular files: made when a hardlink first names it
  std::uint64_t size = 0;
  std::uint64_t member = 0;  ///< its index in the layer
  std::uint32_t mode = 0;
  std::int64_t mtime_ns = 0;
  bool streamed = false;
  NodeKind kind = NodeKind::kRegular;
  std::string link;  ///< a symlink's target
};

// A hardlink whose target is known; checked once the layer is read.
struct Link {
  std::string path;
  std::string source;  ///< the target's path
  std::uint64_t before = 0;  ///< the target is the last member named `source` before this index
  std::shared_ptr<FileContent> content;
  bool streamed = false;
};

// Content to capture on a second read of the layer: the last regular member
// named `source` before member index `before`.
struct Refetch {
  std::string source;
  std::uint64_t before = 0;
  std::shared_ptr<FileContent> content;
  std::vector<std::string> paths;  ///< the paths that will read it (want is their maximum)
};

using WantFn = std::function<Want(std::string_view first_bytes)>;

class Loader final : public LayerState {
 public:
  Loader(const LocatedImage& image, const ImageOptions& opts, const ImageLimits& limits)
      : image_(image), opts_(opts), limits_(limits), tree_(std::make_unique<LayerTree>()), pending_(*tree_) {
    budget_.limit = limits.max_total_uncompressed_bytes;
  }

  Result<LoadedLayers> run() {
    const int count = static_cast<int>(image_.layers.size());
    // Digests of each layer blob's first (topmost) read.
    std::unordered_map<std::string, LayerDigests> read;
    for (int i = 0; i < count; ++i) {
      const LayerBlob& blob = image_.layers[count - 1 - i];
      if (auto it = read.find(blob.member); it != read.end() && pending_.empty()) {
        // The upper copy already decided every path this one touches.
        LayerOutcome again;
        again.digests = it->second;
        ENVLOCK_TRY(verify(blob, again));
        continue;
      }
      LayerDigests digests = ENVLOCK_TRY(load_layer(i, blob));
      read.emplace(blob.member, std::move(digests));
    }
    ENVLOCK_TRY(pending_.finish());
    return LoadedLayers{std::move(tree_), std::move(notes_), kept_total_, rereads_, budget_.used};
  }

 private:
  std::string layer_name(const LayerBlob& blob) const {
    return image_.store.path() + ": layer " + blob.member;
  }

  Result<LayerDigests> load_layer(int index, const LayerBlob& blob) {
    tree_->begin_layer(index);
    hidden_.clear();
    hidden_hashes_.clear();
    hidden_hashed_ = false;
    refetch_.clear();
    links_.clear();
    pending_.begin_layer();
    layer_whiteouts_.clear();
    layer_opaques_.clear();
    scratch_bytes_ = 0;
    member_ = 0;
    auto range = ENVLOCK_TRY(image_.store.find(blob.member));
    layer_ = layer_name(blob);
    LayerOutcome outcome = read_layer(range_source(range), layer_, limits_.layer,
                                      [&](const LayerEntry& e, EntryData& d) { return on_entry(e, d); }, &budget_);
    ENVLOCK_TRY(verify(blob, outcome));
    ENVLOCK_TRY(resolve_links());
    if (!refetch_.empty()) ENVLOCK_TRY(reread(blob, range));
    ENVLOCK_TRY(pending_.settle(*this));
    hidden_.clear();
    links_.clear();
    return outcome.digests;
  }

  Result<void> verify(const LayerBlob& blob, const LayerOutcome& o) const {
    const std::string name = layer_name(blob);
    if (!blob.digest.empty() && o.digests.blob_sha256 != blob.digest)
      return fail(name + " does not match its digest sha256:" + blob.digest + " (content is sha256:" +
                      o.digests.blob_sha256 + ")",
                  ErrorKind::kIntegrity);
    std::string tar = o.digests.uncompressed_sha256;
    // A legacy docker-archive layer has no blob digest; it is an uncompressed tar.
    if (tar.empty() && blob.digest.empty() && o.error) tar = o.digests.blob_sha256;
    if (!tar.empty() && tar != blob.diff_id)
      return fail(name + ": uncompressed content sha256:" + tar + " does not match the diff ID sha256:" +
                      blob.diff_id,
                  ErrorKind::kIntegrity);
    if (o.error) return tl::unexpected(*o.error);
    return {};
  }

  Result<void> check_size() const {
    if (tree_->node_count() > limits_.max_tree_nodes)
      return fail(image_.store.path() + ": more than " + std::to_string(limits_.max_tree_nodes) +
                  " files and directories in the image");
    if (tree_->name_bytes() + scratch_bytes_ + pending_.bytes() > limits_.max_name_bytes)
      return fail(image_.store.path() + ": the names of the files and directories in the image take more than " +
                  std::to_string(limits_.max_name_bytes) + " bytes");
    return {};
  }

  Result<void> on_entry(const LayerEntry& e, EntryData& data) {
    ++member_;
    ENVLOCK_TRY(check_size());
    pending_.note(e);
    switch (e.type) {
      case LayerEntryType::kWhiteout:
        tree_->whiteout(e.path);
        layer_whiteouts_.insert(e.path);
        scratch_bytes_ += e.path.size();
        return {};
      case LayerEntryType::kOpaque:
        tree_->opaque(e.path);
        layer_opaques_.insert(e.path);
        scratch_bytes_ += e.path.size();
        return {};
      case LayerEntryType::kDirectory:
        fill(tree_->place(e.path, NodeKind::kDirectory), e);
        hidden_.erase(e.path);  // replaces an earlier non-directory of this layer
        return {};
      case LayerEntryType::kOther:
      case LayerEntryType::kSymlink: {
        const NodeKind kind = e.type == LayerEntryType::kSymlink ? NodeKind::kSymlink : NodeKind::kOther;
        if (TreeNode* n = tree_->place(e.path, kind)) {
          fill(n, e);
          n->link = e.link;
        } else {
          remember_hidden(e.path, Hidden{nullptr, e.size, member_, e.mode, e.mtime_ns, false, kind, e.link});
        }
        return {};
      }
      case LayerEntryType::kRegular: return on_regular(e, data);
      case LayerEntryType::kHardlink: return on_hardlink(e);
    }
    return {};
  }

  static void fill(TreeNode* n, const LayerEntry& e) {
    if (!n) return;
    n->mode = e.mode;
    n->mtime_ns = e.mtime_ns;
  }

  void remember_hidden(const std::string& path, Hidden h) {
    scratch_bytes_ += path.size() + h.link.size();
    if (hidden_hashed_) hidden_hashes_.insert(path_hash(path));
    hidden_[path] = std::move(h);
  }

  Result<void> on_regular(const LayerEntry& e, EntryData& data) {
    TreeNode* node = tree_->place(e.path, NodeKind::kRegular);
    // Hardlinks of upper layers may wait for this path (the last member of that name decides).
    const PendingLinks::Waiting* waiting = pending_.waiting_for(e.path);
    if (!node && !waiting) {
      // Hidden by an upper layer: no bytes needed unless a hardlink asks.
      remember_hidden(e.path, Hidden{nullptr, e.size, member_, e.mode, e.mtime_ns, false, NodeKind::kRegular, {}});
      return {};
    }
    auto content = std::make_shared<FileContent>();
    content->size = e.size;
    if (node) {
      content->ino = node->ino;
      fill(node, e);
      node->content = content;
    } else {
      content->ino = hidden_ino_++;
      remember_hidden(e.path, Hidden{content, e.size, member_, e.mode, e.mtime_ns, true, NodeKind::kRegular, {}});
    }
    const std::string& path = e.path;
    const bool visible = node != nullptr;
    bool complete = ENVLOCK_TRY(stream(path, data, *content, [&](std::string_view head) {
      Want w = visible ? wanted_content(path, head) : Want::kNothing;
      if (waiting) w = stronger(w, waiting->wants_whole ? Want::kWhole : wanted_content(waiting->want_path, head));
      return w;
    }, true));
    if (!complete) {
      if (visible) add_refetch(content, path, member_ + 1, path);
      if (waiting) add_refetch(content, path, member_ + 1, waiting->want_path);
    }
    return {};
  }

  Result<void> on_hardlink(const LayerEntry& e) {
    Hidden target = ENVLOCK_TRY(link_target(e));
    const bool waits = target.kind == NodeKind::kRegular && pending_.is_placeholder(target.content.get());
    // Upper hardlinks waiting for this path read these bytes too, visible here or not.
    if (target.kind == NodeKind::kRegular && !waits) {
      if (const auto* w = pending_.waiting_for(e.path)) {
        links_.push_back({w->want_path, e.link, member_, target.content, target.streamed});
        scratch_bytes_ += w->want_path.size() + e.link.size();
      }
    }
    TreeNode* node = tree_->place(e.path, target.kind);
    if (!node) {
      remember_hidden(e.path, target);  // a later hardlink to this path means the same file
      return {};
    }
    node->mode = target.mode;
    node->mtime_ns = target.mtime_ns;
    node->link = target.link;
    if (target.kind != NodeKind::kRegular) return {};
    node->content = target.content;
    if (waits) {
      pending_.hold(target.content.get(), e.path);
      return {};
    }
    links_.push_back({e.path, e.link, member_, target.content, target.streamed});
    scratch_bytes_ += e.path.size() + e.link.size();
    return {};
  }

  // What a hardlink of the current layer names, as extraction of the layers
  // in order would find it: an earlier member of this layer (an upper layer
  // may hide it), else whatever the layers below have there (then the link
  // waits for them).
  Result<Hidden> link_target(const LayerEntry& e) {
    const std::string& path = e.link;
    // Extraction removes what is at the link's path first, so a link to
    // itself or to something under it names what is gone.
    if (path == e.path || (path.size() > e.path.size() && path.starts_with(e.path) && path[e.path.size()] == '/'))
      return fail(layer_ + ": hardlink " + e.path + " to " + path + ": replacing " + e.path +
                  " removes the target (a container runtime refuses to unpack it)");
    TreeNode* t = tree_->find_exact(path);
    if (t && t->layer == tree_->layer() && t->kind != NodeKind::kAbsent) {
      if (t->kind == NodeKind::kDirectory) return fail(layer_ + ": hardlink " + e.path + " to the directory " + path);
      const bool streamed = t->content && !pending_.is_placeholder(t->content.get());
      if (t->kind != NodeKind::kRegular || t->content)
        return Hidden{t->content, t->content ? t->content->size : 0, member_, t->mode, t->mtime_ns, streamed, t->kind,
                      t->link};
    }
    if (auto it = hidden_.find(path); it != hidden_.end()) {
      Hidden& h = it->second;
      if (h.kind == NodeKind::kRegular && !h.content) {
        h.content = std::make_shared<FileContent>();
        h.content->size = h.size;
        h.content->ino = hidden_ino_++;
      }
      return h;
    }
    if (hidden_by_this_layer(path))
      return fail(layer_ + ": hardlink " + e.path + " to " + path +
                  ", which this layer removes from the layers below (a container runtime refuses to unpack it)");
    auto placeholder = pending_.wait(path, layer_ + ": hardlink " + e.path + " to " + path, hidden_ino_++);
    return Hidden{placeholder, 0, member_, e.mode, e.mtime_ns, false, NodeKind::kRegular, {}};
  }

  // Whether this layer's members so far leave nothing at `path` from the
  // layers below: a whiteout or opaque marker (they apply before the layer's
  // entries), or an earlier non-directory at a parent.
  bool hidden_by_this_layer(std::string_view path) {
    if (layer_whiteouts_.contains(path)) return true;
    if (!hidden_hashed_) {
      // Only a layer with a hardlink to a lower layer pays for hashing its hidden members.
      for (const auto& [p, h] : hidden_) hidden_hashes_.insert(path_hash(p));
      hidden_hashed_ = true;
    }
    bool hidden = false;
    const TreeNode* node = &tree_->root();
    for_each_ancestor(path, [&](std::string_view a, std::uint64_t h) {
      if (hidden) return;
      if (a != "/") {
        node = node ? node->child(base_name(a)) : nullptr;
        if (node && node->layer == tree_->layer() && node->kind != NodeKind::kDirectory &&
            node->kind != NodeKind::kAbsent)
          hidden = true;
        if (hidden_hashes_.count(h) && hidden_.count(std::string(a))) hidden = true;
        if (layer_whiteouts_.contains(a, h)) hidden = true;
      }
      if (layer_opaques_.contains(a, h)) hidden = true;
    });
    return hidden;
  }

  // LayerState: the current layer's last member at a path, from the tree or
  // (hidden by an upper layer) from what was kept of it.
  std::optional<LinkedFile> member(const std::string& path) const override {
    TreeNode* n = tree_->find_exact(path);
    if (n && n->layer == tree_->layer() && n->kind != NodeKind::kAbsent) {
      if (n->kind == NodeKind::kDirectory) return std::nullopt;
      return LinkedFile{n->kind, n->content, n->link, n->mode, n->mtime_ns};
    }
    if (auto it = hidden_.find(path); it != hidden_.end()) {
      const Hidden& h = it->second;
      return LinkedFile{h.kind, h.content, h.link, h.mode, h.mtime_ns};
    }
    return std::nullopt;
  }

  bool non_directory(const std::string& path) const override {
    TreeNode* n = tree_->find_exact(path);
    if (n && n->layer == tree_->layer() && n->kind != NodeKind::kAbsent) return n->kind != NodeKind::kDirectory;
    return hidden_.count(path) > 0;
  }

  // Decides, per hardlink, whether the bytes taken for its target also serve it.
  Result<void> resolve_links() {
    for (const auto& link : links_) {
      const FileContent& c = *link.content;
      bool ok = link.streamed && (!opts_.hash_files || c.hashed);
      if (ok) {
        Want w = wanted_content(link.path, head_of(c));
        if (w == Want::kWhole) ok = c.whole();
        if (w == Want::kPrefix) ok = c.whole() || c.kept_extent >= std::min(c.size, kElfPrefixBytes);
        if (w == Want::kHeadAndDigest && opts_.hash_files) ok = c.whole() || c.tail;
      }
      if (!ok) add_refetch(link.content, link.source, link.before, link.path);
    }
    return {};
  }

  void add_refetch(const std::shared_ptr<FileContent>& content, const std::string& source, std::uint64_t before,
                   const std::string& path) {
    for (auto& r : refetch_) {
      if (r.content == content) {
        r.paths.push_back(path);
        r.before = std::max(r.before, before);
        return;
      }
    }
    refetch_.push_back({source, before, content, {path}});
  }

  Result<void> reread(const LayerBlob& blob, const BlobRange& range) {
    ++rereads_;
    std::uint64_t index = 0;
    auto handler = [&](const LayerEntry& e, EntryData& data) -> Result<void> {
      ++index;
      if (e.type != LayerEntryType::kRegular) return {};
      std::vector<Refetch*> wanted;
      for (auto& r : refetch_) {
        if (r.source == e.path && index < r.before) wanted.push_back(&r);
      }
      if (wanted.empty()) return {};
      // Later members of the same name overwrite: the last one before the link wins.
      FileContent& c = *wanted.front()->content;
      kept_total_ -= std::min(kept_total_, c.kept_bytes());
      c.pieces.clear();
      c.kept_extent = 0;
      c.tail.reset();
      ENVLOCK_TRY(stream(e.path, data, c, [&](std::string_view head) {
        Want best = Want::kNothing;
        for (const Refetch* r : wanted)
          for (const auto& p : r->paths) {
            Want w = wanted_content(p, head);
            if (rank(w) > rank(best)) best = w;
          }
        return best;
      }, false));
      for (std::size_t i = 1; i < wanted.size(); ++i) {
        FileContent& other = *wanted[i]->content;
        kept_total_ -= std::min(kept_total_, other.kept_bytes());
        std::uint64_t ino = other.ino;
        other = c;
        other.ino = ino;
        kept_total_ += other.kept_bytes();
      }
      return {};
    };
    LayerOutcome outcome = read_layer(range_source(range), layer_name(blob), limits_.layer, handler, &budget_);
    return verify(blob, outcome);
  }

  tl::unexpected<Error> over_limit(std::string_view path) const {
    return fail(image_.store.path() + ": keeping " + std::string(path) + " would pass the limit of " +
                std::to_string(opts_.max_kept_bytes) + " bytes of file content held in memory");
  }

  // Streams one file's content: hashes it and keeps what `want_for` asks.
  // Returns false when an ELF object's trimmed ranges miss something read_elf needs.
  Result<bool> stream(std::string_view path, EntryData& data, FileContent& c, const WantFn& want_for,
                      bool trim_elf) {
    std::string pending;
    std::optional<Want> want;
    std::string whole;
    std::optional<ElfKeeper> elf;
    std::uint64_t total = 0;
    const bool hash = opts_.hash_files;
    auto consume = [&](std::string_view chunk) -> Result<void> {
      if (*want == Want::kWhole) {
        if (kept_total_ + whole.size() + chunk.size() > opts_.max_kept_bytes) return over_limit(path);
        whole.append(chunk);
      } else if (*want == Want::kPrefix) {
        elf->feed(chunk);
      } else if (*want == Want::kHeadAndDigest) {
        // `whole` holds the header; the code after it is only hashed.
        const std::size_t used = std::min<std::size_t>(chunk.size(), kBytecodeHeadBytes - whole.size());
        whole.append(chunk.substr(0, used));
        tail_hasher_.update(chunk.data() + used, chunk.size() - used);
      }
      return {};
    };
    for (;;) {
      std::string_view chunk = ENVLOCK_TRY(data.next());
      if (hash) hasher_.update(chunk.data(), chunk.size());
      total += chunk.size();
      if (!want) {
        std::string_view head = chunk;
        if (!pending.empty() || (chunk.size() < kHeadBytes && !chunk.empty())) {
          pending.append(chunk);
          if (pending.size() < kHeadBytes && !chunk.empty()) continue;
          head = pending;
        }
        want = want_for(head.substr(0, kHeadBytes));
        // Byte code is pinned by full scans only (a --fast scan hashes nothing).
        if (*want == Want::kHeadAndDigest && !hash) want = Want::kNothing;
        if (*want == Want::kWhole) whole.reserve(c.size);
        if (*want == Want::kPrefix) elf.emplace(c.size, kElfPrefixBytes, trim_elf);
        ENVLOCK_TRY(consume(head));
        pending.clear();
        // Nothing to keep and nothing to hash: the rest is skipped unread.
        if (*want == Want::kNothing && !hash) break;
      } else {
        ENVLOCK_TRY(consume(chunk));
      }
      if (chunk.empty()) break;
    }
    c.size = std::max(c.size, total);
    if (hash) c.set_sha256(hasher_.hex_final());
    bool complete = true;
    if (want == Want::kWhole) {
      c.pieces.push_back({0, std::move(whole)});
      c.kept_extent = total;
    } else if (want == Want::kPrefix) {
      auto kept = elf->finish();
      c.pieces = std::move(kept.pieces);
      c.kept_extent = kept.extent;
      complete = kept.complete;
    } else if (want == Want::kHeadAndDigest) {
      c.kept_extent = whole.size();
      c.pieces.push_back({0, std::move(whole)});
      auto tail = std::make_shared<TailDigest>();
      tail->offset = kBytecodeHeadBytes;
      const std::string raw = hex_decode(tail_hasher_.hex_final());
      std::copy(raw.begin(), raw.end(), tail->digest.begin());
      c.tail = std::move(tail);
    }
    kept_total_ += c.kept_bytes();
    if (kept_total_ > opts_.max_kept_bytes) return over_limit(path);
    return complete;
  }

  const LocatedImage& image_;
  const ImageOptions& opts_;
  const ImageLimits& limits_;
  DecompressionBudget budget_;
  std::unique_ptr<LayerTree> tree_;
  std::vector<std::string> notes_;
  Sha256 hasher_;
  Sha256 tail_hasher_;  ///< the code after a pyc's header (Want::kHeadAndDigest)
  std::uint64_t kept_total_ = 0;
  std::uint64_t rereads_ = 0;
  // Inodes for files no path shows (hidden hardlink targets), apart from the tree's.
  std::uint64_t hidden_ino_ = 1ull << 62;
  std::uint64_t member_ = 0;  ///< index of the current member in its layer
  std::string layer_;          ///< the current layer, for messages
  std::unordered_map<std::string, Hidden> hidden_;
  std::unordered_set<std::uint64_t> hidden_hashes_;  ///< path_hash of hidden_'s keys, once hidden_hashed_
  bool hidden_hashed_ = false;
  std::vector<Link> links_;
  std::vector<Refetch> refetch_;
  PathSet layer_whiteouts_;  ///< paths this layer's whiteouts remove
  PathSet layer_opaques_;    ///< directories this layer's opaque markers empty
  /// Bytes of paths the current layer's bookkeeping above holds (bounded with the tree's names).
  std::uint64_t scratch_bytes_ = 0;
  PendingLinks pending_;  ///< hardlinks waiting for a lower layer
};

}  // namespace

Result<LoadedLayers> load_layers(const LocatedImage& image, const ImageOptions& opts,
                                 const ImageLimits& limits) {
  Loader loader(image, opts, limits);
  return loader.run();
}

}  // namespace envlock::scanner
