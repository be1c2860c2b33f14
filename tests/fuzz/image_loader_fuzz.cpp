// libFuzzer target for merging an image's layers: the input is split at
// "\n~~\n" into up to four layer blobs (bottom first; tar, gzip or zstd),
// written as an OCI layout whose digests and diff IDs match, and loaded with
// small limits. Then every path is listed, stat'ed, hashed and read as the
// probes would; a __pycache__ pyc always answers head_and_sha256 (unless
// it is an ELF object, which Python never loads). It exercises hardlinks across layers (waiting for a lower
// layer, through whiteouts, chains, repeated layers) and the limits. Never a
// crash, a hang or unbounded memory.
// Seeds: fixtures/fuzz/image/loader/ and fixtures/fuzz/image/tar_layer/.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.hpp"
#include "scanner/image/image_archive.hpp"
#include "scanner/image/image_filesystem.hpp"
#include "scanner/image/image_loader.hpp"
#include "scanner/image/wanted_files.hpp"

namespace {

using namespace envlock::scanner;

const std::string& layout_dir() {
  static const std::string dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "envlock-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    return tmpl;
  }();
  return dir;
}

std::string put(const std::string& bytes) {
  std::string hex = envlock::sha256_hex(bytes);
  std::ofstream(layout_dir() + "/blobs/sha256/" + hex, std::ios::binary) << bytes;
  return hex;
}

// The uncompressed tar's digest, as the image's config must state it.
std::string diff_id_of(const std::string& blob) {
  bool done = false;
  ChunkSource source = [&]() -> envlock::Result<std::string_view> {
    if (done) return std::string_view();
    done = true;
    return std::string_view(blob);
  };
  LayerLimits limits;
  limits.max_uncompressed_bytes = 16 << 20;
  LayerOutcome o = read_layer(source, "fuzz", limits, [](const LayerEntry&, EntryData&) -> envlock::Result<void> {
    return {};
  });
  return o.digests.uncompressed_sha256.empty() ? o.digests.blob_sha256 : o.digests.uncompressed_sha256;
}

void walk(const envlock::scanner::FileSystem& fs, const std::string& dir, int& budget) {
  auto list = fs.list(dir);
  if (!list) return;
  for (const auto& e : *list) {
    if (--budget < 0) return;
    std::string path = dir == "/" ? "/" + e.name : dir + "/" + e.name;
    auto st = fs.lstat(path);
    if (!st) std::abort();  // listed entries exist
    if (st->type == FileType::kRegular) {
      (void)fs.sha256(path);
      auto whole = fs.read(path, 1 << 20);
      (void)fs.read_prefix(path, 4096);
      auto code = fs.head_and_sha256(path, envlock::scanner::kBytecodeHeadBytes);
      // A file kept whole answers as if hashed from its bytes.
      if (whole && (!code || code->head != whole->substr(0, envlock::scanner::kBytecodeHeadBytes) ||
                    code->sha256 != envlock::sha256_hex(std::string_view(*whole).substr(
                                        std::min<std::size_t>(whole->size(), envlock::scanner::kBytecodeHeadBytes)))))
        std::abort();
      // Byte code is never left unpinned (whatever links or layers did),
      // unless it is an ELF object, which Python never loads.
      if (!code && envlock::scanner::wanted_content(path, "") == envlock::scanner::Want::kHeadAndDigest) {
        auto head = fs.read_prefix(path, 4);
        if (!head || *head != std::string_view("\x7f" "ELF", 4)) std::abort();
      }
    }
    if (st->type == FileType::kSymlink) (void)fs.realpath(path);
    if (st->type == FileType::kDirectory) walk(fs, path, budget);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> blobs;
  for (std::size_t pos = 0; blobs.size() < 4;) {
    std::size_t sep = input.find("\n~~\n", pos);
    if (sep == std::string_view::npos || blobs.size() == 3) {
      blobs.emplace_back(input.substr(pos));
      break;
    }
    blobs.emplace_back(input.substr(pos, sep - pos));
    pos = sep + 4;
  }
  const std::string& dir = layout_dir();
  std::filesystem::remove_all(dir + "/blobs");
  std::filesystem::create_directories(dir + "/blobs/sha256");
  std::string layers, diff_ids;
  for (const auto& b : blobs) {
    // A one-byte blob repeats the layer below it: a repeated digest in the manifest.
    const std::string& blob = b.size() == 1 && !layers.empty() ? blobs.front() : b;
    std::string hex = put(blob);
    if (!layers.empty()) {
      layers += ",";
      diff_ids += ",";
    }
    layers += R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:)" + hex +
              R"(","size":)" + std::to_string(blob.size()) + "}";
    diff_ids += "\"sha256:" + diff_id_of(blob) + "\"";
  }
  std::string config = R"({"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[)" +
                       diff_ids + "]}}";
  std::string config_hex = put(config);
  std::string manifest = R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
                         R"("digest":"sha256:)" + config_hex + R"(","size":)" + std::to_string(config.size()) +
                         R"(},"layers":[)" + layers + "]}";
  std::string manifest_hex = put(manifest);
  std::ofstream(dir + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  std::ofstream(dir + "/index.json") << R"({"schemaVersion":2,"manifests":[{"mediaType":)"
                                        R"("application/vnd.oci.image.manifest.v1+json","digest":"sha256:)"
                                     << manifest_hex << R"(","size":)" << manifest.size() << "}]}";

  auto located = locate_image(dir, {});
  if (!located) return 0;
  ImageOptions opts;
  opts.max_kept_bytes = 32 << 20;
  ImageLimits limits;
  limits.layer.max_entries = 20000;
  limits.max_total_uncompressed_bytes = 64 << 20;
  limits.max_tree_nodes = 50000;
  limits.max_name_bytes = 8 << 20;
  auto loaded = load_layers(*located, opts, limits);
  if (!loaded) return 0;
  if (loaded->uncompressed_bytes > limits.max_total_uncompressed_bytes + (16 << 20)) std::abort();
  ImageFileSystem fs(std::move(loaded->tree), "fuzz");
  int budget = 20000;
  walk(fs, "/", budget);
  return 0;
}
