#pragma once
// The JSON documents of a container image: the OCI image index and manifest
// (also Docker's manifest list and schema 2 manifest, which have the same
// shape), the image config, and `docker save`'s manifest.json. Pure parsing:
// bytes in, structs out, every field type-checked. Errors read
// "<what>: <field>: <problem>", where `what` names the archive and member.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace envlock::scanner {

struct Platform {
  std::string os, architecture, variant;
  /// "linux/amd64", "linux/arm64/v8".
  std::string str() const;
};

/// Parses "os/arch[/variant]"; kUsage error naming the text when malformed.
Result<Platform> parse_platform(std::string_view text);
/// Whether an index entry's platform satisfies the wanted one ("x86_64" is
/// "amd64", "aarch64" is "arm64"; a variant is compared only when wanted).
bool platform_matches(const Platform& wanted, const Platform& have);

struct Descriptor {
  std::string media_type;
  std::string digest;  ///< "sha256:<hex>", validated
  std::uint64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct ImageIndex {
  std::vector<Descriptor> manifests;
};

struct ImageManifest {
  Descriptor config;
  std::vector<Descriptor> layers;  ///< bottom first
};

struct ImageConfig {
  std::vector<std::string> diff_ids;  ///< bottom first
  std::vector<std::string> env;       ///< "K=V"
  Platform platform;
};

/// One image of `docker save`'s manifest.json.
struct DockerImageEntry {
  std::string config;  ///< member name of the config
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;  ///< member names, bottom first
};

/// Largest metadata document read into memory.
inline constexpr std::uint64_t kMaxMetadataBytes = 16ull << 20;

inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

bool is_index_media_type(std::string_view media_type);

/// Whether a JSON document is an index (has "manifests") rather than a manifest.
bool looks_like_index(std::string_view json);

Result<ImageIndex> parse_image_index(std::string_view json, std::string_view what);
Result<ImageManifest> parse_image_manifest(std::string_view json, std::string_view what);
Result<ImageConfig> parse_image_config(std::string_view json, std::string_view what);
Result<std::vector<DockerImageEntry>> parse_docker_manifest(std::string_view json,
                                                           std::string_view what);

/// The hex of a "sha256:<64 lower-case hex>" digest; errors name `what`.
/// Other algorithms are refused (envlock verifies every blob it reads).
Result<std::string> digest_hex(std::string_view digest, std::string_view what);

}  // namespace envlock::scanner
