#pragma once
// Builds container images for tests with libarchive's writers: layer tars
// (plain, gzip, zstd), OCI layouts (one image, several platforms, several
// tags), docker-archive tarballs and OCI archives, all in a temp dir.
// Header-only: the test CMake globs only *_test.cpp under tests/scanner.

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/sha256.hpp"
#include "support/process.hpp"  // TempDir, write_file, read_file

namespace envlock::testing {

/// One tar member. Types: '0' file, '5' directory, '2' symlink, '1' hardlink, '3' char device.
struct Member {
  std::string name;
  char type = '0';
  std::string content;  ///< for files
  std::string link;     ///< symlink or hardlink target
  unsigned mode = 0644;
  long mtime = 1'700'000'000;
};

inline Member file(std::string name, std::string content, unsigned mode = 0644) {
  return {std::move(name), '0', std::move(content), "", mode};
}
inline Member dir(std::string name) { return {std::move(name), '5', "", "", 0755}; }
inline Member symlink(std::string name, std::string target) {
  return {std::move(name), '2', "", std::move(target), 0777};
}
inline Member hardlink(std::string name, std::string target) {
  return {std::move(name), '1', "", std::move(target), 0644};
}
inline Member whiteout(const std::string& dir_path, const std::string& name) {
  return file(dir_path.empty() ? ".wh." + name : dir_path + "/.wh." + name, "");
}
inline Member opaque(const std::string& dir_path) { return file(dir_path + "/.wh..wh..opq", ""); }
inline Member device(std::string name) { return {std::move(name), '3', "", "", 0666}; }

enum class Compression { kNone, kGzip, kZstd };

inline la_ssize_t append_to_string(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

/// A tar of `members` in order, compressed as asked.
inline std::string make_tar(const std::vector<Member>& members, Compression c = Compression::kNone) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (c == Compression::kGzip) archive_write_add_filter_gzip(a);
  if (c == Compression::kZstd) archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, append_to_string, nullptr);
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_mtime(e, m.mtime, 0);
    archive_entry_set_perm(e, m.mode);
    switch (m.type) {
      case '5': archive_entry_set_filetype(e, AE_IFDIR); break;
      case '2':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, m.link.c_str());
        break;
      case '1':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, m.link.c_str());
        break;
      case '3': archive_entry_set_filetype(e, AE_IFCHR); break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(m.content.size()));
    }
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    if (m.type == '0' && !m.content.empty())
      archive_write_data(a, m.content.data(), m.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

struct Layer {
  std::vector<Member> members;
  Compression compression = Compression::kNone;
};

struct ImageSpec {
  std::vector<Layer> layers;  ///< bottom first
  std::vector<std::string> env = {"PATH=/usr/bin"};
  std::string os = "linux", architecture = "amd64", variant;
};

struct BuiltImage {
  std::string manifest_digest;  ///< "sha256:..."
  std::size_t manifest_size = 0;
  std::string config_digest;
  std::vector<std::string> diff_ids;     ///< "sha256:..."
  std::vector<std::string> layer_blobs;  ///< the layer blobs' digests
  std::string config_json;
  std::vector<std::string> layer_bytes;  ///< blob bytes, bottom first
};

inline std::string layer_media_type(Compression c) {
  switch (c) {
    case Compression::kGzip: return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::kZstd: return "application/vnd.oci.image.layer.v1.tar+zstd";
    default: return "application/vnd.oci.image.layer.v1.tar";
  }
}

inline std::string digest_of(const std::string& bytes) { return "sha256:" + sha256_hex(bytes); }

/// Builds the blobs of an image (layers, config, manifest) without writing them.
inline BuiltImage build_image(const ImageSpec& spec, std::vector<std::pair<std::string, std::string>>* blobs) {
  BuiltImage out;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : spec.layers) {
    std::string plain = make_tar(l.members, Compression::kNone);
    std::string blob = l.compression == Compression::kNone ? plain : make_tar(l.members, l.compression);
    out.diff_ids.push_back(digest_of(plain));
    out.layer_blobs.push_back(digest_of(blob));
    out.layer_bytes.push_back(blob);
    layers.push_back({{"mediaType", layer_media_type(l.compression)},
                      {"digest", digest_of(blob)},
                      {"size", blob.size()}});
    blobs->push_back({digest_of(blob), blob});
  }
  nlohmann::json config = {{"architecture", spec.architecture},
                           {"os", spec.os},
                           {"config", {{"Env", spec.env}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", out.diff_ids}}}};
  if (!spec.variant.empty()) config["variant"] = spec.variant;
  out.config_json = config.dump();
  out.config_digest = digest_of(out.config_json);
  blobs->push_back({out.config_digest, out.config_json});
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", out.config_digest},
        {"size", out.config_json.size()}}},
      {"layers", layers}};
  std::string m = manifest.dump();
  out.manifest_digest = digest_of(m);
  out.manifest_size = m.size();
  blobs->push_back({out.manifest_digest, m});
  return out;
}

inline void write_blobs(const std::string& layout, const std::vector<std::pair<std::string, std::string>>& blobs) {
  for (const auto& [digest, bytes] : blobs) write_file(layout + "/blobs/sha256/" + digest.substr(7), bytes);
  write_file(layout + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
}

/// An index entry: a manifest (or nested index) with an optional name and platform.
struct IndexEntry {
  std::string digest;
  std::size_t size = 0;
  std::string media_type = "application/vnd.oci.image.manifest.v1+json";
  std::string ref_name;
  std::string platform;  ///< "os/arch[/variant]" or ""
};

inline std::string index_json(const std::vector<IndexEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json d = {{"mediaType", e.media_type}, {"digest", e.digest}, {"size", e.size}};
    if (!e.ref_name.empty()) d["annotations"] = {{"org.opencontainers.image.ref.name", e.ref_name}};
    if (!e.platform.empty()) {
      auto slash = e.platform.find('/');
      auto rest = e.platform.substr(slash + 1);
      auto slash2 = rest.find('/');
      d["platform"] = {{"os", e.platform.substr(0, slash)}, {"architecture", rest.substr(0, slash2)}};
      if (slash2 != std::string::npos) d["platform"]["variant"] = rest.substr(slash2 + 1);
    }
    list.push_back(d);
  }
  return nlohmann::json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
                        {"manifests", list}}
      .dump();
}

/// Writes an OCI layout with one image named `ref_name`.
inline BuiltImage write_oci_layout(const std::string& layout, const ImageSpec& spec,
                                   const std::string& ref_name = "latest") {
  std::vector<std::pair<std::string, std::string>> blobs;
  BuiltImage img = build_image(spec, &blobs);
  write_blobs(layout, blobs);
  write_file(layout + "/index.json", index_json({{img.manifest_digest, img.manifest_size,
                                                  "application/vnd.oci.image.manifest.v1+json", ref_name, ""}}));
  return img;
}

/// Tars a directory tree (an OCI layout) into `out`, members relative to it.
inline void tar_directory(const std::string& dir, const std::string& out) {
  std::vector<Member> members;
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    std::string rel = std::filesystem::relative(p, dir).string();
    if (std::filesystem::is_directory(p))
      members.push_back(envlock::testing::dir(rel));
    else
      members.push_back(file(rel, read_file(p.string())));
  }
  write_file(out, make_tar(members));
}

/// A layer given as bytes: its blob, the digest of its uncompressed tar, its media type.
struct RawLayer {
  std::string blob;
  std::string diff_id;  ///< "sha256:..."
  std::string media_type = layer_media_type(Compression::kZstd);
};

/// Writes an OCI layout whose manifest lists `layers` (bottom first) as given,
/// repeats included; returns the layer blobs' digests.
inline std::vector<std::string> write_raw_layout(const std::string& layout, const std::vector<RawLayer>& layers) {
  std::vector<std::pair<std::string, std::string>> blobs;
  nlohmann::json list = nlohmann::json::array(), diff_ids = nlohmann::json::array();
  std::vector<std::string> digests;
  for (const auto& l : layers) {
    digests.push_back(digest_of(l.blob));
    blobs.push_back({digests.back(), l.blob});
    list.push_back({{"mediaType", l.media_type}, {"digest", digests.back()}, {"size", l.blob.size()}});
    diff_ids.push_back(l.diff_id);
  }
  std::string config = nlohmann::json{{"architecture", "amd64"}, {"os", "linux"}, {"config", nlohmann::json::object()},
                                      {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                           .dump();
  blobs.push_back({digest_of(config), config});
  std::string manifest =
      nlohmann::json{{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config",
                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                       {"digest", digest_of(config)},
                       {"size", config.size()}}},
                     {"layers", list}}
          .dump();
  blobs.push_back({digest_of(manifest), manifest});
  write_blobs(layout, blobs);
  write_file(layout + "/index.json", index_json({{digest_of(manifest), manifest.size(), "application/vnd.oci.image.manifest.v1+json", "latest", ""}}));
  return digests;
}

inline la_ssize_t append_to_hash(archive*, void* client, const void* buffer, size_t length) {
  static_cast<Sha256*>(client)->update(buffer, length);
  return static_cast<la_ssize_t>(length);
}

/// A layer of one file of `size` zero bytes, written in chunks (never held
/// whole): what a decompression bomb looks like.
inline RawLayer zero_file_layer(const std::string& name, std::uint64_t size, Compression c = Compression::kZstd) {
  RawLayer out;
  out.media_type = layer_media_type(c);
  Sha256 plain;
  for (int pass = 0; pass < 2; ++pass) {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (pass == 1 && c == Compression::kGzip) archive_write_add_filter_gzip(a);
    if (pass == 1 && c == Compression::kZstd) archive_write_add_filter_zstd(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (pass == 0)
      archive_write_open(a, &plain, nullptr, append_to_hash, nullptr);
    else
      archive_write_open(a, &out.blob, nullptr, append_to_string, nullptr);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(size));
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    const std::string zeros(1 << 20, '\0');
    for (std::uint64_t left = size; left > 0;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, zeros.size()));
      archive_write_data(a, zeros.data(), n);
      left -= n;
    }
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
  }
  out.diff_id = "sha256:" + plain.hex_final();
  return out;
}

/// A docker-archive image: tags plus its spec (layers are stored uncompressed, as `docker save` does).
struct DockerImage {
  ImageSpec spec;
  std::vector<std::string> tags;
};

/// Writes a legacy `docker save` tarball: manifest.json, <config hex>.json, <n>/layer.tar.
inline std::vector<BuiltImage> write_docker_archive(const std::string& path, const std::vector<DockerImage>& images) {
  std::vector<Member> members;
  nlohmann::json manifest = nlohmann::json::array();
  std::vector<BuiltImage> built;
  int layer_no = 0;
  for (const auto& img : images) {
    ImageSpec spec = img.spec;
    for (auto& l : spec.layers) l.compression = Compression::kNone;
    std::vector<std::pair<std::string, std::string>> blobs;
    BuiltImage b = build_image(spec, &blobs);
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& bytes : b.layer_bytes) {
      std::string id = "layer" + std::to_string(layer_no++);
      members.push_back(dir(id));
      members.push_back(file(id + "/layer.tar", bytes));
      layers.push_back(id + "/layer.tar");
    }
    std::string config_name = b.config_digest.substr(7) + ".json";
    members.push_back(file(config_name, b.config_json));
    manifest.push_back({{"Config", config_name}, {"RepoTags", img.tags}, {"Layers", layers}});
    built.push_back(b);
  }
  members.push_back(file("manifest.json", manifest.dump()));
  write_file(path, make_tar(members));
  return built;
}

}  // namespace envlock::testing
