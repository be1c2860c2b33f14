#include "scanner/image/wanted_files.hpp"

#include "scanner/native/elf_file.hpp"

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

// <prefix>/lib/python3.N/site.py (or lib64/): the standard library's site
// module, whose flavour (Debian's or upstream's) decides the site directories.
bool is_stdlib_site_module(std::string_view path) {
  constexpr std::string_view kName = "/site.py";
  if (!path.ends_with(kName)) return false;
  std::string_view dir = path.substr(0, path.size() - kName.size());
  auto slash = dir.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string_view py = dir.substr(slash + 1);
  std::string_view lib = dir.substr(0, slash);
  if (!py.starts_with("python3.") || py.size() == 8) return false;
  for (char c : py.substr(8)) {
    if (c < '0' || c > '9') return false;
  }
  return lib.ends_with("/lib") || lib.ends_with("/lib64");
}

// /var/lib/dpkg/info/<pkg>.list or <pkg>.md5sums, read by fill_from_dpkg:
// about 26 KB a package (docs/images.md).
bool is_dpkg_file_list(std::string_view path) {
  constexpr std::string_view kInfo = "/var/lib/dpkg/info/";
  if (!path.starts_with(kInfo) || path.find('/', kInfo.size()) != std::string_view::npos)
    return false;
  return ends_with(path, ".list") || ends_with(path, ".md5sums");
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
  if (path == "/var/lib/dpkg/status" || ends_with(path, "/patchlevel.h") || is_stdlib_site_module(path))
    return Want::kWhole;
  // dpkg's file lists: the only file list of Debian's Python packages (dpkg_files.hpp).
  if (is_dpkg_file_list(path)) return Want::kWhole;
  if (looks_like_elf(first_bytes)) return Want::kPrefix;
  // A pyc directly in a __pycache__ directory, where importlib looks (after
  // the ELF test: ELF bytes are no byte code Python loads, and a hardlink
  // shared with a library keeps what the library needs).
  if (ends_with(path, ".pyc")) {
    const std::size_t dir = path.rfind('/');
    if (dir != std::string_view::npos && path.substr(0, dir).ends_with("/__pycache__"))
      return Want::kHeadAndDigest;
  }
  return Want::kNothing;
}

}  // namespace envlock::scanner
