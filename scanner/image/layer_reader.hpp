#pragma once
// Streams one image layer (a tar, possibly gzip/zstd compressed) in a single
// pass with libarchive, turning each tar member into a LayerEntry with a
// normalized path, and recognizing OCI whiteouts. It hashes the raw blob bytes
// and the uncompressed tar stream on the way, so the caller can verify the
// blob digest and the diff ID without reading anything twice.
//
// Two libarchive readers are stacked: the outer one only decompresses
// ("raw" format), the inner one parses tar from the outer one's output. That
// is what makes the uncompressed hash (the diff ID) free.
//
// Only decompressors compiled into libarchive are enabled (gzip, zstd, xz,
// bzip2, lz4); libarchive's fallbacks that run an external program are never
// used, so reading an image executes nothing.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace envlock::scanner {

/// Pulls a blob's raw bytes in order; an empty view means the end. The view
/// stays valid until the next call.
using ChunkSource = std::function<Result<std::string_view>()>;

enum class LayerEntryType {
  kRegular,
  kDirectory,
  kSymlink,
  kHardlink,  ///< `link` is the normalized path of an earlier member of this layer
  kOther,     ///< device, FIFO, socket: only the header matters
  kWhiteout,  ///< `.wh.NAME`: `path` is the removed path (dir + "/" + NAME)
  kOpaque,    ///< `.wh..wh..opq`: `path` is the directory whose lower content goes
};

struct LayerEntry {
  std::string path;  ///< absolute, normalized ("/usr/bin/x"); "/" for the root entry
  LayerEntryType type = LayerEntryType::kOther;
  std::string link;  ///< symlink target as stored, or the hardlink target path
  std::uint64_t size = 0;
  std::uint32_t mode = 0;  ///< permission bits (and file type bits as stored)
  std::int64_t mtime_ns = 0;
};

/// Reads the content of the current entry. Whatever the handler leaves
/// unread is skipped (still decompressed, never kept).
class EntryData {
 public:
  virtual ~EntryData() = default;
  /// The next chunk of content; an empty view at the end. Valid until the next call.
  virtual Result<std::string_view> next() = 0;
};

/// Called once per member, in archive order. An error stops the layer.
using EntryHandler = std::function<Result<void>(const LayerEntry&, EntryData&)>;

struct LayerLimits {
  std::uint64_t max_uncompressed_bytes = 64ull << 30;  ///< decompression bombs
  /// Past `ratio_floor_bytes` of tar, a layer may decompress to at most this
  /// many times the compressed bytes read so far. Deflate cannot go past
  /// ~1032:1, so no gzip layer ever trips it; real layers compress 2-10x.
  /// What does is a crafted zstd/xz/bzip2 run (zstd reaches ~32000:1).
  std::uint64_t max_ratio = 2000;
  std::uint64_t ratio_floor_bytes = 64ull << 20;
  std::uint64_t max_entries = 10'000'000;
  std::uint64_t max_path_bytes = 4096;
};

/// Uncompressed bytes that all the layer reads of one image may produce
/// together (rereads included): one layer read passes it to the next.
struct DecompressionBudget {
  std::uint64_t limit = 64ull << 30;
  std::uint64_t used = 0;
};

struct LayerDigests {
  std::string blob_sha256;          ///< hex of the raw bytes, always complete
  std::string uncompressed_sha256;  ///< hex of the tar stream; "" when it could not be read to its end
  std::uint64_t blob_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
};

struct LayerOutcome {
  LayerDigests digests;
  /// Decoding or handler failure. The blob is still read to its end so that
  /// the caller can tell a corrupt blob (digest mismatch) from a bad one.
  std::optional<Error> error;
};

/// Streams the layer named `name` (used in messages) from `source`. Errors
/// for a limit name the layer: "<name>: uncompressed size exceeds N bytes",
/// "<name>: decompresses to more than R times its compressed size ...", and
/// with a `budget`, "<name>: the image's layers decompress to more than N bytes
/// in all". The bytes this read decompressed are added to `budget->used`.
LayerOutcome read_layer(const ChunkSource& source, std::string_view name, const LayerLimits& limits,
                        const EntryHandler& handler, DecompressionBudget* budget = nullptr);

/// Normalizes a tar member name to an absolute path inside the image: "./"
/// and leading "/" go, "." and ".." collapse and never climb above "/".
std::string normalize_member_name(std::string_view name);

}  // namespace envlock::scanner
