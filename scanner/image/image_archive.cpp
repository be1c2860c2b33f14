#include "scanner/image/image_archive.hpp"

#include <algorithm>

#include "base/sha256.hpp"
#include "scanner/image/image_manifest.hpp"

namespace envlock::scanner {

namespace {

constexpr int kMaxIndexDepth = 4;
constexpr std::string_view kBlobDir = "blobs/sha256/";

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string describe_member(const BlobStore& store, std::string_view member) {
  return store.path() + ": " + std::string(member);
}

std::string blob_member(std::string_view hex) { return std::string(kBlobDir) + std::string(hex); }

// Reads a (small) blob by digest and checks that its bytes hash to it.
Result<std::string> read_verified(const BlobStore& store, std::string_view member, std::string_view hex,
                                  std::string_view digest_text) {
  std::string bytes = ENVLOCK_TRY(store.read(member, kMaxMetadataBytes));
  std::string actual = sha256_hex(bytes);
  if (actual != hex)
    return fail(store.path() + ": " + std::string(member) + " does not match its digest " +
                    std::string(digest_text) + " (content is sha256:" + actual + ")",
                ErrorKind::kIntegrity);
  return bytes;
}

Result<std::string> read_blob(const BlobStore& store, const std::string& digest) {
  std::string hex = ENVLOCK_TRY(digest_hex(digest, store.path()));
  return read_verified(store, blob_member(hex), hex, digest);
}

// A digest named by --image-ref ("sha256:...", "name@sha256:...").
std::string ref_digest(std::string_view ref) {
  auto at = ref.find('@');
  if (at != std::string_view::npos) ref = ref.substr(at + 1);
  return ref.starts_with("sha256:") ? std::string(ref) : std::string();
}

std::string normalize_ref(std::string_view r) {
  std::string s(r);
  if (s.starts_with("docker.io/")) s.erase(0, 10);
  if (s.starts_with("library/")) s.erase(0, 8);
  auto slash = s.rfind('/');
  if (s.find(':', slash == std::string::npos ? 0 : slash) == std::string::npos) s += ":latest";
  return s;
}

std::string tag_of(std::string_view ref) {
  auto slash = ref.rfind('/');
  auto colon = ref.find(':', slash == std::string_view::npos ? 0 : slash);
  return colon == std::string_view::npos ? "latest" : std::string(ref.substr(colon + 1));
}

// The hex a docker-archive member name carries ("<hex>.json", "blobs/sha256/<hex>").
std::string hex_in_member(std::string_view member) {
  if (member.starts_with(kBlobDir)) member.remove_prefix(kBlobDir.size());
  if (member.ends_with(".json")) member.remove_suffix(5);
  if (member.ends_with(".tar")) member.remove_suffix(4);
  std::string digest = "sha256:" + std::string(member);
  auto hex = digest_hex(digest, "");
  return hex ? *hex : std::string();
}

Result<void> fill_config(LocatedImage& out, const std::string& config_text, const std::string& where,
                         std::size_t layer_count, std::string_view layers_field) {
  ImageConfig config = ENVLOCK_TRY(parse_image_config(config_text, where));
  if (config.diff_ids.size() != layer_count)
    return fail(std::string(layers_field) + ": " + std::to_string(layer_count) +
                " layers but the config lists " + std::to_string(config.diff_ids.size()) + " diff IDs");
  if (layer_count > kMaxLayers)
    return fail(std::string(layers_field) + ": more than " + std::to_string(kMaxLayers) + " layers");
  out.env = std::move(config.env);
  out.identity.layers = config.diff_ids;
  if (out.identity.platform.empty() && !config.platform.os.empty()) out.identity.platform = config.platform.str();
  for (std::size_t i = 0; i < layer_count; ++i)
    out.layers.push_back({"", "", ENVLOCK_TRY(digest_hex(config.diff_ids[i], where)), ""});
  return {};
}

Result<LocatedImage> locate_docker(BlobStore store, const ImageOptions& opts) {
  const std::string where = describe_member(store, "manifest.json");
  std::string text = ENVLOCK_TRY(store.read("manifest.json", kMaxMetadataBytes));
  auto entries = ENVLOCK_TRY(parse_docker_manifest(text, where));
  if (entries.empty()) return fail(where + ": lists no images");

  // Config digests, needed for untagged images and digest refs.
  auto config_digest = [&](const DockerImageEntry& e) -> Result<std::string> {
    std::string bytes = ENVLOCK_TRY(store.read(e.config, kMaxMetadataBytes));
    return "sha256:" + sha256_hex(bytes);
  };
  std::vector<std::string> labels;
  for (const auto& e : entries) {
    if (e.repo_tags.empty()) labels.push_back(ENVLOCK_TRY(config_digest(e)));
    for (const auto& t : e.repo_tags) add_unique(labels, t);
  }

  std::size_t chosen = 0;
  if (opts.ref.empty()) {
    if (entries.size() > 1)
      return fail(store.path() + " holds " + std::to_string(entries.size()) +
                      " images; pick one with --image-ref: " + join(labels, ", "),
                  ErrorKind::kUsage);
  } else {
    std::string digest = ref_digest(opts.ref);
    bool found = false;
    for (std::size_t i = 0; i < entries.size() && !found; ++i) {
      if (!digest.empty()) {
        found = ENVLOCK_TRY(config_digest(entries[i])) == digest;
      } else {
        for (const auto& t : entries[i].repo_tags) found = found || ref_matches(t, opts.ref);
      }
      if (found) chosen = i;
    }
    if (!found)
      return fail(store.path() + " has no image " + opts.ref + "; available: " + join(labels, ", "),
                  ErrorKind::kUsage);
  }
  const DockerImageEntry& entry = entries[chosen];

  LocatedImage out{std::move(store), {}, {}, {}, {}};
  const BlobStore& s = out.store;
  std::string config_text = ENVLOCK_TRY(s.read(entry.config, kMaxMetadataBytes));
  std::string config_hex = sha256_hex(config_text);
  if (std::string named = hex_in_member(entry.config); !named.empty() && named != config_hex)
    return fail(s.path() + ": " + entry.config + " does not match its digest sha256:" + named +
                    " (content is sha256:" + config_hex + ")",
                ErrorKind::kIntegrity);
  out.identity.config_digest = "sha256:" + config_hex;
  out.identity.tags = entry.repo_tags;
  out.identity.reference = !opts.ref.empty() ? opts.ref
                           : entry.repo_tags.size() == 1 ? entry.repo_tags.front()
                                                         : std::string();
  const std::string layers_field = where + ": [" + std::to_string(chosen) + "].Layers";
  ENVLOCK_TRY(fill_config(out, config_text, describe_member(s, entry.config), entry.layers.size(),
                          layers_field));
  for (std::size_t i = 0; i < entry.layers.size(); ++i) {
    out.layers[i].member = entry.layers[i];
    // Newer `docker save` stores layers as blobs/sha256/<hex> of their (possibly compressed) bytes.
    if (entry.layers[i].starts_with(kBlobDir)) out.layers[i].digest = hex_in_member(entry.layers[i]);
    if (!s.has(entry.layers[i])) return fail(s.path() + ": missing " + entry.layers[i]);
  }
  if (auto wanted = parse_platform(opts.platform); wanted && !out.identity.platform.empty()) {
    auto have = parse_platform(out.identity.platform);
    if (have && !platform_matches(*wanted, *have))
      out.notes.push_back("image platform is " + out.identity.platform + ", not " + opts.platform);
  }
  return out;
}

std::string descriptor_label(const Descriptor& d) {
  auto name = d.annotations.find(std::string(kRefNameAnnotation));
  return name != d.annotations.end() ? name->second : d.digest;
}

std::string descriptor_tag(const Descriptor& d) {
  for (auto key : {kContainerdNameAnnotation, kRefNameAnnotation}) {
    auto it = d.annotations.find(std::string(key));
    if (it != d.annotations.end()) return it->second;
  }
  return "";
}

bool descriptor_matches(const Descriptor& d, std::string_view ref) {
  std::string digest = ref_digest(ref);
  if (!digest.empty()) return d.digest == digest;
  for (auto key : {kRefNameAnnotation, kContainerdNameAnnotation}) {
    auto it = d.annotations.find(std::string(key));
    if (it != d.annotations.end() && ref_matches(it->second, ref)) return true;
  }
  return false;
}

bool is_attestation(const Descriptor& d) {
  return d.platform && d.platform->os == "unknown" && d.platform->architecture == "unknown";
}

Result<const Descriptor*> choose_platform(const std::vector<const Descriptor*>& list, const Platform& wanted,
                                          const std::string& where, std::vector<std::string>& notes) {
  std::vector<std::string> available;
  const Descriptor* pick = nullptr;
  std::size_t platforms = 0;
  for (const Descriptor* d : list) {
    if (is_attestation(*d)) continue;
    if (!d->platform) {
      if (list.size() == 1) pick = d;
      continue;
    }
    ++platforms;
    add_unique(available, d->platform->str());
    if (!pick && platform_matches(wanted, *d->platform)) pick = d;
  }
  if (!pick)
    return fail(where + ": no image for platform " + wanted.str() + "; available: " +
                    (available.empty() ? std::string("none") : join(available, ", ")),
                ErrorKind::kUsage);
  if (platforms > 1)
    notes.push_back("platform " + pick->platform->str() + " chosen from " + std::to_string(platforms));
  return pick;
}

struct ChosenManifest {
  Descriptor descriptor;
  std::string text;
  std::string platform;
};

// Follows index entries down to an image manifest, choosing by platform.
Result<ChosenManifest> resolve_manifest(const BlobStore& store, const Descriptor& d, const Platform& wanted,
                                        std::vector<std::string>& notes) {
  Descriptor current = d;
  std::string platform = d.platform ? d.platform->str() : "";
  for (int depth = 0;; ++depth) {
    std::string text = ENVLOCK_TRY(read_blob(store, current.digest));
    bool index = is_index_media_type(current.media_type) ||
                 (current.media_type.empty() && looks_like_index(text));
    if (!index) return ChosenManifest{current, std::move(text), platform};
    if (depth >= kMaxIndexDepth)
      return fail(store.path() + ": image indexes nested more than " + std::to_string(kMaxIndexDepth) + " deep");
    const std::string where = describe_member(store, blob_member(current.digest.substr(7)));
    ImageIndex idx = ENVLOCK_TRY(parse_image_index(text, where));
    std::vector<const Descriptor*> list;
    for (const auto& m : idx.manifests) list.push_back(&m);
    const Descriptor* pick = ENVLOCK_TRY(choose_platform(list, wanted, where, notes));
    if (pick->platform) platform = pick->platform->str();
    current = *pick;
  }
}

Result<LocatedImage> locate_oci(BlobStore store, const ImageOptions& opts) {
  const std::string where = describe_member(store, "index.json");
  if (!store.has("index.json"))
    return fail(store.path() + ": neither manifest.json (docker-archive) nor index.json (OCI layout) found");
  std::string text = ENVLOCK_TRY(store.read("index.json", kMaxMetadataBytes));
  ImageIndex index = ENVLOCK_TRY(parse_image_index(text, where));
  if (index.manifests.empty()) return fail(where + ": lists no images");
  Platform wanted = ENVLOCK_TRY(parse_platform(opts.platform));

  std::vector<std::string> labels;
  for (const auto& d : index.manifests) {
    if (!is_attestation(d)) add_unique(labels, descriptor_label(d));
  }
  std::vector<const Descriptor*> candidates;
  for (const auto& d : index.manifests) {
    if (is_attestation(d)) continue;
    if (opts.ref.empty() || descriptor_matches(d, opts.ref)) candidates.push_back(&d);
  }
  if (candidates.empty() && !opts.ref.empty())
    return fail(store.path() + " has no image " + opts.ref + "; available: " + join(labels, ", "),
                ErrorKind::kUsage);
  if (candidates.empty()) return fail(where + ": lists no images");
  std::vector<std::string> candidate_labels;
  bool all_platforms = true;
  for (const Descriptor* d : candidates) {
    add_unique(candidate_labels, d->annotations.count(std::string(kRefNameAnnotation)) ? descriptor_label(*d) : "");
    all_platforms = all_platforms && d->platform.has_value();
  }
  // Entries of one name that differ only by platform are one image; anything else needs a ref.
  if (candidates.size() > 1 && !(all_platforms && candidate_labels.size() <= 1)) {
    std::vector<std::string> shown;
    for (const Descriptor* d : candidates) add_unique(shown, descriptor_label(*d));
    return fail(store.path() + " holds " + std::to_string(shown.size()) +
                    " images; pick one with --image-ref: " + join(shown, ", "),
                ErrorKind::kUsage);
  }

  LocatedImage out{std::move(store), {}, {}, {}, {}};
  const BlobStore& s = out.store;
  const Descriptor* top = candidates.front();
  if (candidates.size() > 1) top = ENVLOCK_TRY(choose_platform(candidates, wanted, where, out.notes));
  ChosenManifest chosen = ENVLOCK_TRY(resolve_manifest(s, *top, wanted, out.notes));
  for (const Descriptor* d : candidates) add_unique(out.identity.tags, descriptor_tag(*d));
  out.identity.reference = !opts.ref.empty() ? opts.ref
                           : out.identity.tags.size() == 1 ? out.identity.tags.front()
                                                           : std::string();
  out.identity.manifest_digest = chosen.descriptor.digest;
  out.identity.platform = chosen.platform;

  const std::string manifest_where = describe_member(s, blob_member(chosen.descriptor.digest.substr(7)));
  ImageManifest manifest = ENVLOCK_TRY(parse_image_manifest(chosen.text, manifest_where));
  std::string config_text = ENVLOCK_TRY(read_blob(s, manifest.config.digest));
  out.identity.config_digest = manifest.config.digest;
  const std::string config_where = describe_member(s, blob_member(manifest.config.digest.substr(7)));
  ENVLOCK_TRY(fill_config(out, config_text, config_where, manifest.layers.size(), manifest_where + ": layers"));
  for (std::size_t i = 0; i < manifest.layers.size(); ++i) {
    const Descriptor& d = manifest.layers[i];
    if (d.media_type.find("+encrypted") != std::string::npos)
      return fail(manifest_where + ": layers[" + std::to_string(i) + "]: encrypted layers are not supported");
    std::string hex = ENVLOCK_TRY(digest_hex(d.digest, manifest_where));
    out.layers[i].member = blob_member(hex);
    out.layers[i].digest = hex;
    out.layers[i].media_type = d.media_type;
    if (!s.has(out.layers[i].member)) return fail(s.path() + ": missing " + out.layers[i].member);
  }
  return out;
}

}  // namespace

bool ref_matches(std::string_view candidate, std::string_view ref) {
  if (candidate == ref) return true;
  if (normalize_ref(candidate) == normalize_ref(ref)) return true;
  // An OCI layout often names images by their bare tag ("1.0").
  bool bare = candidate.find('/') == std::string_view::npos && candidate.find(':') == std::string_view::npos;
  return bare && tag_of(ref) == candidate;
}

Result<LocatedImage> locate_image(const std::string& path, const ImageOptions& given) {
  ImageOptions opts = given;
  if (opts.platform.empty()) opts.platform = ImageOptions{}.platform;
  ENVLOCK_TRY(parse_platform(opts.platform));
  BlobStore store = ENVLOCK_TRY(BlobStore::open(path));
  if (!store.is_directory() && store.has("manifest.json")) return locate_docker(std::move(store), opts);
  return locate_oci(std::move(store), opts);
}

}  // namespace envlock::scanner
