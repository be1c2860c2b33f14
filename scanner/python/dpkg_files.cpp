#include "scanner/python/dpkg_files.hpp"

#include <algorithm>
#include <unordered_map>

#include "base/text.hpp"

namespace envlock::scanner {

namespace {

constexpr std::size_t kMaxInfoFiles = 100'000;

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  for (std::string_view line : Lines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) f(line);
  }
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

DpkgFiles fill_from_dpkg(const FileSystem& fs, Catalog& catalog,
                                        const std::string& info_dir) {
  std::unordered_map<std::string, std::vector<std::size_t>> wanted;  // metadata dir -> entries
  for (std::size_t i = 0; i < catalog.entries.size(); ++i) {
    const auto& e = catalog.entries[i];
    // Debian's dist-info keeps the RECORD of the wheel it built, before
    // dh_strip and file moves; pip and other installers write INSTALLER.
    bool debian_record = e.package.format == "dist-info" && e.package.installer.empty();
    if ((e.has_file_list && !debian_record) || e.metadata_dir.empty()) continue;
    // Debian policy: packages install below /usr, never in /usr/local. Other
    // paths cannot be dpkg's, and the database is not read for them.
    if (!e.metadata_dir.starts_with("/usr/") || e.metadata_dir.starts_with("/usr/local/")) continue;
    wanted[e.metadata_dir].push_back(i);
  }
  DpkgFiles out;
  if (wanted.empty()) return out;
  auto names = fs.list(info_dir);
  if (!names) return out;
  std::vector<std::string> prefixes;  // the sites of the entries, with a trailing '/'
  for (const auto& [dir, entries] : wanted) {
    std::string site = catalog.entries[entries.front()].package.location;
    site = site == "/" ? "/" : site + "/";
    if (std::find(prefixes.begin(), prefixes.end(), site) == prefixes.end()) prefixes.push_back(site);
  }

  // Every .list is read: a file another .deb put into a package directory
  // (python3-sklearn-lib's extensions in sklearn/) is dpkg's, not a drop-in.
  std::size_t looked = 0;
  for (const auto& n : *names) {
    if (!n.name.ends_with(".list") || n.type == FileType::kDirectory) continue;
    if (++looked > kMaxInfoFiles) break;
    const std::string stem = n.name.substr(0, n.name.size() - 5);
    auto text = fs.read(join_path(info_dir, n.name));
    if (!text) continue;
    std::vector<std::size_t> owned;
    std::vector<std::string> in_sites;
    for_each_line(*text, [&](std::string_view line) {
      std::string path = normalize_path(line);
      if (auto it = wanted.find(path); it != wanted.end()) {
        owned.insert(owned.end(), it->second.begin(), it->second.end());
        wanted.erase(it);  // one owner per metadata directory
      }
      for (const auto& prefix : prefixes) {
        if (path.starts_with(prefix)) {
          in_sites.push_back(std::move(path));
          break;
        }
      }
    });
    if (owned.empty()) {
      for (auto& p : in_sites) out.other_paths.push_back(std::move(p));
      continue;
    }
    for (std::size_t idx : owned) {
      auto& entry = catalog.entries[idx];
      const std::string& site = entry.package.location;
      const std::string prefix = site == "/" ? "/" : site + "/";
      DpkgListing listing{idx, stem, {}};
      for (const auto& p : in_sites) {
        if (p.starts_with(prefix)) listing.paths.push_back(p);
      }
      auto sums = fs.read(join_path(info_dir, stem + ".md5sums"));
      if (sums) {
        entry.files.clear();  // dpkg's list replaces a stale RECORD
        // "<32 hex>  <path relative to />", one per regular file.
        for_each_line(*sums, [&](std::string_view line) {
          if (line.size() < 34 || !is_hex(line.substr(0, 32)) || line[32] != ' ') return;
          std::string_view rel = line.substr(33);
          while (!rel.empty() && rel.front() == ' ') rel.remove_prefix(1);
          if (rel.empty()) return;
          std::string path = normalize_path("/" + std::string(rel));
          if (!path.starts_with(prefix)) return;
          PackageFile f;
          f.listed = path.substr(prefix.size());
          f.path = std::move(path);
          f.algorithm = "md5";
          f.digest = lower(line.substr(0, 32));
          entry.files.push_back(std::move(f));
        });
        entry.has_file_list = true;
      }
      out.listings.push_back(std::move(listing));
    }
  }
  return out;
}

}  // namespace envlock::scanner
