#include "scanner/image/image_manifest.hpp"

#include <nlohmann/json.hpp>

namespace envlock::scanner {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxListEntries = 100'000;

// Where in a document a value sits, for messages: "layers[2].digest".
class Field {
 public:
  Field(std::string_view what, std::string path) : what_(what), path_(std::move(path)) {}
  Field key(std::string_view k) const {
    return Field(what_, path_.empty() ? std::string(k) : path_ + "." + std::string(k));
  }
  Field index(std::size_t i) const { return Field(what_, path_ + "[" + std::to_string(i) + "]"); }
  tl::unexpected<Error> error(std::string_view problem) const {
    return fail(std::string(what_) + ": " + (path_.empty() ? "" : path_ + ": ") + std::string(problem));
  }

 private:
  std::string_view what_;
  std::string path_;
};

Result<json> parse_json(std::string_view text, std::string_view what) {
  try {
    // Depth is bounded by nlohmann's recursive parser; metadata is capped in size upstream.
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return fail(std::string(what) + ": invalid JSON at byte " + std::to_string(e.byte));
  } catch (const std::exception&) {
    return fail(std::string(what) + ": invalid JSON");
  }
}

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

Result<std::string> string_field(const json& obj, std::string_view key, const Field& at, bool required) {
  const json* v = member(obj, key);
  if (!v) {
    if (required) return at.key(key).error("missing");
    return std::string();
  }
  if (!v->is_string()) return at.key(key).error("expected a string");
  return v->get<std::string>();
}

Result<std::vector<std::string>> string_list(const json& obj, std::string_view key, const Field& at,
                                             bool required) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (!v) {
    if (required) return at.key(key).error("missing");
    return out;
  }
  if (!v->is_array()) return at.key(key).error("expected an array of strings");
  if (v->size() > kMaxListEntries) return at.key(key).error("too many entries");
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) return at.key(key).index(i).error("expected a string");
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

Result<const json*> array_field(const json& obj, std::string_view key, const Field& at) {
  const json* v = member(obj, key);
  if (!v) return at.key(key).error("missing");
  if (!v->is_array()) return at.key(key).error("expected an array");
  if (v->size() > kMaxListEntries) return at.key(key).error("too many entries");
  return v;
}

Result<Descriptor> parse_descriptor(const json& j, const Field& at, std::string_view what) {
  if (!j.is_object()) return at.error("expected an object");
  Descriptor d;
  d.media_type = ENVLOCK_TRY(string_field(j, "mediaType", at, false));
  d.digest = ENVLOCK_TRY(string_field(j, "digest", at, true));
  if (!digest_hex(d.digest, what)) return at.key("digest").error("not a sha256 digest: " + d.digest);
  if (const json* size = member(j, "size")) {
    if (!size->is_number_unsigned() && !size->is_number_integer())
      return at.key("size").error("expected a number");
    if (size->is_number_integer() && size->get<std::int64_t>() < 0)
      return at.key("size").error("negative");
    d.size = size->get<std::uint64_t>();
  }
  if (const json* p = member(j, "platform")) {
    if (!p->is_object()) return at.key("platform").error("expected an object");
    Field pf = at.key("platform");
    Platform plat;
    plat.os = ENVLOCK_TRY(string_field(*p, "os", pf, true));
    plat.architecture = ENVLOCK_TRY(string_field(*p, "architecture", pf, true));
    plat.variant = ENVLOCK_TRY(string_field(*p, "variant", pf, false));
    d.platform = plat;
  }
  if (const json* ann = member(j, "annotations")) {
    if (!ann->is_object()) return at.key("annotations").error("expected an object");
    for (auto it = ann->begin(); it != ann->end(); ++it) {
      if (!it.value().is_string()) return at.key("annotations").key(it.key()).error("expected a string");
      d.annotations[it.key()] = it.value().get<std::string>();
    }
  }
  return d;
}

std::string normalize_arch(std::string_view arch) {
  if (arch == "x86_64" || arch == "x86-64") return "amd64";
  if (arch == "aarch64") return "arm64";
  return std::string(arch);
}

}  // namespace

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Result<Platform> parse_platform(std::string_view text) {
  Platform p;
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size())
    return fail("invalid platform '" + std::string(text) + "' (expected os/arch[/variant])",
                ErrorKind::kUsage);
  p.os = std::string(text.substr(0, slash));
  std::string_view rest = text.substr(slash + 1);
  auto slash2 = rest.find('/');
  p.architecture = std::string(rest.substr(0, slash2));
  if (slash2 != std::string_view::npos) p.variant = std::string(rest.substr(slash2 + 1));
  if (p.architecture.empty() || (slash2 != std::string_view::npos && p.variant.empty()) ||
      p.variant.find('/') != std::string::npos)
    return fail("invalid platform '" + std::string(text) + "' (expected os/arch[/variant])",
                ErrorKind::kUsage);
  return p;
}

bool platform_matches(const Platform& wanted, const Platform& have) {
  if (wanted.os != have.os) return false;
  if (normalize_arch(wanted.architecture) != normalize_arch(have.architecture)) return false;
  return wanted.variant.empty() || wanted.variant == have.variant ||
         (have.variant.empty() && normalize_arch(have.architecture) == "arm64" && wanted.variant == "v8");
}

bool is_index_media_type(std::string_view media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

bool looks_like_index(std::string_view text) {
  auto j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  if (const json* mt = member(j, "mediaType"); mt && mt->is_string())
    return is_index_media_type(mt->get<std::string>());
  return member(j, "manifests") != nullptr && member(j, "layers") == nullptr;
}

Result<std::string> digest_hex(std::string_view digest, std::string_view what) {
  constexpr std::string_view kPrefix = "sha256:";
  auto bad = [&] { return fail(std::string(what) + ": not a sha256 digest: " + std::string(digest)); };
  if (!digest.starts_with(kPrefix)) return bad();
  std::string_view hex = digest.substr(kPrefix.size());
  if (hex.size() != 64) return bad();
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return bad();
  }
  return std::string(hex);
}

Result<ImageIndex> parse_image_index(std::string_view text, std::string_view what) {
  json j = ENVLOCK_TRY(parse_json(text, what));
  Field at(what, "");
  if (!j.is_object()) return at.error("expected an object");
  ImageIndex index;
  const json* list = ENVLOCK_TRY(array_field(j, "manifests", at));
  for (std::size_t i = 0; i < list->size(); ++i)
    index.manifests.push_back(ENVLOCK_TRY(parse_descriptor((*list)[i], at.key("manifests").index(i), what)));
  return index;
}

Result<ImageManifest> parse_image_manifest(std::string_view text, std::string_view what) {
  json j = ENVLOCK_TRY(parse_json(text, what));
  Field at(what, "");
  if (!j.is_object()) return at.error("expected an object");
  ImageManifest m;
  const json* config = member(j, "config");
  if (!config) return at.key("config").error("missing");
  m.config = ENVLOCK_TRY(parse_descriptor(*config, at.key("config"), what));
  const json* layers = ENVLOCK_TRY(array_field(j, "layers", at));
  for (std::size_t i = 0; i < layers->size(); ++i)
    m.layers.push_back(ENVLOCK_TRY(parse_descriptor((*layers)[i], at.key("layers").index(i), what)));
  return m;
}

Result<ImageConfig> parse_image_config(std::string_view text, std::string_view what) {
  json j = ENVLOCK_TRY(parse_json(text, what));
  Field at(what, "");
  if (!j.is_object()) return at.error("expected an object");
  ImageConfig c;
  c.platform.os = ENVLOCK_TRY(string_field(j, "os", at, false));
  c.platform.architecture = ENVLOCK_TRY(string_field(j, "architecture", at, false));
  c.platform.variant = ENVLOCK_TRY(string_field(j, "variant", at, false));
  const json* rootfs = member(j, "rootfs");
  if (!rootfs) return at.key("rootfs").error("missing");
  if (!rootfs->is_object()) return at.key("rootfs").error("expected an object");
  c.diff_ids = ENVLOCK_TRY(string_list(*rootfs, "diff_ids", at.key("rootfs"), true));
  for (std::size_t i = 0; i < c.diff_ids.size(); ++i) {
    if (!digest_hex(c.diff_ids[i], what))
      return at.key("rootfs").key("diff_ids").index(i).error("not a sha256 digest: " + c.diff_ids[i]);
  }
  if (const json* config = member(j, "config")) {
    if (!config->is_object()) return at.key("config").error("expected an object");
    c.env = ENVLOCK_TRY(string_list(*config, "Env", at.key("config"), false));
  }
  return c;
}

Result<std::vector<DockerImageEntry>> parse_docker_manifest(std::string_view text, std::string_view what) {
  json j = ENVLOCK_TRY(parse_json(text, what));
  Field at(what, "");
  if (!j.is_array()) return at.error("expected an array of images");
  if (j.size() > kMaxListEntries) return at.error("too many images");
  std::vector<DockerImageEntry> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    Field item = at.index(i);
    if (!j[i].is_object()) return item.error("expected an object");
    DockerImageEntry e;
    e.config = ENVLOCK_TRY(string_field(j[i], "Config", item, true));
    e.repo_tags = ENVLOCK_TRY(string_list(j[i], "RepoTags", item, false));
    e.layers = ENVLOCK_TRY(string_list(j[i], "Layers", item, true));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace envlock::scanner
