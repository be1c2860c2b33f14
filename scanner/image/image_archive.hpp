#pragma once
// Finds the one image to scan inside an image archive and lists its layers:
//
// - docker-archive (`docker save`, skopeo docker-archive): a tar with
//   manifest.json naming each image's config, RepoTags and layer members;
// - OCI image layout: a directory with index.json and blobs/sha256/<hex>;
// - OCI archive: a tar of an OCI layout.
//
// Several images need --image-ref (a tag, a ref name or a digest); an image
// index with several platforms is narrowed to ImageOptions::platform. Every
// metadata blob is verified against its digest as it is read.

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"
#include "scanner/image/image_blobs.hpp"

namespace envlock::scanner {

struct ImageOptions {
  std::string ref;                    ///< tag or digest; "" = the only image
  std::string platform = "linux/amd64";  ///< os/arch[/variant]; "" means the default
  /// sha256 of every regular file as it streams past (the default scan hashes all package files).
  bool hash_files = true;
  /// Most bytes of file content kept in memory (wanted_files.hpp decides which).
  std::uint64_t max_kept_bytes = 512ull << 20;
};

/// One layer of the chosen image, as its manifest names it.
struct LayerBlob {
  std::string member;   ///< member of the store ("blobs/sha256/<hex>", "<id>/layer.tar")
  std::string digest;   ///< hex the blob bytes must hash to; "" when the format names none
  std::string diff_id;  ///< hex the uncompressed tar must hash to
  std::string media_type;
};

struct LocatedImage {
  BlobStore store;
  lockfile::Image identity;
  std::vector<std::string> env;    ///< config Env, "K=V"
  std::vector<std::string> notes;  ///< e.g. "platform linux/amd64 chosen from 3"
  std::vector<LayerBlob> layers;   ///< bottom first
};

/// Most layers an image may have.
inline constexpr std::size_t kMaxLayers = 4096;

/// Opens `path` and picks the image. Errors: kUsage when several images and
/// no ref ("app.tar holds 2 images; pick one with --image-ref: app:1.0,
/// app:2.0"), an unknown ref or no manifest for the platform (listing what is
/// there); kIntegrity when a manifest or config does not match its digest;
/// kInvalid for malformed JSON (naming the member and field) or a missing blob.
Result<LocatedImage> locate_image(const std::string& path, const ImageOptions& opts);

/// Whether `ref` (as typed on the command line) names `candidate` (a RepoTag
/// or an OCI ref name): equal, equal after Docker's defaults ("docker.io/",
/// "library/", ":latest"), or `candidate` is the bare tag of `ref`.
bool ref_matches(std::string_view candidate, std::string_view ref);

}  // namespace envlock::scanner
