#include "scanner/dpkg_files.hpp"

#include <unordered_map>

namespace envlock::scanner {

namespace {

constexpr std::size_t kMaxInfoFiles = 100'000;

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
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

std::vector<DpkgListing> fill_from_dpkg(const FileSystem& fs, Catalog& catalog,
                                        const std::string& info_dir) {
  std::unordered_map<std::string, std::vector<std::size_t>> wanted;  // metadata dir -> entries
  for (std::size_t i = 0; i < catalog.entries.size(); ++i) {
    const auto& e = catalog.entries[i];
    if (e.has_file_list || e.metadata_dir.empty()) continue;
    // Debian policy: packages install below /usr, never in /usr/local. Other
    // paths cannot be dpkg's, and the database is not read for them.
    if (!e.metadata_dir.starts_with("/usr/") || e.metadata_dir.starts_with("/usr/local/")) continue;
    wanted[e.metadata_dir].push_back(i);
  }
  std::vector<DpkgListing> out;
  if (wanted.empty()) return out;
  auto names = fs.list(info_dir);
  if (!names) return out;

  std::size_t looked = 0;
  for (const auto& n : *names) {
    if (wanted.empty()) break;
    if (!n.name.ends_with(".list") || n.type == FileType::kDirectory) continue;
    if (++looked > kMaxInfoFiles) break;
    const std::string stem = n.name.substr(0, n.name.size() - 5);
    auto text = fs.read(join_path(info_dir, n.name));
    if (!text) continue;
    std::vector<std::size_t> owned;
    for_each_line(*text, [&](std::string_view line) {
      if (auto it = wanted.find(normalize_path(line)); it != wanted.end()) {
        owned.insert(owned.end(), it->second.begin(), it->second.end());
        wanted.erase(it);  // one owner per metadata directory
      }
    });
    for (std::size_t idx : owned) {
      auto& entry = catalog.entries[idx];
      const std::string& site = entry.package.location;
      const std::string prefix = site == "/" ? "/" : site + "/";
      DpkgListing listing{idx, stem, {}};
      for_each_line(*text, [&](std::string_view line) {
        std::string path = normalize_path(line);
        if (path.starts_with(prefix)) listing.paths.push_back(std::move(path));
      });
      auto sums = fs.read(join_path(info_dir, stem + ".md5sums"));
      if (sums) {
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
      out.push_back(std::move(listing));
    }
  }
  return out;
}

}  // namespace envlock::scanner
