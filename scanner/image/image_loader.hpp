#pragma once
// Streams a located image's layers, top layer first, into a LayerTree: each
// blob is read once, verified against its digest and diff ID, and only the
// bytes wanted_files.hpp asks for are kept (plus a sha256 of every visible
// regular file when ImageOptions::hash_files).
//
// One case needs a layer a second time: a hardlink whose target was skipped
// (hidden by an upper layer) or kept for a different purpose, and an ELF
// object whose dynamic data the ElfKeeper could not trim to. Those layers are
// re-read once, capturing only the files concerned.
//
// A hardlink to a file of a lower layer (read later, top down) waits for it:
// it gets the content its target had when the link's layer was applied, as a
// runtime unpacking the layers in order onto overlayfs gives it, whatever the
// layers above do to the target afterwards (pending_links.hpp).
//
// A layer the manifest lists again below its topmost listing is read once:
// applying it a second time changes nothing the upper copy does not decide
// again. Its diff ID is still checked, and it is read again only when a
// hardlink above still waits for a target.

#include <memory>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "scanner/image/image_archive.hpp"
#include "scanner/image/layer_reader.hpp"
#include "scanner/image/layer_tree.hpp"

namespace envlock::scanner {

/// Most nodes (files, directories, whiteouts) the merged tree may hold: about
/// 330 bytes each, so a hostile layer of deep, distinct paths cannot take
/// more than ~1.3 GB. Real images stay far below (a large conda image: ~500k).
inline constexpr std::uint64_t kMaxTreeNodes = 4'000'000;

/// What reading one image may cost. Tests lower them to stay small.
struct ImageLimits {
  LayerLimits layer;
  /// Uncompressed bytes of all layer reads together (rereads included).
  std::uint64_t max_total_uncompressed_bytes = 64ull << 30;
  std::uint64_t max_tree_nodes = kMaxTreeNodes;
  /// Bytes of names held: the tree's names plus the paths a layer's hidden
  /// members, hardlinks and whiteouts keep while it is read. Real images use
  /// a few MB (500k files of ~20-byte names); 4096-byte names would otherwise
  /// make the node limit ~16 GB.
  std::uint64_t max_name_bytes = 256ull << 20;
};

struct LoadedLayers {
  std::unique_ptr<LayerTree> tree;
  std::vector<std::string> notes;  ///< oddities that did not stop the scan
  std::uint64_t kept_bytes = 0;    ///< file content retained in memory
  std::uint64_t rereads = 0;       ///< layers read a second time
  std::uint64_t uncompressed_bytes = 0;  ///< tar bytes of every layer read, rereads included
};

/// Errors: kIntegrity when a blob or its uncompressed tar does not match the
/// manifest ("<path>: layer <member> does not match its digest ..."),
/// kInvalid for undecodable layers, limits (naming the layer), a hardlink to
/// nothing or to a directory (runtimes refuse to unpack such a layer) and for
/// retained content past ImageOptions::max_kept_bytes (naming the file).
Result<LoadedLayers> load_layers(const LocatedImage& image, const ImageOptions& opts,
                                 const ImageLimits& limits = {});

}  // namespace envlock::scanner
