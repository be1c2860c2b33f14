#include "scanner/image/layer_reader.hpp"

#include <memory>

#include "base/sha256.hpp"
#include "scanner/image/archive_library.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

struct ArchiveCloser {
  const ArchiveLibrary* la;
  void operator()(archive* a) const { la->read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

// Which limit stopped the decompressed stream.
enum class Overrun { kNone, kLayer, kRatio, kImage };

// State shared by the two stacked readers' callbacks.
struct Pipeline {
  const ArchiveLibrary* la = nullptr;
  const ChunkSource* source = nullptr;
  const LayerLimits* limits = nullptr;
  Sha256 blob_hash;
  Sha256 tar_hash;
  std::uint64_t blob_bytes = 0;
  std::uint64_t tar_bytes = 0;
  bool source_done = false;
  std::optional<Error> source_error;  // I/O failure below libarchive
  DecompressionBudget* budget = nullptr;
  Overrun too_big = Overrun::kNone;
  archive* outer = nullptr;
};

// Counts `size` more bytes of tar; false (and `too_big` says which limit)
// once the layer, its compression ratio or the image's total is past its limit.
bool count_tar(Pipeline& p, std::uint64_t size) {
  p.tar_bytes += size;
  if (p.budget) p.budget->used += size;
  const LayerLimits& l = *p.limits;
  if (p.tar_bytes > l.max_uncompressed_bytes)
    p.too_big = Overrun::kLayer;
  else if (p.tar_bytes > l.ratio_floor_bytes && l.max_ratio > 0 && p.tar_bytes / l.max_ratio > p.blob_bytes)
    p.too_big = Overrun::kRatio;
  else if (p.budget && p.budget->used > p.budget->limit)
    p.too_big = Overrun::kImage;
  return p.too_big == Overrun::kNone;
}

// Outer reader: raw blob bytes, hashed as they go by.
la_ssize_t outer_read(archive* a, void* client, const void** buffer) {
  auto* p = static_cast<Pipeline*>(client);
  if (p->source_done) return 0;
  auto chunk = (*p->source)();
  if (!chunk) {
    p->source_error = chunk.error();
    p->la->set_error(a, EIO, "%s", chunk.error().message.c_str());
    return -1;
  }
  if (chunk->empty()) {
    p->source_done = true;
    return 0;
  }
  p->blob_hash.update(chunk->data(), chunk->size());
  p->blob_bytes += chunk->size();
  *buffer = chunk->data();
  return static_cast<la_ssize_t>(chunk->size());
}

// Inner reader: the decompressed tar stream, pulled from the outer reader.
la_ssize_t inner_read(archive* a, void* client, const void** buffer) {
  auto* p = static_cast<Pipeline*>(client);
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int r = p->la->read_data_block(p->outer, &block, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    p->la->set_error(a, EIO, "%s", p->la->message(p->outer).c_str());
    return -1;
  }
  if (!count_tar(*p, size)) {
    p->la->set_error(a, EFBIG, "uncompressed size exceeds the limit");
    return -1;
  }
  p->tar_hash.update(block, size);
  *buffer = block;
  return static_cast<la_ssize_t>(size);
}

// Only decompressors libarchive carries itself; its fallback for a missing
// library runs an external program, which reading an image must never do.
void enable_builtin_filters(const ArchiveLibrary& la, archive* a) {
  la.read_support_filter_none(a);
  la.read_support_filter_gzip(a);
  la.read_support_filter_zstd(a);
  la.read_support_filter_xz(a);
  la.read_support_filter_bzip2(a);
  la.read_support_filter_lz4(a);
}

class ArchiveEntryData final : public EntryData {
 public:
  ArchiveEntryData(const ArchiveLibrary& la, archive* a) : la_(la), a_(a) {}
  Result<std::string_view> next() override {
    if (done_) return std::string_view();
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = la_.read_data_block(a_, &block, &size, &offset);
    if (r == ARCHIVE_EOF) {
      done_ = true;
      return std::string_view();
    }
    if (r < ARCHIVE_WARN) return fail(la_.message(a_));
    // Sparse members would need holes filled; layers have no reason to use them.
    if (static_cast<std::uint64_t>(offset) != position_)
      return fail("sparse tar members are not supported");
    position_ += size;
    return std::string_view(static_cast<const char*>(block), size);
  }

 private:
  const ArchiveLibrary& la_;
  archive* a_;
  bool done_ = false;
  std::uint64_t position_ = 0;
};

Result<LayerEntry> make_entry(const ArchiveLibrary& la, archive_entry* e, const LayerLimits& limits) {
  const char* raw = la.entry_pathname(e);
  if (!raw) raw = la.entry_pathname_utf8(e);
  if (!raw) return fail("tar member without a name");
  std::string_view name(raw);
  if (name.size() > limits.max_path_bytes)
    return fail("tar member name longer than " + std::to_string(limits.max_path_bytes) + " bytes");
  LayerEntry out;
  out.path = normalize_member_name(name);
  out.size = la.entry_size_is_set(e) ? static_cast<std::uint64_t>(la.entry_size(e)) : 0;
  out.mode = static_cast<std::uint32_t>(la.entry_mode(e));
  out.mtime_ns = static_cast<std::int64_t>(la.entry_mtime(e)) * 1'000'000'000 + la.entry_mtime_nsec(e);

  std::string base = base_name(out.path);
  if (base == kOpaqueMarker && out.path.find("/.wh..wh.") == out.path.size() - kOpaqueMarker.size() - 1) {
    out.type = LayerEntryType::kOpaque;
    out.path = parent_path(out.path);
    return out;
  }
  // Other ".wh..wh." names (aufs' .wh..wh.plnk, .wh..wh.orph) are reserved
  // for tools: neither files nor whiteouts, and nothing under them is either.
  if (out.path.find("/.wh..wh.") != std::string::npos) {
    out.path.clear();
    return out;
  }
  if (base.starts_with(kWhiteoutPrefix)) {
    std::string target = base.substr(kWhiteoutPrefix.size());
    if (target.empty()) {
      out.path.clear();
      return out;
    }
    out.type = LayerEntryType::kWhiteout;
    out.path = join_path(parent_path(out.path), target);
    return out;
  }

  if (const char* hard = la.entry_hardlink(e)) {
    out.type = LayerEntryType::kHardlink;
    out.link = normalize_member_name(hard);
    return out;
  }
  switch (la.entry_filetype(e)) {
    case AE_IFREG: out.type = LayerEntryType::kRegular; break;
    case AE_IFDIR: out.type = LayerEntryType::kDirectory; break;
    case AE_IFLNK: {
      out.type = LayerEntryType::kSymlink;
      const char* target = la.entry_symlink(e);
      if (!target) target = la.entry_symlink_utf8(e);
      out.link = target ? target : "";
      if (out.link.size() > limits.max_path_bytes)
        return fail("symlink target of " + out.path + " longer than " +
                    std::to_string(limits.max_path_bytes) + " bytes");
      out.size = out.link.size();
      break;
    }
    default: out.type = LayerEntryType::kOther; break;
  }
  return out;
}

std::string too_big_message(const Pipeline& p) {
  switch (p.too_big) {
    case Overrun::kRatio:
      return "decompresses to more than " + std::to_string(p.limits->max_ratio) +
             " times its compressed size past " + std::to_string(p.limits->ratio_floor_bytes) +
             " bytes (a decompression bomb)";
    case Overrun::kImage:
      return "the image's layers decompress to more than " + std::to_string(p.budget->limit) + " bytes in all";
    default: return "uncompressed size exceeds " + std::to_string(p.limits->max_uncompressed_bytes) + " bytes";
  }
}

Error layer_error(std::string_view name, const std::string& what) {
  return Error{ErrorKind::kInvalid, std::string(name) + ": " + what};
}

// Reads the rest of the decompressed stream and then the rest of the blob,
// so both hashes cover everything even when the tar ended early.
// Returns whether the decompressed stream was read to its end.
bool drain(Pipeline& p, bool outer_ok) {
  bool outer_eof = false;
  if (outer_ok) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      int r = p.la->read_data_block(p.outer, &block, &size, &offset);
      if (r == ARCHIVE_EOF) outer_eof = true;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) break;
      if (!count_tar(p, size)) break;
      p.tar_hash.update(block, size);
    }
  }
  while (!p.source_done && !p.source_error) {
    auto chunk = (*p.source)();
    if (!chunk) {
      p.source_error = chunk.error();
      break;
    }
    if (chunk->empty()) break;
    p.blob_hash.update(chunk->data(), chunk->size());
    p.blob_bytes += chunk->size();
  }
  return outer_eof;
}

}  // namespace

std::string normalize_member_name(std::string_view name) { return normalize_path(name); }

LayerOutcome read_layer(const ChunkSource& source, std::string_view name, const LayerLimits& limits,
                        const EntryHandler& handler, DecompressionBudget* budget) {
  LayerOutcome outcome;
  auto loaded = archive_library();
  if (!loaded) {
    outcome.error = layer_error(name, loaded.error().message);
    return outcome;
  }
  const ArchiveLibrary& la = **loaded;
  Pipeline p;
  p.la = &la;
  p.source = &source;
  p.limits = &limits;
  p.budget = budget;
  bool outer_ok = false;

  ArchivePtr outer(la.read_new(), ArchiveCloser{&la});
  ArchivePtr inner(la.read_new(), ArchiveCloser{&la});
  p.outer = outer.get();
  enable_builtin_filters(la, outer.get());
  la.read_support_format_raw(outer.get());
  la.read_support_format_tar(inner.get());

  archive_entry* raw_entry = nullptr;
  if (la.read_open(outer.get(), &p, nullptr, outer_read, nullptr) != ARCHIVE_OK ||
      la.read_next_header(outer.get(), &raw_entry) < ARCHIVE_WARN) {
    outcome.error = layer_error(name, "cannot decompress: " + la.message(outer.get()));
  } else if (la.read_open(inner.get(), &p, nullptr, inner_read, nullptr) != ARCHIVE_OK) {
    outer_ok = true;
    outcome.error = layer_error(name, p.too_big != Overrun::kNone ? too_big_message(p)
                                                : "not a tar archive: " + la.message(inner.get()));
  } else {
    outer_ok = true;
    std::uint64_t entries = 0;
    archive_entry* e = nullptr;
    for (;;) {
      int r = la.read_next_header(inner.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        outcome.error = layer_error(name, p.too_big != Overrun::kNone ? too_big_message(p)
                                                    : "bad tar stream: " + la.message(inner.get()));
        break;
      }
      if (++entries > limits.max_entries) {
        outcome.error = layer_error(name, "more than " + std::to_string(limits.max_entries) + " entries");
        break;
      }
      auto entry = make_entry(la, e, limits);
      if (!entry) {
        outcome.error = layer_error(name, entry.error().message);
        break;
      }
      if (entry->path.empty()) continue;
      ArchiveEntryData data(la, inner.get());
      auto handled = handler(*entry, data);
      if (!handled) {
        outcome.error = handled.error();
        break;
      }
      // Unread content: libarchive skips it on the next header.
    }
  }
  // A limit reached while the handler read content surfaces as its read error: name the limit.
  const bool limit_stopped_entries = p.too_big != Overrun::kNone;
  bool stream_complete = drain(p, outer_ok);
  const bool too_big = p.too_big != Overrun::kNone;
  if (p.source_error)
    outcome.error = p.source_error;
  else if (too_big && (limit_stopped_entries || !outcome.error))
    outcome.error = layer_error(name, too_big_message(p));
  if (!stream_complete && !outcome.error)
    outcome.error = layer_error(name, "cannot decompress: " + la.message(outer.get()));
  outcome.digests.blob_sha256 = p.blob_hash.hex_final();
  outcome.digests.blob_bytes = p.blob_bytes;
  outcome.digests.uncompressed_bytes = p.tar_bytes;
  std::string tar_hex = p.tar_hash.hex_final();
  // A tar that failed to parse still has a complete uncompressed hash when the
  // stream itself was read to its end: that tells corruption from malformation.
  if (stream_complete && !too_big && !p.source_error) outcome.digests.uncompressed_sha256 = tar_hex;
  return outcome;
}

}  // namespace envlock::scanner
