#include "scanner/cache/hash_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "base/sha256.hpp"
#include "scanner/cache/cached_filesystem.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/cache/file_hasher.hpp"
#include "scanner/cache/wall_clock.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::read_file;
using envlock::testing::TempDir;
using envlock::testing::write_file;

// Far enough ahead that files written by the test are not "too recent".
std::int64_t later() { return wall_clock_ns() + 3600'000'000'000; }

FileKey key(std::uint64_t ino) { return {7, ino, 100, 1'000'000'000, 2'000'000'000}; }

CachedDigest digest(std::uint8_t fill) {
  CachedDigest d;
  d.sha256.fill(fill);
  return d;
}

// A saved cache with two entries, in a fresh directory.
std::string saved_cache(const TempDir& tmp) {
  std::string file = tmp / "cache/envlock/file-hashes.bin";
  HashCache cache(file, later());
  cache.store(key(1), digest(0x11));
  cache.store(key(2), digest(0x22));
  EXPECT_TRUE(cache.save());
  return file;
}

void expect_ignored(const std::string& file, const std::string& note) {
  HashCache again(file, later());
  EXPECT_EQ(again.size(), 0u);
  EXPECT_EQ(again.note(), note);
  EXPECT_FALSE(again.lookup(key(1), false));
  // The bad file is replaced by a good one on the next save.
  again.store(key(3), digest(0x33));
  ASSERT_TRUE(again.save());
  HashCache rebuilt(file, later());
  EXPECT_EQ(rebuilt.note(), "");
  EXPECT_TRUE(rebuilt.lookup(key(3), false));
}

TEST(HashCache, SavesAndLoadsItsEntriesPrivately) {
  TempDir tmp;
  std::string file = saved_cache(tmp);
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((tmp / "cache/envlock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  HashCache loaded(file, later());
  EXPECT_EQ(loaded.note(), "");
  EXPECT_EQ(loaded.size(), 2u);
  auto hit = loaded.lookup(key(2), false);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->sha256, digest(0x22).sha256);
  EXPECT_FALSE(hit->md5);
  EXPECT_FALSE(loaded.lookup(key(2), true)) << "no MD5 was stored";
  FileKey other_ctime = key(2);
  other_ctime.ctime_ns += 1;
  EXPECT_FALSE(loaded.lookup(other_ctime, false));
}

TEST(HashCache, AMissingCacheIsEmptyWithoutANote) {
  TempDir tmp;
  HashCache first(tmp / "no/such/dir/file-hashes.bin", later());
  EXPECT_EQ(first.size(), 0u);
  EXPECT_EQ(first.note(), "");
}

TEST(HashCache, KeepsAnMd5WhenOneWasTaken) {
  TempDir tmp;
  std::string file = tmp / "c/file-hashes.bin";
  {
    HashCache cache(file, later());
    auto d = digest(0x44);
    d.md5.emplace();
    d.md5->fill(0x55);
    cache.store(key(4), d);
    cache.store(key(4), digest(0x44));  // a later SHA-256-only store keeps the MD5
    ASSERT_TRUE(cache.save());
  }
  HashCache loaded(file, later());
  auto hit = loaded.lookup(key(4), true);
  ASSERT_TRUE(hit);
  ASSERT_TRUE(hit->md5);
  EXPECT_EQ((*hit->md5)[0], 0x55);
}

TEST(HashCache, RecentlyChangedFilesAreNotStored) {
  TempDir tmp;
  std::int64_t now = wall_clock_ns();
  HashCache cache(tmp / "c/file-hashes.bin", now);
  FileKey fresh = key(5);
  fresh.ctime_ns = now - 1'000'000'000;  // within the same-timestamp window
  cache.store(fresh, digest(0x55));
  EXPECT_FALSE(cache.lookup(fresh, false));
  FileKey old = key(6);
  old.ctime_ns = now - 10'000'000'000;
  cache.store(old, digest(0x66));
  EXPECT_TRUE(cache.lookup(old, false));
}

TEST(HashCache, ConcurrentSavesKeepEachOthersEntries) {
  TempDir tmp;
  std::string file = tmp / "c/file-hashes.bin";
  HashCache a(file, later());
  HashCache b(file, later());
  a.store(key(1), digest(1));
  b.store(key(2), digest(2));
  ASSERT_TRUE(a.save());
  ASSERT_TRUE(b.save());
  HashCache both(file, later());
  EXPECT_TRUE(both.lookup(key(1), false));
  EXPECT_TRUE(both.lookup(key(2), false));
}

TEST(HashCache, TruncatedFileIsIgnoredAndRebuilt) {
  TempDir tmp;
  std::string file = saved_cache(tmp);
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 40);
  expect_ignored(file, file + ": entry count does not match the file size");
  std::filesystem::resize_file(file, 10);
  expect_ignored(file, file + ": truncated");
}

TEST(HashCache, GarbledByteIsIgnored) {
  TempDir tmp;
  std::string file = saved_cache(tmp);
  std::string bytes = read_file(file);
  bytes[24 + 60] ^= 0x01;  // inside the first entry's SHA-256
  write_file(file, bytes);
  ::chmod(file.c_str(), 0600);
  expect_ignored(file, file + ": checksum mismatch");
}

TEST(HashCache, OtherVersionsAndOtherFilesAreIgnored) {
  TempDir tmp;
  std::string file = saved_cache(tmp);
  std::string bytes = read_file(file);
  bytes[8] = 1;  // what an envlock before the per-entry hash time wrote: rebuilt
  write_file(file, bytes);
  ::chmod(file.c_str(), 0600);
  expect_ignored(file, file + ": cache version 1, this envlock reads version 2");

  write_file(file, std::string(100, 'x'));
  ::chmod(file.c_str(), 0600);
  expect_ignored(file, file + ": not an envlock cache");
}

constexpr std::int64_t kDayNs = 86'400'000'000'000;

// A write through an already dirty shared mapping keeps the key: how long a
// cached digest is believed is bounded by the time it was taken.
TEST(HashCache, AnEntryOlderThanTheRehashWindowIsAMiss) {
  TempDir tmp;
  std::string file = tmp / "c/file-hashes.bin";
  const std::int64_t t0 = later();
  {
    HashCache cache(file, t0);
    cache.store(key(1), digest(0x11));
    ASSERT_TRUE(cache.save());
  }
  auto hit_at = [&](std::int64_t now, RehashPolicy policy = {}) {
    return HashCache(file, now, policy).lookup(key(1), false).has_value();
  };
  EXPECT_TRUE(hit_at(t0 + 6 * kDayNs));
  EXPECT_TRUE(hit_at(t0 + 7 * kDayNs));
  EXPECT_FALSE(hit_at(t0 + 7 * kDayNs + 1)) << "the default is 7 days";
  EXPECT_FALSE(hit_at(t0 + 2 * kDayNs, {false, std::chrono::days(1)}));
  EXPECT_TRUE(hit_at(t0 + 20 * kDayNs, {false, std::chrono::days(30)}));
  EXPECT_FALSE(hit_at(t0, {false, std::chrono::seconds(0)})) << "--rehash-after 0: never believed";
  EXPECT_FALSE(hit_at(t0, {true})) << "--rehash";
  EXPECT_TRUE(hit_at(t0 - kDayNs / 2)) << "a clock stepped back a little";
  EXPECT_FALSE(hit_at(t0 - 2 * kDayNs)) << "an entry from the far future";

  // Hashing the file again renews the entry.
  {
    HashCache cache(file, t0 + 8 * kDayNs);
    EXPECT_FALSE(cache.lookup(key(1), false));
    cache.store(key(1), digest(0x11));
    ASSERT_TRUE(cache.save());
  }
  EXPECT_TRUE(hit_at(t0 + 14 * kDayNs));
  EXPECT_FALSE(hit_at(t0 + 16 * kDayNs));
}

TEST(HashCache, FilesOthersCouldWriteAreIgnored) {
  TempDir tmp;
  std::string file = saved_cache(tmp);
  ::chmod(file.c_str(), 0666);
  HashCache shared(file, later());
  EXPECT_EQ(shared.note(), file + ": writable by other users");
  EXPECT_EQ(shared.size(), 0u);

  ::chmod(file.c_str(), 0600);
  std::string dir = tmp / "cache/envlock";
  ::chmod(dir.c_str(), 0777);
  HashCache open_dir(file, later());
  EXPECT_EQ(open_dir.note(), dir + ": writable by other users");
  EXPECT_EQ(open_dir.size(), 0u);
  open_dir.store(key(9), digest(9));
  auto saved = open_dir.save();
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().message, dir + ": writable by other users");
  ::chmod(dir.c_str(), 0700);
}

TEST(HashCache, ASymlinkedCacheFileIsIgnored) {
  TempDir tmp;
  std::string file = saved_cache(tmp);
  std::string real = tmp / "cache/envlock/real.bin";
  std::filesystem::rename(file, real);
  std::filesystem::create_symlink(real, file);
  HashCache linked(file, later());
  EXPECT_EQ(linked.note(), file + ": Too many levels of symbolic links");
  EXPECT_EQ(linked.size(), 0u);
}

TEST(HashCache, AnotherUsersCacheIsIgnored) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  TempDir tmp;
  std::string file = saved_cache(tmp);
  ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
  HashCache foreign(file, later());
  EXPECT_EQ(foreign.note(), file + ": owned by another user");
  EXPECT_EQ(foreign.size(), 0u);
}

TEST(HashCache, DefaultFileFollowsXdg) {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const char* old_home = std::getenv("HOME");
  std::string saved_xdg = old_xdg ? old_xdg : "", saved_home = old_home ? old_home : "";
  ::setenv("XDG_CACHE_HOME", "/x/cache", 1);
  EXPECT_EQ(HashCache::default_file(), "/x/cache/envlock/file-hashes.bin");
  ::setenv("XDG_CACHE_HOME", "relative", 1);  // invalid by the XDG spec
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(HashCache::default_file(), "/home/u/.cache/envlock/file-hashes.bin");
  ::unsetenv("XDG_CACHE_HOME");
  ::unsetenv("HOME");
  EXPECT_EQ(HashCache::default_file(), "");
  if (old_xdg) ::setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
}

// Through the hasher: the cache answers only for the exact stat key.
TEST(HashCacheInHasher, AnswersOnlyWhileTheFileKeepsItsKey) {
  TempDir tmp;
  DiskFileSystem fs("/");
  std::string path = tmp / "data.bin";
  write_file(path, "first content");
  HashCache cache(tmp / "c/file-hashes.bin", later());

  // A planted entry for the file's exact key is what the hasher returns:
  // proof that a warm scan reads nothing.
  auto st = fs.stat(path);
  ASSERT_TRUE(st);
  cache.store(FileKey::of(*st), digest(0xAB));
  auto warm = hash_files(fs, std::vector<HashRequest>{{path, ""}}, &cache);
  ASSERT_TRUE(warm[0]);
  std::string planted;
  for (int i = 0; i < 32; ++i) planted += "ab";
  EXPECT_EQ(warm[0]->sha256, planted);

  // Same size, mtime put back: ctime still moves, so the change is seen.
  struct timespec times[2];
  times[0] = {static_cast<time_t>(st->mtime_ns / 1'000'000'000), st->mtime_ns % 1'000'000'000};
  times[1] = times[0];
  write_file(path, "other content");
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  auto st2 = fs.stat(path);
  ASSERT_TRUE(st2);
  ASSERT_EQ(st2->mtime_ns, st->mtime_ns);
  ASSERT_EQ(st2->size, st->size);
  auto changed = hash_files(fs, std::vector<HashRequest>{{path, ""}}, &cache);
  ASSERT_TRUE(changed[0]);
  EXPECT_EQ(changed[0]->sha256, sha256_hex("other content"));
  // ...and now the real digest is cached under the new key.
  auto hit = cache.lookup(FileKey::of(*st2), false);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hex_encode(std::string_view(reinterpret_cast<const char*>(hit->sha256.data()), 32)),
            sha256_hex("other content"));
}

TEST(HashCacheInHasher, AnAgedOrRehashedEntryIsReadAgain) {
  TempDir tmp;
  DiskFileSystem fs("/");
  std::string path = tmp / "data.bin";
  write_file(path, "real content");
  std::string file = tmp / "c/file-hashes.bin";
  auto st = fs.stat(path);
  ASSERT_TRUE(st);
  // A planted digest stands for a change the key did not see.
  auto plant = [&](std::int64_t at) {
    HashCache cache(file, at);
    cache.store(FileKey::of(*st), digest(0xAB));
    ASSERT_TRUE(cache.save());
  };
  auto hashed_with = [&](HashCache& cache) {
    auto r = hash_files(fs, std::vector<HashRequest>{{path, ""}}, &cache);
    return r[0] ? r[0]->sha256 : std::string("error");
  };
  const std::int64_t t0 = later();
  std::string planted;
  for (int i = 0; i < 32; ++i) planted += "ab";

  plant(t0);
  HashCache fresh(file, t0 + 6 * kDayNs);
  EXPECT_EQ(hashed_with(fresh), planted) << "within the window the entry is believed";
  HashCache aged(file, t0 + 8 * kDayNs);
  EXPECT_EQ(hashed_with(aged), sha256_hex("real content"));
  ASSERT_TRUE(aged.save());
  HashCache after(file, t0 + 9 * kDayNs);
  EXPECT_EQ(hashed_with(after), sha256_hex("real content")) << "the real digest replaced it";

  plant(t0);
  HashCache rehash(file, t0, RehashPolicy{true});
  EXPECT_EQ(hashed_with(rehash), sha256_hex("real content"));
  ASSERT_TRUE(rehash.save());
  HashCache next(file, t0);
  EXPECT_EQ(hashed_with(next), sha256_hex("real content")) << "--rehash still writes the cache";
}

TEST(HashCacheInHasher, Md5IsCachedWithTheSha256) {
  TempDir tmp;
  DiskFileSystem fs("/");
  std::string path = tmp / "f.py";
  write_file(path, "x = 1\n");
  HashCache cache(tmp / "c/file-hashes.bin", later());
  auto cold = hash_files(fs, std::vector<HashRequest>{{path, "md5"}}, &cache);
  ASSERT_TRUE(cold[0]);
  auto st = fs.stat(path);
  auto hit = cache.lookup(FileKey::of(*st), true);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hex_encode(std::string_view(reinterpret_cast<const char*>(hit->md5->data()), 16)),
            hex_encode(cold[0]->extra));
  auto warm = hash_files(fs, std::vector<HashRequest>{{path, "md5"}}, &cache);
  ASSERT_TRUE(warm[0]);
  EXPECT_EQ(warm[0]->sha256, cold[0]->sha256);
  EXPECT_EQ(warm[0]->extra, cold[0]->extra);
}

TEST(CachedFileSystem, Sha256ComesFromTheCacheEverythingElseFromTheInnerFs) {
  TempDir tmp;
  DiskFileSystem live("/");
  std::string path = tmp / "lib.so";
  write_file(path, "ELF");
  HashCache cache(tmp / "c/file-hashes.bin", later());
  CachedFileSystem fs(live, cache);
  auto cold = fs.sha256(path);
  ASSERT_TRUE(cold);
  EXPECT_EQ(*cold, sha256_hex("ELF"));
  EXPECT_EQ(cache.size(), 1u);
  cache.store(FileKey::of(*live.stat(path)), digest(0xCD));  // planted: proves the hit
  std::string planted;
  for (int i = 0; i < 32; ++i) planted += "cd";
  EXPECT_EQ(*fs.sha256(path), planted);
  EXPECT_EQ(*fs.read(path, 100), "ELF");
  EXPECT_FALSE(fs.sha256(tmp / "missing.so"));
}

}  // namespace
}  // namespace envlock::scanner
