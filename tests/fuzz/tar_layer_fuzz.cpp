// libFuzzer target for layer streaming: any bytes as a layer blob (tar, gzip
// or zstd) go through the layer reader into a LayerTree exactly as an image
// scan does (whiteouts, opaque markers, same-layer replacement, ELF trimming),
// then every placed path and symlink is resolved. Never a crash, a hang or a
// resolution that leaves the root.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/image/elf_keeper.hpp"
#include "scanner/image/layer_reader.hpp"
#include "scanner/image/layer_tree.hpp"
#include "scanner/image/wanted_files.hpp"

namespace {

using namespace envlock::scanner;

NodeKind kind_of(LayerEntryType t) {
  switch (t) {
    case LayerEntryType::kDirectory: return NodeKind::kDirectory;
    case LayerEntryType::kSymlink: return NodeKind::kSymlink;
    case LayerEntryType::kRegular:
    case LayerEntryType::kHardlink: return NodeKind::kRegular;
    default: return NodeKind::kOther;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view blob(reinterpret_cast<const char*>(data), size);
  LayerTree tree;
  std::vector<std::string> paths;
  LayerLimits limits;
  limits.max_uncompressed_bytes = 64ull << 20;
  limits.max_entries = 10000;
  // The same blob twice, as the top and the bottom layer, so cross-layer rules run too.
  for (int layer = 0; layer < 2; ++layer) {
    tree.begin_layer(layer);
    bool done = false;
    ChunkSource source = [&]() -> envlock::Result<std::string_view> {
      if (done) return std::string_view();
      done = true;
      return blob;
    };
    read_layer(source, "fuzz", limits, [&](const LayerEntry& e, EntryData& d) -> envlock::Result<void> {
      if (e.path.empty() || e.path[0] != '/') std::abort();
      if (paths.size() < 2000) paths.push_back(e.path);
      if (e.type == LayerEntryType::kWhiteout) {
        tree.whiteout(e.path);
        return {};
      }
      if (e.type == LayerEntryType::kOpaque) {
        tree.opaque(e.path);
        return {};
      }
      TreeNode* node = tree.place(e.path, kind_of(e.type));
      if (!node) return {};
      if (e.type == LayerEntryType::kSymlink) node->link = e.link;
      if (e.type != LayerEntryType::kRegular) return {};
      ElfKeeper keeper(e.size, kElfPrefixBytes);
      std::string head;
      for (;;) {
        auto chunk = d.next();
        if (!chunk) return envlock::fail(chunk.error().message);
        if (chunk->empty()) break;
        if (head.size() < 64) head.append(chunk->substr(0, 64 - head.size()));
        keeper.feed(*chunk);
      }
      (void)wanted_content(e.path, head);
      auto kept = keeper.finish();
      std::uint64_t end = 0;
      for (const auto& p : kept.pieces) {
        if (p.offset < end || p.offset + p.bytes.size() > kept.extent) std::abort();
        end = p.offset + p.bytes.size();
      }
      return {};
    });
  }
  for (const auto& p : paths) {
    for (bool follow : {true, false}) {
      auto r = tree.resolve(p, follow);
      if (r && (r->path.empty() || r->path[0] != '/' || r->path.find("/../") != std::string::npos)) std::abort();
    }
  }
  return 0;
}
