#include "scanner/python/package_cache.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "scanner/cache/cache_file.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/cache/hash_cache.hpp"

namespace envlock::scanner {

namespace {

constexpr const char* kFormat = "envlock-package-cache";
constexpr int kVersion = 1;
constexpr std::uint64_t kMaxFileBytes = 256ull << 20;
constexpr std::uint32_t kMaxAgeDays = 60;
constexpr std::size_t kMaxNamesPerDir = 10'000;

struct Stamps {
  std::string text;  ///< one line per name: "name\t" + stat_stamp(path).value
  std::int64_t newest_ctime = 0;
  bool ok = true;  ///< false: unreadable, too large or names we cannot encode (never cached)
};

void add_stamp(Stamps& s, const std::string& name, const std::string& path) {
  StatStamp st = stat_stamp(path);
  s.newest_ctime = std::max(s.newest_ctime, st.ctime_ns);
  s.text += name + "\t" + st.value + "\n";
}

// The directory and every name in it (symlinks followed, as the reader does).
Stamps stamps_of(const std::string& dir) {
  Stamps s;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    s.ok = false;
    return s;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    // A tab or newline in a name could make two listings read alike.
    if (name.find_first_of("\t\n") != std::string::npos || names.size() >= kMaxNamesPerDir) {
      s.ok = false;
      break;
    }
    names.push_back(std::move(name));
  }
  ::closedir(d);
  if (!s.ok) return s;
  std::sort(names.begin(), names.end());
  add_stamp(s, ".", dir);
  for (const auto& name : names) add_stamp(s, name, join_path(dir, name));
  return s;
}

// One table of the package's fields, read by both directions so that they
// cannot drift apart. A field added to lockfile::Package must be added here.
using lockfile::Package;
constexpr std::pair<const char*, std::string Package::*> kStrings[] = {
    {"name", &Package::name},           {"raw_name", &Package::raw_name},
    {"version", &Package::version},     {"installer", &Package::installer},
    {"location", &Package::location},   {"metadata", &Package::metadata},
    {"requires_python", &Package::requires_python},
    {"format", &Package::format},       {"direct_url", &Package::direct_url},
    {"direct_kind", &Package::direct_kind}, {"direct_hash", &Package::direct_hash},
};
constexpr std::pair<const char*, std::vector<std::string> Package::*> kLists[] = {
    {"requires_dist", &Package::requires_dist},
    {"wheel_tags", &Package::wheel_tags},
};

nlohmann::json encode(const PackageSummary& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, field] : kStrings) j[key] = s.package.*field;
  for (const auto& [key, field] : kLists) j[key] = s.package.*field;
  j["files_count"] = s.package.files.count;
  j["files_digest"] = s.package.files.digest;
  j["files_listed"] = s.package.files.listed;
  j["requested"] = s.package.requested;
  j["has_file_list"] = s.has_file_list;
  j["native"] = s.native;
  j["top_level"] = s.top_level;
  return j;
}

// Every field's type is checked before it is read: nlohmann throws on a wrong one.
std::optional<PackageSummary> decode(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto string_at = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  auto list_at = [&](const char* key, std::vector<std::string>& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return false;
    for (const auto& v : *it) {
      if (!v.is_string()) return false;
      out.push_back(v.get<std::string>());
    }
    return true;
  };
  auto bool_at = [&](const char* key, bool& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_boolean()) return false;
    out = it->get<bool>();
    return true;
  };
  PackageSummary s;
  auto& p = s.package;
  for (const auto& [key, field] : kStrings) {
    if (!string_at(key, p.*field)) return std::nullopt;
  }
  for (const auto& [key, field] : kLists) {
    if (!list_at(key, p.*field)) return std::nullopt;
  }
  auto count = j.find("files_count");
  if (count == j.end() || !count->is_number_unsigned()) return std::nullopt;
  p.files.count = count->get<std::uint64_t>();
  if (!string_at("files_digest", p.files.digest) || !string_at("files_listed", p.files.listed) || !bool_at("requested", p.requested) ||
      !bool_at("has_file_list", s.has_file_list) || !list_at("native", s.native) ||
      !list_at("top_level", s.top_level)) {
    return std::nullopt;
  }
  if (p.name.empty() || p.version.empty()) return std::nullopt;
  return s;
}

std::uint32_t day_of(std::int64_t ns) {
  return static_cast<std::uint32_t>(std::max<std::int64_t>(0, ns / 86'400'000'000'000));
}

}  // namespace

std::string PackageCache::default_file() {
  std::string dir = cache_directory();
  return dir.empty() ? "" : join_path(dir, "packages.json");
}

std::map<std::string, PackageCache::Entry> PackageCache::load(const std::string& file) {
  std::map<std::string, Entry> out;
  auto content = read_cache_file(file, kMaxFileBytes);
  if (!content || !*content) return out;
  nlohmann::json doc = nlohmann::json::parse(**content, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  auto format = doc.find("format");
  auto version = doc.find("version");
  auto entries = doc.find("entries");
  if (format == doc.end() || !format->is_string() || format->get<std::string>() != kFormat ||
      version == doc.end() || !version->is_number_integer() || version->get<std::int64_t>() != kVersion ||
      entries == doc.end() || !entries->is_object()) {
    return out;
  }
  for (const auto& [dir, e] : entries->items()) {
    if (out.size() >= kMaxEntries || !e.is_object()) continue;
    auto stamps = e.find("stamps");
    auto day = e.find("day");
    auto read = e.find("read_ns");
    auto summary = e.find("summary");
    // An entry without read_ns (an older envlock wrote it) is read again.
    if (stamps == e.end() || !stamps->is_string() || day == e.end() || !day->is_number_unsigned() ||
        read == e.end() || !read->is_number_integer() || summary == e.end()) {
      continue;
    }
    auto decoded = decode(*summary);
    if (!decoded) continue;
    out[dir] = Entry{stamps->get<std::string>(), std::move(*decoded), day->get<std::uint32_t>(),
                     read->get<std::int64_t>()};
  }
  return out;
}

PackageCache::PackageCache(std::string file, std::int64_t scan_start_ns, RehashPolicy rehash)
    : file_(std::move(file)), scan_start_ns_(scan_start_ns), today_(day_of(scan_start_ns)), rehash_(rehash) {
  if (!file_.empty()) entries_ = load(file_);
}

std::optional<PackageSummary> PackageCache::lookup(const std::string& metadata_dir) {
  auto it = entries_.find(metadata_dir);
  if (it == entries_.end()) return std::nullopt;
  if (rehash_.due(it->second.read_ns, scan_start_ns_)) return std::nullopt;
  Stamps now = stamps_of(metadata_dir);
  if (!now.ok || now.text != it->second.stamps) return std::nullopt;
  if (it->second.day != today_) {
    it->second.day = today_;
    dirty_ = true;
  }
  return it->second.summary;
}

void PackageCache::store(const std::string& metadata_dir, PackageSummary summary) {
  if (file_.empty()) return;
  Stamps now = stamps_of(metadata_dir);
  // Changed after the scan began (perhaps after it was read), or so recently
  // that a second change in the same timestamp tick would leave no trace.
  if (!now.ok || now.newest_ctime > scan_start_ns_ - HashCache::kRacyWindowNs) return;
  summary.package.shadowed = false;
  entries_[metadata_dir] = Entry{std::move(now.text), std::move(summary), today_, scan_start_ns_};
  dirty_ = true;
}

Result<void> PackageCache::save() {
  if (file_.empty()) return {};
  if (!dirty_) return {};  // an unchanged environment re-scanned the same day writes nothing
  // Another scan (a cron job scanning several environments side by side) may
  // have saved since this one loaded: keep what it learned. The file is read
  // again only when there is something to write.
  for (auto& [dir, e] : load(file_)) entries_.try_emplace(dir, std::move(e));
  auto keep = entries_to_keep(entries_, today_, kMaxAgeDays, kMaxEntries);
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [dir, e] : keep) {
    entries[*dir] = {{"stamps", e->stamps}, {"day", e->day}, {"read_ns", e->read_ns}, {"summary", encode(e->summary)}};
  }
  nlohmann::json doc{{"format", kFormat}, {"version", kVersion}, {"entries", std::move(entries)}};
  ENVLOCK_TRY(write_cache_file(file_, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  dirty_ = false;
  return {};
}

}  // namespace envlock::scanner
