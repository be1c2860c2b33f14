#include "scanner/wanted_files.hpp"

namespace envlock::scanner {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

bool inside_metadata_dir(std::string_view path) {
  // Any component ending in .dist-info / .egg-info, or an EGG-INFO of an unpacked egg.
  for (std::string_view marker : {".dist-info/", ".egg-info/", "/EGG-INFO/"}) {
    if (path.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

Want wanted_content(std::string_view path, std::string_view first_bytes) {
  if (inside_metadata_dir(path)) return Want::kWhole;
  if (ends_with(path, ".egg-info") || ends_with(path, ".pth") || ends_with(path, "/pyvenv.cfg"))
    return Want::kWhole;
  // A zipped egg: its EGG-INFO is read from the archive (zipped_egg.hpp),
  // whose central directory sits at the end. Counted against the image's
  // kept-bytes limit like any kept file.
  if (ends_with(path, ".egg")) return Want::kWhole;
  if (path.find("/conda-meta/") != std::string_view::npos && ends_with(path, ".json"))
    return Want::kWhole;
  for (std::string_view exact : {"/etc/os-release", "/usr/lib/os-release", "/etc/ld.so.cache",
                                 "/etc/ld.so.conf", "/etc/debian_version"}) {
    if (path == exact) return Want::kWhole;
  }
  if (path.starts_with("/etc/ld.so.conf.d/")) return Want::kWhole;
  // How static discovery learns an interpreter's exact version.
  if (path == "/var/lib/dpkg/status" || ends_with(path, "/patchlevel.h")) return Want::kWhole;
  if (first_bytes.size() >= 4 && first_bytes.substr(0, 4) == std::string_view("\x7f" "ELF", 4))
    return Want::kPrefix;
  return Want::kNothing;
}

}  // namespace envlock::scanner
