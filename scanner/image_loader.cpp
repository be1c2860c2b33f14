#include "scanner/image_loader.hpp"

#include <functional>
#include <unordered_map>

#include "lockfile/sha256.hpp"
#include "scanner/elf_keeper.hpp"
#include "scanner/wanted_files.hpp"

namespace envlock::scanner {

namespace {

constexpr std::size_t kHeadBytes = 64;

int rank(Want w) {
  switch (w) {
    case Want::kNothing: return 0;
    case Want::kPrefix: return 1;
    case Want::kWhole: return 2;
  }
  return 0;
}

std::string_view head_of(const FileContent& c) {
  if (c.pieces.empty() || c.pieces[0].offset != 0) return {};
  return std::string_view(c.pieces[0].bytes).substr(0, kHeadBytes);
}

// A regular member of the current layer that an upper layer hides: kept
// (headers only) in case a later hardlink of the same layer names it.
struct Hidden {
  std::shared_ptr<FileContent> content;  ///< made when a hardlink first names it
  std::uint64_t size = 0;
  std::uint64_t member = 0;  ///< its index in the layer
  std::uint32_t mode = 0;
  std::int64_t mtime_ns = 0;
  bool streamed = false;
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

class Loader {
 public:
  Loader(const LocatedImage& image, const ImageOptions& opts, const LayerLimits& limits)
      : image_(image), opts_(opts), limits_(limits), tree_(std::make_unique<LayerTree>()) {}

  Result<LoadedLayers> run() {
    const int count = static_cast<int>(image_.layers.size());
    for (int i = 0; i < count; ++i) ENVLOCK_TRY(load_layer(i, image_.layers[count - 1 - i]));
    return LoadedLayers{std::move(tree_), std::move(notes_), kept_total_, rereads_};
  }

 private:
  std::string layer_name(const LayerBlob& blob) const {
    return image_.store.path() + ": layer " + blob.member;
  }

  Result<void> load_layer(int index, const LayerBlob& blob) {
    tree_->begin_layer(index);
    hidden_.clear();
    refetch_.clear();
    member_ = 0;
    auto range = ENVLOCK_TRY(image_.store.find(blob.member));
    const std::string name = layer_name(blob);
    LayerOutcome outcome = read_layer(range_source(range), name, limits_,
                                      [&](const LayerEntry& e, EntryData& d) { return on_entry(e, d); });
    ENVLOCK_TRY(verify(blob, outcome));
    ENVLOCK_TRY(resolve_links());
    if (!refetch_.empty()) ENVLOCK_TRY(reread(blob, range));
    hidden_.clear();
    links_.clear();
    return {};
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

  Result<void> on_entry(const LayerEntry& e, EntryData& data) {
    ++member_;
    if (tree_->node_count() > kMaxTreeNodes)
      return fail(image_.store.path() + ": more than " + std::to_string(kMaxTreeNodes) +
                  " files and directories in the image");
    switch (e.type) {
      case LayerEntryType::kWhiteout: tree_->whiteout(e.path); return {};
      case LayerEntryType::kOpaque: tree_->opaque(e.path); return {};
      case LayerEntryType::kDirectory: fill(tree_->place(e.path, NodeKind::kDirectory), e); return {};
      case LayerEntryType::kOther: fill(tree_->place(e.path, NodeKind::kOther), e); return {};
      case LayerEntryType::kSymlink:
        if (TreeNode* n = tree_->place(e.path, NodeKind::kSymlink)) {
          fill(n, e);
          n->link = e.link;
        }
        return {};
      case LayerEntryType::kRegular: return on_regular(e, data);
      case LayerEntryType::kHardlink: on_hardlink(e); return {};
    }
    return {};
  }

  static void fill(TreeNode* n, const LayerEntry& e) {
    if (!n) return;
    n->mode = e.mode;
    n->mtime_ns = e.mtime_ns;
  }

  Result<void> on_regular(const LayerEntry& e, EntryData& data) {
    TreeNode* node = tree_->place(e.path, NodeKind::kRegular);
    if (!node) {
      // Hidden by an upper layer: no bytes needed unless a hardlink asks.
      hidden_[e.path] = Hidden{nullptr, e.size, member_, e.mode, e.mtime_ns, false};
      return {};
    }
    auto content = std::make_shared<FileContent>();
    content->size = e.size;
    content->ino = node->ino;
    fill(node, e);
    node->content = content;
    const std::string& path = e.path;
    bool complete = ENVLOCK_TRY(stream(path, data, *content, [&](std::string_view head) {
      return wanted_content(path, head);
    }, true));
    if (!complete) add_refetch(content, path, member_ + 1, path);
    return {};
  }

  void on_hardlink(const LayerEntry& e) {
    TreeNode* node = tree_->place(e.path, NodeKind::kRegular);
    // The target as extraction would find it: this layer's node at that path,
    // or a member of this layer an upper layer hides.
    Hidden target;
    TreeNode* t = tree_->find_exact(e.link);
    if (t && t->layer == tree_->layer() && t->kind == NodeKind::kRegular && t->content) {
      target = Hidden{t->content, t->content->size, member_, t->mode, t->mtime_ns, true};
    } else if (auto it = hidden_.find(e.link); it != hidden_.end()) {
      if (!it->second.content) {
        it->second.content = std::make_shared<FileContent>();
        it->second.content->size = it->second.size;
        it->second.content->ino = hidden_ino_++;
      }
      target = it->second;
    } else {
      if (node) {
        notes_.push_back(e.path + ": hardlink to " + e.link + ", which no earlier member of its layer has");
        node->content = std::make_shared<FileContent>();
        node->content->ino = node->ino;
      }
      return;
    }
    if (!node) {
      hidden_[e.path] = target;  // a later hardlink to this path means the same bytes
      return;
    }
    node->content = target.content;
    node->mode = target.mode;
    node->mtime_ns = target.mtime_ns;
    links_.push_back({e.path, e.link, member_, target.content, target.streamed});
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
    LayerOutcome outcome = read_layer(range_source(range), layer_name(blob), limits_, handler);
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
    }
    kept_total_ += c.kept_bytes();
    if (kept_total_ > opts_.max_kept_bytes) return over_limit(path);
    return complete;
  }

  const LocatedImage& image_;
  const ImageOptions& opts_;
  const LayerLimits& limits_;
  std::unique_ptr<LayerTree> tree_;
  std::vector<std::string> notes_;
  lockfile::Sha256 hasher_;
  std::uint64_t kept_total_ = 0;
  std::uint64_t rereads_ = 0;
  // Inodes for files no path shows (hidden hardlink targets), apart from the tree's.
  std::uint64_t hidden_ino_ = 1ull << 62;
  std::uint64_t member_ = 0;  ///< index of the current member in its layer
  std::unordered_map<std::string, Hidden> hidden_;
  std::vector<Link> links_;
  std::vector<Refetch> refetch_;
};

}  // namespace

Result<LoadedLayers> load_layers(const LocatedImage& image, const ImageOptions& opts,
                                 const LayerLimits& limits) {
  Loader loader(image, opts, limits);
  return loader.run();
}

}  // namespace envlock::scanner
