#include "scanner/cache/hash_cache.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/sha256.hpp"
#include "scanner/cache/cache_file.hpp"

namespace envlock::scanner {

namespace {

// Layout, little-endian: magic(8) version(4) entry_size(4) count(8), then
// count entries, then SHA-256 of everything before it.
constexpr char kMagic[8] = {'E', 'N', 'V', 'L', 'K', 'H', 'C', '\n'};
// 2: hashed_ns per entry (an older cache is rebuilt, not migrated)
constexpr std::uint32_t kVersion = 2;
constexpr std::size_t kHeaderSize = 24;
// dev ino size mtime ctime (8 each), day flags (4 each), sha256 (32), md5 (16), hashed_ns (8)
constexpr std::size_t kEntrySize = 104;
constexpr std::size_t kTrailerSize = 32;
constexpr std::uint32_t kHasMd5 = 1;
constexpr std::uint64_t kMaxFileSize =
    kHeaderSize + HashCache::kMaxEntries * kEntrySize + kTrailerSize;
constexpr const char* kFileName = "file-hashes.bin";

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

std::size_t HashCache::KeyHash::operator()(const FileKey& k) const {
  std::uint64_t h = k.ino * 0x9E3779B97F4A7C15ull;
  for (std::uint64_t v : {k.dev, k.size, static_cast<std::uint64_t>(k.mtime_ns),
                          static_cast<std::uint64_t>(k.ctime_ns)}) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  }
  return static_cast<std::size_t>(h);
}

std::string HashCache::default_file() {
  std::string dir = cache_directory();
  return dir.empty() ? "" : join_path(dir, kFileName);
}

HashCache::HashCache(std::string file, std::int64_t now_ns, RehashPolicy rehash)
    : file_(std::move(file)),
      now_ns_(now_ns),
      today_(static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_ns / 86'400'000'000'000))),
      rehash_(rehash) {
  if (file_.empty()) return;
  if (auto loaded = load(file_, entries_); !loaded) {
    note_ = loaded.error().message;
    entries_.clear();
    dirty_ = true;  // replace the bad file with a good one
  }
}

Result<void> HashCache::load(const std::string& file, Map& out) {
  auto content = ENVLOCK_TRY(read_cache_file(file, kMaxFileSize));
  if (!content) return {};  // first run
  const std::string& data = *content;
  const std::uint64_t size = data.size();
  if (size < kHeaderSize + kTrailerSize) return fail(file + ": truncated");
  if (std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) return fail(file + ": not an envlock cache");
  if (get_u32(data.data() + 8) != kVersion || get_u32(data.data() + 12) != kEntrySize) {
    return fail(file + ": cache version " + std::to_string(get_u32(data.data() + 8)) +
                ", this envlock reads version " + std::to_string(kVersion));
  }
  std::uint64_t count = get_u64(data.data() + 16);
  if (count > kMaxEntries || kHeaderSize + count * kEntrySize + kTrailerSize != size) {
    return fail(file + ": entry count does not match the file size");
  }
  std::string_view body(data.data(), size - kTrailerSize);
  if (hex_decode(sha256_hex(body)) != data.substr(body.size())) {
    return fail(file + ": checksum mismatch");
  }
  out.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    const char* p = data.data() + kHeaderSize + i * kEntrySize;
    FileKey key{get_u64(p), get_u64(p + 8), get_u64(p + 16), static_cast<std::int64_t>(get_u64(p + 24)),
                static_cast<std::int64_t>(get_u64(p + 32))};
    Entry e;
    e.day = get_u32(p + 40);
    std::uint32_t flags = get_u32(p + 44);
    std::memcpy(e.digest.sha256.data(), p + 48, 32);
    if (flags & kHasMd5) {
      e.digest.md5.emplace();
      std::memcpy(e.digest.md5->data(), p + 80, 16);
    }
    e.hashed_ns = static_cast<std::int64_t>(get_u64(p + 96));
    out[key] = e;
  }
  return {};
}

std::optional<CachedDigest> HashCache::lookup(const FileKey& key, bool need_md5) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || (need_md5 && !it->second.digest.md5)) return std::nullopt;
  // Bounds how long a change that kept the key (a write through an already
  // dirty shared mapping) can hide.
  if (rehash_.due(it->second.hashed_ns, now_ns_)) return std::nullopt;
  if (it->second.day != today_) {
    it->second.day = today_;
    dirty_ = true;
  }
  return it->second.digest;
}

void HashCache::store(const FileKey& key, const CachedDigest& digest) {
  if (key.ctime_ns > now_ns_ - kRacyWindowNs) return;
  std::lock_guard lock(mutex_);
  auto& e = entries_[key];
  if (e.day == today_ && e.hashed_ns == now_ns_ && e.digest.sha256 == digest.sha256 && e.digest.md5 == digest.md5) {
    return;
  }
  // The same SHA-256 is the same content: an MD5 an earlier caller took still holds.
  if (digest.md5 || e.digest.sha256 != digest.sha256 || !e.digest.md5) e.digest = digest;
  e.day = today_;
  e.hashed_ns = now_ns_;
  dirty_ = true;
}

std::size_t HashCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

Result<void> HashCache::save() {
  std::lock_guard lock(mutex_);
  if (!dirty_ || file_.empty()) return {};
  // Another scan may have saved since we loaded: keep what it learned.
  Map merged;
  if (load(file_, merged)) {
    for (auto& [k, e] : merged) entries_.try_emplace(k, e);
  }
  auto keep = entries_to_keep(entries_, today_, kMaxAgeDays, kMaxEntries);

  std::string out;
  out.reserve(kHeaderSize + keep.size() * kEntrySize + kTrailerSize);
  out.append(kMagic, sizeof kMagic);
  put_u32(out, kVersion);
  put_u32(out, kEntrySize);
  put_u64(out, keep.size());
  for (const auto& [k, e] : keep) {
    put_u64(out, k->dev);
    put_u64(out, k->ino);
    put_u64(out, k->size);
    put_u64(out, static_cast<std::uint64_t>(k->mtime_ns));
    put_u64(out, static_cast<std::uint64_t>(k->ctime_ns));
    put_u32(out, e->day);
    put_u32(out, e->digest.md5 ? kHasMd5 : 0);
    out.append(reinterpret_cast<const char*>(e->digest.sha256.data()), 32);
    if (e->digest.md5) {
      out.append(reinterpret_cast<const char*>(e->digest.md5->data()), 16);
    } else {
      out.append(16, '\0');
    }
    put_u64(out, static_cast<std::uint64_t>(e->hashed_ns));
  }
  out += hex_decode(sha256_hex(out));

  ENVLOCK_TRY(write_cache_file(file_, out));
  dirty_ = false;
  return {};
}

}  // namespace envlock::scanner
