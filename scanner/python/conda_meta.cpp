#include "scanner/python/conda_meta.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "base/sha256.hpp"
#include "lockfile/value_budget.hpp"
#include "scanner/python/record_parser.hpp"

namespace envlock::scanner {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxRecords = 100'000;

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool is_sha256_hex(std::string_view s) { return s.size() == 64 && is_hex(s); }

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// A string member, or nullopt when absent or of another type.
std::optional<std::string> string_at(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// `_path` made canonical: relative, no ".", no empty components. nullopt for
// a path conda never writes (absolute, NUL, climbing out of the prefix).
std::optional<std::string> prefix_relative(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  if (parts.empty()) return std::nullopt;
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

// The hash a listed file should have in the prefix. conda rewrites files
// with a prefix placeholder on install: `sha256` is then the package's copy,
// and only `sha256_in_prefix` (conda >= 4.12 and mamba write it) says what
// is on disk.
std::string expected_sha256(const json& entry, std::string_view path_type) {
  if (auto in_prefix = string_at(entry, "sha256_in_prefix");
      in_prefix && is_sha256_hex(*in_prefix)) {
    return lower(*in_prefix);
  }
  if (path_type != "hardlink") return "";  // links, compiled pycs, generated entry points
  if (entry.contains("prefix_placeholder")) return "";
  if (auto sha = string_at(entry, "sha256"); sha && is_sha256_hex(*sha)) return lower(*sha);
  return "";
}

// "a/b/c" relative to directory "a/x" is "../b/c"; both absolute and normalized.
std::string relative_path(const std::string& from_dir, const std::string& to) {
  auto split = [](std::string_view p) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < p.size()) {
      std::size_t j = p.find('/', i);
      if (j == std::string_view::npos) j = p.size();
      if (j > i) out.push_back(p.substr(i, j - i));
      i = j + 1;
    }
    return out;
  };
  const auto a = split(from_dir);
  const auto b = split(to);
  std::size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (std::size_t k = common; k < a.size(); ++k) out += "../";
  for (std::size_t k = common; k < b.size(); ++k) {
    out += b[k];
    if (k + 1 < b.size()) out += '/';
  }
  return out;
}

// The metadata directory (".dist-info" / ".egg-info") a prefix-relative path
// lies in, "" when none.
std::string_view metadata_dir_of(std::string_view path) {
  for (std::string_view marker : {".dist-info/", ".egg-info/"}) {
    if (auto at = path.find(marker); at != std::string_view::npos) {
      return path.substr(0, at + marker.size() - 1);
    }
  }
  return {};
}

std::vector<PackageFile> files_of(const CondaRecord& record, const std::string& prefix,
                                  const std::string& relative_to) {
  std::vector<PackageFile> out;
  out.reserve(record.files.size());
  for (const auto& f : record.files) {
    PackageFile pf;
    pf.path = join_path(prefix, f.path);
    pf.listed = relative_to == prefix ? f.path : relative_path(relative_to, pf.path);
    if (!f.sha256.empty()) {
      // As RECORD writes it, so that a --fast scan (listed hashes) and a full
      // scan (hashed content) of an untouched package agree.
      pf.algorithm = "sha256";
      pf.digest = urlsafe_b64(hex_decode(f.sha256));
    }
    out.push_back(std::move(pf));
  }
  return out;
}

void take_identity(const CondaRecord& record, lockfile::Package& pkg) {
  pkg.installer = "conda";
  pkg.channel = record.channel;
  pkg.build = record.build;
}

}  // namespace

Result<CondaRecord> parse_conda_record(std::string_view text, const std::string& file) {
  if (text.size() > kCondaRecordLimit) {
    return fail(file + ": larger than " + std::to_string(kCondaRecordLimit) + " bytes");
  }
  const auto count = lockfile::count_json_values(text, lockfile::value_budget(text.size()));
  if (count.over_budget_line) {
    return fail(file + ":" + std::to_string(*count.over_budget_line) +
                ": more values than a record of " + std::to_string(text.size()) +
                " bytes may hold");
  }
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(file + ": not valid JSON");
  if (!doc.is_object()) return fail(file + ": not a JSON object");
  CondaRecord r;
  auto name = string_at(doc, "name");
  auto version = string_at(doc, "version");
  if (!name || name->empty()) return fail(file + ": name: expected a non-empty string");
  if (!version || version->empty()) return fail(file + ": version: expected a non-empty string");
  r.name = std::move(*name);
  r.version = std::move(*version);
  r.build = string_at(doc, "build").value_or("");
  r.channel = string_at(doc, "channel").value_or("");
  r.url = string_at(doc, "url").value_or("");
  r.md5 = string_at(doc, "md5").value_or("");
  r.sha256 = string_at(doc, "sha256").value_or("");

  auto add = [&](std::string_view raw, std::string sha256) -> Result<void> {
    auto path = prefix_relative(raw);
    if (!path) {
      return fail(file + ": path " +
                  json(std::string(raw)).dump(-1, ' ', true, json::error_handler_t::replace) +
                  " leaves the prefix");
    }
    r.files.push_back({std::move(*path), std::move(sha256)});
    return {};
  };
  const auto paths_data = doc.find("paths_data");
  const json* paths = nullptr;
  if (paths_data != doc.end() && paths_data->is_object()) {
    if (auto p = paths_data->find("paths"); p != paths_data->end() && p->is_array()) paths = &*p;
  }
  if (paths) {
    r.has_file_list = true;
    r.files.reserve(paths->size());
    for (const auto& entry : *paths) {
      if (!entry.is_object()) continue;
      auto path = string_at(entry, "_path");
      if (!path) continue;
      const std::string type = string_at(entry, "path_type").value_or("hardlink");
      if (type == "directory") continue;
      ENVLOCK_TRY(add(*path, expected_sha256(entry, type)));
    }
  } else if (auto files = doc.find("files"); files != doc.end() && files->is_array()) {
    // Records older than paths_data: names only.
    r.has_file_list = true;
    r.files.reserve(files->size());
    for (const auto& f : *files) {
      if (f.is_string()) ENVLOCK_TRY(add(f.get_ref<const std::string&>(), ""));
    }
  }
  return r;
}

std::vector<std::string> conda_prefixes(const FileSystem& fs,
                                        const std::vector<std::string>& site_dirs) {
  std::vector<std::string> out;
  for (const auto& site : site_dirs) {
    // <prefix>/lib/pythonX.Y/site-packages
    const std::string python_dir = parent_path(site);
    const std::string lib = parent_path(python_dir);
    if (base_name(site) != "site-packages" || !base_name(python_dir).starts_with("python") ||
        base_name(lib) != "lib" || lib == "/") {
      continue;
    }
    std::string prefix = parent_path(lib);
    if (std::find(out.begin(), out.end(), prefix) != out.end()) continue;
    if (fs.is_dir(join_path(prefix, "conda-meta"))) out.push_back(std::move(prefix));
  }
  return out;
}

void fill_from_conda(const FileSystem& fs, const std::vector<std::string>& prefixes,
                     Catalog& catalog) {
  for (const auto& prefix : prefixes) {
    const std::string meta = join_path(prefix, "conda-meta");
    auto names = fs.list(meta);
    if (!names) {
      catalog.diagnostics.push_back({meta, names.error().message});
      continue;
    }
    std::vector<std::string> files;
    for (const auto& e : *names) {
      if (e.name.ends_with(".json") && e.type != FileType::kDirectory) files.push_back(e.name);
    }
    std::sort(files.begin(), files.end());  // listing order is the filesystem's
    if (files.size() > kMaxRecords) {
      catalog.diagnostics.push_back(
          {meta, "more than " + std::to_string(kMaxRecords) + " records; the rest are not read"});
      files.resize(kMaxRecords);
    }

    // Python distributions below this prefix, by prefix-relative metadata directory.
    std::unordered_map<std::string, std::size_t> by_metadata;
    const std::string below = prefix == "/" ? "/" : prefix + "/";
    const std::size_t python_entries = catalog.entries.size();
    std::set<std::string> python_names;
    for (std::size_t i = 0; i < python_entries; ++i) {
      const auto& e = catalog.entries[i];
      python_names.insert(e.package.name);
      if (e.metadata_dir.starts_with(below) && e.cached_native == std::nullopt) {
        by_metadata.emplace(e.metadata_dir.substr(below.size()), i);
      }
    }

    for (const auto& name : files) {
      const std::string path = join_path(meta, name);
      auto text = fs.read_beneath(meta, path, kCondaRecordLimit);
      if (!text) {
        catalog.diagnostics.push_back({path, text.error().message});
        continue;
      }
      auto record = parse_conda_record(*text, path);
      if (!record) {
        catalog.diagnostics.push_back({path, record.error().message});
        continue;
      }
      std::optional<std::size_t> owner;
      for (const auto& f : record->files) {
        const auto dir = metadata_dir_of(f.path);
        if (dir.empty()) continue;
        if (auto it = by_metadata.find(std::string(dir)); it != by_metadata.end()) {
          owner = it->second;
          by_metadata.erase(it);  // one record per distribution
          break;
        }
      }
      if (owner) {
        CatalogEntry& entry = catalog.entries[*owner];
        take_identity(*record, entry.package);
        entry.package.conda_name = record->name;
        entry.files = files_of(*record, prefix, entry.package.location);
        entry.has_file_list = record->has_file_list;
        continue;
      }
      CatalogEntry entry;
      auto& pkg = entry.package;
      pkg.name = normalize_dist_name(record->name);
      pkg.raw_name = record->name;
      pkg.version = record->version;
      pkg.location = prefix;
      pkg.format = "conda";
      take_identity(*record, pkg);
      if (is_sha256_hex(record->sha256)) {
        pkg.metadata = "sha256:" + lower(record->sha256);
      } else if (record->md5.size() == 32 && is_hex(record->md5)) {
        pkg.metadata = "md5:" + lower(record->md5);
      }
      pkg.shadowed = python_names.count(pkg.name) != 0;
      entry.files = files_of(*record, prefix, prefix);
      entry.has_file_list = record->has_file_list;
      python_names.insert(pkg.name);
      catalog.entries.push_back(std::move(entry));
    }
  }
}

}  // namespace envlock::scanner
