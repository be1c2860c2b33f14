#include "scanner/python/package_catalog.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "base/text.hpp"
#include "scanner/python/metadata_parser.hpp"
#include "scanner/python/pth_file.hpp"
#include "scanner/python/record_parser.hpp"
#include "scanner/python/zipped_egg.hpp"

namespace envlock::scanner {

namespace {

// Metadata files are small; a huge one is hostile or broken.
constexpr std::uint64_t kMetadataLimit = 16ull << 20;
constexpr std::uint64_t kRecordLimit = 64ull << 20;

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : Lines(text)) out.emplace_back(trim(line));
  return out;
}

// requires.txt -> Requires-Dist strings, exactly as importlib.metadata converts
// them, so `requires` matches what Python reports for egg-info packages.
std::vector<std::string> requires_from_egg(std::string_view text) {
  std::vector<std::string> out;
  std::string section;
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line.starts_with('#')) continue;
    if (line.starts_with('[') && line.ends_with(']')) {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    auto colon = section.find(':');
    std::string extra = section.substr(0, colon);
    std::string markers = colon == std::string::npos ? "" : section.substr(colon + 1);
    if (!extra.empty() && !markers.empty()) markers = "(" + markers + ")";
    std::vector<std::string> conditions;
    if (!markers.empty()) conditions.push_back(markers);
    if (!extra.empty()) conditions.push_back("extra == \"" + extra + "\"");
    std::string req = line;
    if (!conditions.empty()) {
      if (req.find('@') != std::string::npos) req += ' ';
      req += "; ";
      for (std::size_t k = 0; k < conditions.size(); ++k) {
        if (k) req += " and ";
        req += conditions[k];
      }
    }
    out.push_back(std::move(req));
  }
  return out;
}

void read_direct_url(std::string_view text, lockfile::Package& pkg) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) return;
  if (auto u = doc.find("url"); u != doc.end() && u->is_string()) pkg.direct_url = *u;
  auto obj = [&](const char* key) -> const nlohmann::json* {
    auto it = doc.find(key);
    return it != doc.end() && it->is_object() ? &*it : nullptr;
  };
  if (const auto* dir = obj("dir_info")) {
    auto e = dir->find("editable");
    pkg.direct_kind = e != dir->end() && e->is_boolean() && e->get<bool>() ? "editable" : "dir";
  } else if (const auto* vcs = obj("vcs_info")) {
    pkg.direct_kind = "vcs";
    if (auto c = vcs->find("commit_id"); c != vcs->end() && c->is_string()) pkg.direct_hash = *c;
  } else if (const auto* archive = obj("archive_info")) {
    pkg.direct_kind = "archive";
    if (auto hs = archive->find("hashes"); hs != archive->end() && hs->is_object()) {
      if (auto s = hs->find("sha256"); s != hs->end() && s->is_string()) {
        pkg.direct_hash = "sha256=" + s->get<std::string>();
      }
    }
    if (pkg.direct_hash.empty()) {
      if (auto h = archive->find("hash"); h != archive->end() && h->is_string()) pkg.direct_hash = *h;
    }
  }
}

bool is_dir_entry(const FileSystem& fs, const std::string& dir, const DirEntry& e) {
  if (e.type == FileType::kDirectory) return true;
  if (e.type != FileType::kSymlink) return false;
  return fs.is_dir(join_path(dir, e.name));
}

class CatalogReader {
 public:
  CatalogReader(const FileSystem& fs, Catalog& out, PackageCache* cache) : fs_(fs), out_(out), cache_(cache) {}

  void read_site(const std::string& site) {
    site_ = site;
    auto entries = fs_.list(site);
    if (!entries && !site.ends_with(".egg") && fs_.is_file(site)) {
      read_zip_names(site);
      return;
    }
    if (entries) {
      // importlib.metadata meets a directory's entries in os.listdir order
      // and takes the first copy of a name: on a live tree that is readdir
      // order, which read_order keeps; an image has none (name order stays).
      std::stable_sort(entries->begin(), entries->end(), [](const DirEntry& a, const DirEntry& b) {
        return a.read_order < b.read_order;
      });
      for (const auto& e : *entries) {
        std::string full = join_path(site, e.name);
        if (e.name.ends_with(".dist-info") && is_dir_entry(fs_, site, e)) {
          read_metadata_dir(site, full, "dist-info");
        } else if (e.name.ends_with(".egg-info")) {
          if (is_dir_entry(fs_, site, e)) {
            read_metadata_dir(site, full, "egg-info");
          } else {
            read_egg_info_file(site, full);
          }
        }
      }
    }
    // An egg's EGG-INFO comes after the directory's *.dist-info and
    // *.egg-info, as importlib.metadata searches them.
    if (site.ends_with(".egg")) {
      std::string egg_info = join_path(site, "EGG-INFO");
      if (fs_.is_dir(egg_info)) {
        read_metadata_dir(site, egg_info, "egg");
      } else if (fs_.is_file(site)) {
        read_egg_archive(site);
      }
    }
  }

 private:
  void diagnose(const std::string& subject, std::string message) {
    out_.diagnostics.push_back({subject, std::move(message)});
  }

  // Metadata is read only from inside the site directory: a METADATA,
  // INSTALLER or RECORD that is a link to a file elsewhere on the machine
  // would copy that file's text or digest into the lock.
  Result<std::string> read_meta(const std::string& file, std::uint64_t limit) const {
    return fs_.read_beneath(site_, file, limit);
  }

  // A metadata file that is there: a regular file, or a link, which
  // read_meta then follows only inside the site (a link out is a diagnostic
  // naming it, on a root as on the live host).
  bool present(const std::string& file) const {
    if (fs_.is_file(file)) return true;
    auto st = fs_.lstat(file);
    return st && st->type == FileType::kSymlink;
  }

  // An optional metadata file: nullopt when it is absent; one that is there
  // but cannot be read (a link out of the site, a FIFO) is also a diagnostic.
  std::optional<std::string> read_optional(const std::string& file) {
    auto text = read_meta(file, kMetadataLimit);
    if (text) return std::move(*text);
    if (fs_.lstat(file)) diagnose(file, text.error().message);
    return std::nullopt;
  }

  bool fill_from_metadata(const std::string& file, CatalogEntry& entry) {
    auto text = read_meta(file, kMetadataLimit);
    if (!text) {
      diagnose(file, text.error().message);
      return false;
    }
    return fill_from_text(file, *text, entry);
  }

  bool fill_from_text(const std::string& file, const std::string& text, CatalogEntry& entry) {
    auto headers = parse_headers(text, file);
    if (!headers) {
      diagnose(file, headers.error().message);
      return false;
    }
    auto& pkg = entry.package;
    pkg.raw_name = headers->get("Name");
    pkg.version = headers->get("Version");
    if (pkg.raw_name.empty()) {
      diagnose(file, "no Name header");
      return false;
    }
    if (pkg.version.empty()) {
      diagnose(file, "no Version header");
      return false;
    }
    pkg.name = normalize_dist_name(pkg.raw_name);
    pkg.requires_dist = headers->get_all("Requires-Dist");
    pkg.requires_python = headers->get("Requires-Python");
    pkg.metadata = "sha256:" + sha256_hex(text);
    return true;
  }

  // requires.txt counts only where PKG-INFO has no Requires-Dist, as in
  // importlib.metadata's Distribution.requires and pip's egg-info reading.
  static void use_requires_txt(std::string_view text, lockfile::Package& pkg) {
    if (pkg.requires_dist.empty()) pkg.requires_dist = requires_from_egg(text);
  }

  void read_metadata_dir(const std::string& site, const std::string& dir, std::string format) {
    if (cache_ && format == "dist-info") {
      if (auto hit = cache_->lookup(dir); hit && hit->package.location == site) {
        CatalogEntry entry;
        entry.metadata_dir = dir;
        entry.package = std::move(hit->package);
        entry.has_file_list = hit->has_file_list;
        entry.cached_native = std::move(hit->native);
        entry.cached_top_level = std::move(hit->top_level);
        out_.entries.push_back(std::move(entry));
        return;
      }
    }
    const std::size_t diagnostics_before = out_.diagnostics.size();
    read_metadata_dir_files(site, dir, std::move(format));
    if (out_.diagnostics.size() != diagnostics_before && !out_.entries.empty() &&
        out_.entries.back().metadata_dir == dir) {
      out_.entries.back().clean = false;
    }
  }

  void read_metadata_dir_files(const std::string& site, const std::string& dir, std::string format) {
    CatalogEntry entry;
    entry.metadata_dir = dir;
    entry.package.location = site;
    entry.package.format = format;
    bool dist_info = format == "dist-info";
    std::string meta = join_path(dir, dist_info ? "METADATA" : "PKG-INFO");
    if (!present(meta)) {
      diagnose(dir, std::string("no ") + (dist_info ? "METADATA" : "PKG-INFO") + " file");
      return;
    }
    if (!fill_from_metadata(meta, entry)) return;
    auto& pkg = entry.package;
    if (auto installer = read_optional(join_path(dir, "INSTALLER"))) {
      pkg.installer = std::string(trim(*installer));
    }
    pkg.requested = fs_.exists(join_path(dir, "REQUESTED"));
    if (auto wheel = read_optional(join_path(dir, "WHEEL"))) {
      if (auto h = parse_headers(*wheel, join_path(dir, "WHEEL"))) pkg.wheel_tags = h->get_all("Tag");
    }
    if (auto du = read_optional(join_path(dir, "direct_url.json"))) {
      read_direct_url(*du, pkg);
    }
    if (!dist_info) {
      if (auto req = read_optional(join_path(dir, "requires.txt"))) use_requires_txt(*req, pkg);
    }
    std::string record = join_path(dir, "RECORD");
    std::string installed = join_path(dir, "installed-files.txt");
    if (present(record)) {
      read_record(site, record, entry);
    } else if (present(installed)) {
      read_installed_files(dir, installed, entry);
    }
    out_.entries.push_back(std::move(entry));
  }

  // A zip archive on sys.path other than an egg: importlib.metadata would
  // read *.dist-info in it, envlock does not, and says so. A file that is not
  // a zip holds nothing for Python either.
  void read_zip_names(const std::string& zip_path) {
    auto zip = read_zipped_egg(fs_, zip_path, false);
    if (!zip) return;
    for (const auto& name : zip->other_metadata) {
      diagnose(join_path(zip_path, name),
               "metadata inside a zip archive is not read (only a zipped egg's EGG-INFO is)");
    }
  }

  // A zipped egg: its EGG-INFO read from the archive. The egg file is the
  // package's one file, hashed whole (it has no RECORD; docs/integrity.md,
  // "Zipped eggs").
  void read_egg_archive(const std::string& egg) {
    auto zip = read_zipped_egg(fs_, egg, true);
    if (!zip) {
      diagnose(egg, zip.error().message);
      return;
    }
    for (const auto& name : zip->other_metadata) {
      diagnose(join_path(egg, name),
               "metadata inside a zip archive is not read (only a zipped egg's EGG-INFO is)");
    }
    if (!zip->native.empty()) {
      std::string names;
      for (const auto& n : zip->native) names += (names.empty() ? "" : ", ") + n;
      diagnose(egg,
               "extension modules inside a zipped egg are not in the native closure: " + names);
    }
    if (!zip->has_egg_info) return;  // importlib.metadata sees no distribution in it
    const std::string egg_info = join_path(egg, "EGG-INFO");
    if (!zip->pkg_info) {
      diagnose(egg_info, "no PKG-INFO file");
      return;
    }
    CatalogEntry entry;
    entry.metadata_dir = egg_info;
    entry.package.location = egg;
    entry.package.format = "egg-zip";
    if (!fill_from_text(join_path(egg_info, "PKG-INFO"), *zip->pkg_info, entry)) return;
    if (zip->requires_txt) use_requires_txt(*zip->requires_txt, entry.package);
    PackageFile self;
    self.listed = base_name(egg);
    self.path = egg;
    entry.files.push_back(std::move(self));
    entry.has_file_list = true;
    out_.entries.push_back(std::move(entry));
  }

  void read_egg_info_file(const std::string& site, const std::string& file) {
    CatalogEntry entry;
    entry.package.location = site;
    entry.package.format = "egg-info-file";
    if (!fill_from_metadata(file, entry)) return;
    out_.entries.push_back(std::move(entry));
  }

  void read_record(const std::string& site, const std::string& record, CatalogEntry& entry) {
    auto text = read_meta(record, kRecordLimit);
    if (!text) {
      diagnose(record, text.error().message);
      return;
    }
    auto rows = parse_record(*text, record);
    if (!rows) {
      diagnose(record, rows.error().message);
      return;
    }
    entry.has_file_list = true;
    entry.files.reserve(entry.files.size() + rows->size());
    for (auto& row : *rows) {
      PackageFile f;
      f.path = normalize_path(join_path(site, row.path));
      f.listed = std::move(row.path);
      f.algorithm = std::move(row.algorithm);
      f.digest = std::move(row.digest);
      entry.files.push_back(std::move(f));
    }
  }

  void read_installed_files(const std::string& egg_dir, const std::string& list,
                            CatalogEntry& entry) {
    auto text = read_meta(list, kRecordLimit);
    if (!text) {
      diagnose(list, text.error().message);
      return;
    }
    entry.has_file_list = true;
    const std::string& site = entry.package.location;
    for (const auto& line : lines_of(*text)) {
      if (line.empty()) continue;
      PackageFile f;
      f.path = normalize_path(join_path(egg_dir, line));
      // Listed relative to the egg-info dir; keep the site-relative form RECORD would use.
      f.listed = f.path.starts_with(site + "/") ? f.path.substr(site.size() + 1) : f.path;
      entry.files.push_back(std::move(f));
    }
  }

  const FileSystem& fs_;
  Catalog& out_;
  PackageCache* cache_;
  std::string site_;  ///< the site directory being read
};

}  // namespace

std::string normalize_dist_name(std::string_view name) {
  std::string out;
  bool sep = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !out.empty()) out.push_back('-');
    sep = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::vector<std::string> expand_pth(const FileSystem& fs, const std::vector<std::string>& site_dirs,
                                    const std::vector<std::string>& known) {
  std::vector<std::string> out;
  std::set<std::string> seen(known.begin(), known.end());
  auto add = [&](const std::string& d) {
    if (seen.insert(d).second) out.push_back(d);
  };
  for (const auto& site : site_dirs) {
    add(site);
    auto entries = fs.list(site);
    if (!entries) continue;
    for (const auto& e : *entries) {
      if (!e.name.ends_with(".pth")) continue;
      auto text = fs.read_beneath(site, join_path(site, e.name), kMetadataLimit);
      if (!text) continue;
      for (const auto& entry : pth_entries(*text)) {
        // site.addpackage adds what exists: a directory, or a file such as a
        // zipped egg (importlib.metadata reads zip archives on sys.path).
        std::string path = normalize_path(join_path(site, entry));
        if (fs.exists(path)) add(path);
      }
    }
  }
  return out;
}

Catalog read_catalog(const FileSystem& fs, const std::vector<std::string>& site_dirs, PackageCache* cache) {
  Catalog catalog;
  CatalogReader reader(fs, catalog, cache);
  for (const auto& site : site_dirs) reader.read_site(site);
  std::set<std::string> seen;
  for (auto& e : catalog.entries) {
    if (!seen.insert(e.package.name).second) e.package.shadowed = true;
  }
  return catalog;
}

}  // namespace envlock::scanner
