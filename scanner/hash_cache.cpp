#include "scanner/hash_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

#include "lockfile/sha256.hpp"

namespace envlock::scanner {

namespace {

// Layout, little-endian: magic(8) version(4) entry_size(4) count(8), then
// count entries, then SHA-256 of everything before it.
constexpr char kMagic[8] = {'E', 'N', 'V', 'L', 'K', 'H', 'C', '\n'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderSize = 24;
// dev ino size mtime ctime (8 each), day flags (4 each), sha256 (32), md5 (16)
constexpr std::size_t kEntrySize = 96;
constexpr std::size_t kTrailerSize = 32;
constexpr std::uint32_t kHasMd5 = 1;
constexpr std::uint64_t kMaxFileSize =
    kHeaderSize + HashCache::kMaxEntries * kEntrySize + kTrailerSize;
constexpr const char* kFileName = "file-hashes.bin";

std::string errno_text() { return std::strerror(errno); }

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

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A cache directory or file that someone else could write is someone else's
// cache: its entries could hide a change. Root's files are trusted by root only.
Result<void> check_ours(const struct stat& st, const std::string& what) {
  if (st.st_uid != ::geteuid()) return fail(what + ": owned by another user");
  if ((st.st_mode & 022) != 0) return fail(what + ": writable by other users");
  return {};
}

// Opens the cache directory without following a symlink in its last component,
// and checks that it is ours.
Result<int> open_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(dir + ": " + errno_text());
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return fail(dir + ": " + errno_text());
  }
  if (auto ok = check_ours(st, dir); !ok) {
    ::close(fd);
    return tl::unexpected(ok.error());
  }
  return fd;
}

Result<std::string> read_all(int fd, std::uint64_t size, const std::string& file) {
  std::string out(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(file + ": " + errno_text());
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got != out.size()) return fail(file + ": shorter than its size");
  return out;
}

Result<void> write_all(int fd, std::string_view data, const std::string& file) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(file + ": " + errno_text());
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> make_dirs(const std::string& dir) {
  if (dir.empty() || dir == "/") return {};
  struct stat st;
  if (::lstat(dir.c_str(), &st) == 0) return {};
  ENVLOCK_TRY(make_dirs(parent_path(dir)));
  // XDG: directories the application creates get mode 0700.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail(dir + ": " + errno_text());
  return {};
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

std::int64_t HashCache::wall_clock_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string HashCache::default_file() {
  // XDG Base Directory: a relative XDG_CACHE_HOME is invalid and ignored.
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return join_path(xdg, std::string("envlock/") + kFileName);
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') return join_path(home, std::string(".cache/envlock/") + kFileName);
  return "";
}

HashCache::HashCache(std::string file, std::int64_t now_ns)
    : file_(std::move(file)),
      now_ns_(now_ns),
      today_(static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_ns / 86'400'000'000'000))) {
  if (file_.empty()) return;
  if (auto loaded = load(file_, entries_); !loaded) {
    note_ = loaded.error().message;
    entries_.clear();
    dirty_ = true;  // replace the bad file with a good one
  }
}

Result<void> HashCache::load(const std::string& file, Map& out) {
  struct stat dir_st;
  if (::lstat(parent_path(file).c_str(), &dir_st) != 0 && errno == ENOENT) return {};  // first run
  int dir_fd = ENVLOCK_TRY(open_dir(parent_path(file)));
  Fd dir{dir_fd};
  std::string name = base_name(file);
  int fd = ::openat(dir.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return fail(file + ": " + errno_text());
  }
  Fd closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(file + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) return fail(file + ": not a regular file");
  ENVLOCK_TRY(check_ours(st, file));
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < kHeaderSize + kTrailerSize) return fail(file + ": truncated");
  if (size > kMaxFileSize) return fail(file + ": larger than any cache this version writes");
  std::string data = ENVLOCK_TRY(read_all(fd, size, file));
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
  if (lockfile::hex_decode(lockfile::sha256_hex(body)) != data.substr(body.size())) {
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
    out[key] = e;
  }
  return {};
}

std::optional<CachedDigest> HashCache::lookup(const FileKey& key, bool need_md5) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || (need_md5 && !it->second.digest.md5)) return std::nullopt;
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
  if (e.day == today_ && e.digest.sha256 == digest.sha256 && e.digest.md5 == digest.md5) return;
  if (!digest.md5 && e.digest.sha256 == digest.sha256 && e.digest.md5) {
    e.day = today_;  // keep the MD5 an earlier caller took
  } else {
    e.digest = digest;
    e.day = today_;
  }
  dirty_ = true;
}

std::size_t HashCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

Result<void> HashCache::save() {
  std::lock_guard lock(mutex_);
  if (!dirty_ || file_.empty()) return {};
  std::string dir_path = parent_path(file_);
  ENVLOCK_TRY(make_dirs(dir_path));
  int dir_fd = ENVLOCK_TRY(open_dir(dir_path));
  Fd dir{dir_fd};

  // Another scan may have saved since we loaded: keep what it learned.
  Map merged;
  if (load(file_, merged)) {
    for (auto& [k, e] : merged) entries_.try_emplace(k, e);
  }
  std::vector<std::pair<const FileKey*, const Entry*>> keep;
  keep.reserve(entries_.size());
  for (const auto& [k, e] : entries_) {
    if (today_ - std::min(e.day, today_) <= kMaxAgeDays) keep.emplace_back(&k, &e);
  }
  if (keep.size() > kMaxEntries) {
    std::nth_element(keep.begin(), keep.begin() + kMaxEntries, keep.end(),
                     [](const auto& a, const auto& b) { return a.second->day > b.second->day; });
    keep.resize(kMaxEntries);
  }

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
  }
  out += lockfile::hex_decode(lockfile::sha256_hex(out));

  std::random_device rd;
  std::string tmp = "." + base_name(file_) + "." + std::to_string(::getpid()) + "." +
                    std::to_string(rd());
  int fd = ::openat(dir.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(join_path(dir_path, tmp) + ": " + errno_text());
  auto written = write_all(fd, out, join_path(dir_path, tmp));
  if (::close(fd) != 0 && written) written = fail(join_path(dir_path, tmp) + ": " + errno_text());
  if (written && ::renameat(dir.fd, tmp.c_str(), dir.fd, base_name(file_).c_str()) != 0) {
    written = fail(file_ + ": " + errno_text());
  }
  if (!written) {
    ::unlinkat(dir.fd, tmp.c_str(), 0);
    return written;
  }
  dirty_ = false;
  return {};
}

}  // namespace envlock::scanner
