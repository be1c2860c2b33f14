#include "scanner/image_loader.hpp"

#include <functional>
#include <map>
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

// A regular member of the current layer, by path: what a later hardlink gets.
struct Record {
  std::shared_ptr<FileContent> content;
  std::string source;  ///< the member that carries the bytes
  int occurrence = 0;  ///< which member of that name (a layer may repeat one)
  std::uint32_t mode = 0;
  std::int64_t mtime_ns = 0;
  bool streamed = false;
};

// Content to capture on a second read of the layer.
struct Refetch {
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
    records_.clear();
    occurrences_.clear();
    refetch_.clear();
    auto range = ENVLOCK_TRY(image_.store.find(blob.member));
    const std::string name = layer_name(blob);
    LayerOutcome outcome = read_layer(range_source(range), name, limits_,
                                      [&](const LayerEntry& e, EntryData& d) { return on_entry(e, d); });
    ENVLOCK_TRY(verify(blob, outcome));
    ENVLOCK_TRY(resolve_links());
    if (!refetch_.empty()) ENVLOCK_TRY(reread(blob, range));
    records_.clear();
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
    auto content = std::make_shared<FileContent>();
    content->size = e.size;
    content->ino = node ? node->ino : hidden_ino_++;
    Record rec{content, e.path, ++occurrences_[e.path], e.mode, e.mtime_ns, node != nullptr};
    records_[e.path] = rec;
    if (!node) return {};  // hidden by an upper layer: no bytes needed unless a hardlink asks
    fill(node, e);
    node->content = content;
    const std::string& path = e.path;
    bool complete = ENVLOCK_TRY(stream(path, data, *content, [&](std::string_view head) {
      return wanted_content(path, head);
    }, true));
    if (!complete) add_refetch(rec, path);
    return {};
  }

  void on_hardlink(const LayerEntry& e) {
    TreeNode* node = tree_->place(e.path, NodeKind::kRegular);
    auto it = records_.find(e.link);
    if (it == records_.end()) {
      if (node) {
        notes_.push_back(e.path + ": hardlink to " + e.link + ", which no earlier member of its layer has");
        node->content = std::make_shared<FileContent>();
        node->content->ino = node->ino;
      }
      return;
    }
    Record rec = it->second;
    records_[e.path] = rec;  // a later hardlink to this path means the same bytes
    if (!node) return;
    node->content = rec.content;
    node->mode = rec.mode;
    node->mtime_ns = rec.mtime_ns;
    links_.push_back({e.path, rec});
  }

  // Decides, per hardlink, whether the bytes taken for its target also serve it.
  Result<void> resolve_links() {
    for (const auto& [path, rec] : links_) {
      const FileContent& c = *rec.content;
      bool ok = rec.streamed && (!opts_.hash_files || !c.sha256.empty());
      if (ok) {
        Want w = wanted_content(path, head_of(c));
        if (w == Want::kWhole) ok = c.whole();
        if (w == Want::kPrefix) ok = c.whole() || c.kept_extent >= std::min(c.size, kElfPrefixBytes);
      }
      if (!ok) add_refetch(rec, path);
    }
    return {};
  }

  void add_refetch(const Record& rec, const std::string& path) {
    auto& r = refetch_[{rec.source, rec.occurrence}];
    r.content = rec.content;
    r.paths.push_back(path);
  }

  Result<void> reread(const LayerBlob& blob, const BlobRange& range) {
    ++rereads_;
    std::unordered_map<std::string, int> seen;
    auto handler = [&](const LayerEntry& e, EntryData& data) -> Result<void> {
      if (e.type != LayerEntryType::kRegular) return {};
      int occurrence = ++seen[e.path];
      auto it = refetch_.find({e.path, occurrence});
      if (it == refetch_.end()) return {};
      FileContent& c = *it->second.content;
      kept_total_ -= std::min(kept_total_, c.kept_bytes());
      c.pieces.clear();
      c.kept_extent = 0;
      const auto& paths = it->second.paths;
      ENVLOCK_TRY(stream(e.path, data, c, [&](std::string_view head) {
        Want best = Want::kNothing;
        for (const auto& p : paths) {
          Want w = wanted_content(p, head);
          if (rank(w) > rank(best)) best = w;
        }
        return best;
      }, false));
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
    if (hash) c.sha256 = hasher_.hex_final();
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
  std::unordered_map<std::string, Record> records_;
  std::unordered_map<std::string, int> occurrences_;
  std::vector<std::pair<std::string, Record>> links_;
  std::map<std::pair<std::string, int>, Refetch> refetch_;
};

}  // namespace

Result<LoadedLayers> load_layers(const LocatedImage& image, const ImageOptions& opts,
                                 const LayerLimits& limits) {
  Loader loader(image, opts, limits);
  return loader.run();
}

}  // namespace envlock::scanner
