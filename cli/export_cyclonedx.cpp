#include "cli/export_cyclonedx.hpp"

#include <cstdint>
#include <set>

#include "base/percent_encoding.hpp"
#include "base/sha256.hpp"
#include "cli/export_formats.hpp"
#include "cli/render_json.hpp"

namespace envlock::cli {

namespace {

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

nlohmann::ordered_json property(std::string_view name, std::string_view value) {
  nlohmann::ordered_json p;
  p["name"] = name;
  p["value"] = value;
  return p;
}

nlohmann::ordered_json package_component(const lockfile::Package& pkg, std::set<std::string>& refs) {
  nlohmann::ordered_json c;
  const std::string purl = pypi_purl(pkg.name, pkg.version);
  std::string ref = purl;
  for (int n = 2; !refs.insert(ref).second; ++n) ref = purl + "#" + std::to_string(n);
  c["type"] = "library";
  c["bom-ref"] = ref;
  c["name"] = pkg.name;
  if (!pkg.version.empty()) c["version"] = pkg.version;
  c["purl"] = purl;
  constexpr std::string_view kSha256 = "sha256:";
  const std::string_view digest = pkg.files.digest;
  if (digest.substr(0, kSha256.size()) == kSha256 && digest.size() == kSha256.size() + 64 &&
      is_hex(digest.substr(kSha256.size()))) {
    nlohmann::ordered_json hash;
    hash["alg"] = "SHA-256";
    hash["content"] = digest.substr(kSha256.size());
    c["hashes"] = nlohmann::ordered_json::array();
    c["hashes"].push_back(std::move(hash));
  }
  // A local directory (editable or not) is no place another machine can fetch from.
  if (!pkg.direct_url.empty() && (pkg.direct_kind == "vcs" || pkg.direct_kind == "archive")) {
    nlohmann::ordered_json ext;
    ext["url"] = pkg.direct_url;
    ext["type"] = pkg.direct_kind == "vcs" ? "vcs" : "distribution";
    c["externalReferences"] = nlohmann::ordered_json::array();
    c["externalReferences"].push_back(std::move(ext));
  }
  nlohmann::ordered_json props = nlohmann::ordered_json::array();
  if (!pkg.location.empty()) props.push_back(property("envlock:location", pkg.location));
  if (!pkg.installer.empty()) props.push_back(property("envlock:installer", pkg.installer));
  if (!props.empty()) c["properties"] = std::move(props);
  return c;
}

// Seed for the serial number when the fingerprint was never locked (no digest).
std::string package_seed(const lockfile::Fingerprint& fp) {
  std::string seed = fp.envlock.target + "\n";
  for (const auto& pkg : fp.packages) seed += pkg.name + "==" + pkg.version + "\n";
  return seed;
}

}  // namespace

std::string pypi_purl(std::string_view name, std::string_view version) {
  std::string normalized(name);
  for (char& c : normalized) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  std::string out = "pkg:pypi/" + percent_encode(normalized);
  if (!version.empty()) out += "@" + percent_encode(version);
  return out;
}

std::string uuid_urn_from(std::string_view seed) {
  std::string bytes = hex_decode(sha256_hex(seed)).substr(0, 16);
  bytes[6] = static_cast<char>((static_cast<std::uint8_t>(bytes[6]) & 0x0f) | 0x80);
  bytes[8] = static_cast<char>((static_cast<std::uint8_t>(bytes[8]) & 0x3f) | 0x80);
  const std::string hex = hex_encode(bytes);
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

nlohmann::ordered_json fingerprint_to_cyclonedx(const lockfile::Fingerprint& fp) {
  nlohmann::ordered_json bom;
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.6";
  bom["serialNumber"] = uuid_urn_from(fp.envlock.digest.empty() ? package_seed(fp)
                                                                 : "envlock:" + fp.envlock.digest);
  bom["version"] = 1;

  nlohmann::ordered_json metadata;
  if (!fp.envlock.created.empty()) metadata["timestamp"] = fp.envlock.created;
  nlohmann::ordered_json tool;
  tool["type"] = "application";
  tool["name"] = "envlock";
  tool["version"] = ENVLOCK_VERSION;
  metadata["tools"]["components"] = nlohmann::ordered_json::array();
  metadata["tools"]["components"].push_back(std::move(tool));
  nlohmann::ordered_json meta_props = nlohmann::ordered_json::array();
  if (!fp.envlock.target.empty()) meta_props.push_back(property("envlock:target", fp.envlock.target));
  if (!fp.envlock.digest.empty()) meta_props.push_back(property("envlock:digest", fp.envlock.digest));
  if (!meta_props.empty()) metadata["properties"] = std::move(meta_props);
  bom["metadata"] = std::move(metadata);

  nlohmann::ordered_json components = nlohmann::ordered_json::array();
  std::set<std::string> refs;
  if (fp.os && !fp.os->id.empty()) {
    nlohmann::ordered_json os;
    os["type"] = "operating-system";
    os["bom-ref"] = "envlock:os";
    os["name"] = fp.os->id;
    if (!fp.os->version_id.empty()) os["version"] = fp.os->version_id;
    components.push_back(std::move(os));
  }
  if (fp.python && !fp.python->version.empty()) {
    nlohmann::ordered_json py;
    py["type"] = "application";
    py["bom-ref"] = "envlock:python";
    py["name"] = fp.python->implementation.empty() ? "python" : fp.python->implementation;
    py["version"] = fp.python->version;
    components.push_back(std::move(py));
  }
  for (const lockfile::Package* pkg : exported_packages(fp)) {
    components.push_back(package_component(*pkg, refs));
  }
  bom["components"] = std::move(components);
  return bom;
}

std::string export_cyclonedx(const lockfile::Fingerprint& fp) {
  return dump_json(fingerprint_to_cyclonedx(fp));
}

}  // namespace envlock::cli
