#include "scanner/cache/cache_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

namespace {

std::string errno_text() { return std::strerror(errno); }

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

Result<void> make_dirs(const std::string& dir) {
  if (dir.empty() || dir == "/") return {};
  struct stat st;
  if (::lstat(dir.c_str(), &st) == 0) return {};
  ENVLOCK_TRY(make_dirs(parent_path(dir)));
  // XDG: directories the application creates get mode 0700.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail(dir + ": " + errno_text());
  return {};
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

}  // namespace

StatStamp stat_stamp(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return {errno == ENOENT || errno == ENOTDIR ? "missing" : "error:" + std::to_string(errno), 0};
  }
  std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  std::int64_t ctime = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  return {std::to_string(st.st_mode & S_IFMT) + ":" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) +
              ":" + std::to_string(st.st_size) + ":" + std::to_string(mtime) + ":" + std::to_string(ctime),
          ctime};
}

std::string cache_directory() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return join_path(xdg, "envlock");
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') return join_path(home, ".cache/envlock");
  return "";
}

Result<std::optional<std::string>> read_cache_file(const std::string& file, std::uint64_t max_bytes) {
  struct stat dir_st;
  if (::lstat(parent_path(file).c_str(), &dir_st) != 0 && errno == ENOENT) return std::nullopt;  // first run
  Fd dir{ENVLOCK_TRY(open_dir(parent_path(file)))};
  std::string name = base_name(file);
  // O_NONBLOCK: a FIFO planted under the name must not block the scan.
  int fd = ::openat(dir.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    return fail(file + ": " + errno_text());
  }
  Fd closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(file + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) return fail(file + ": not a regular file");
  ENVLOCK_TRY(check_ours(st, file));
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) return fail(file + ": larger than any cache this version writes");
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

Result<void> write_cache_file(const std::string& file, std::string_view content) {
  std::string dir_path = parent_path(file);
  ENVLOCK_TRY(make_dirs(dir_path));
  Fd dir{ENVLOCK_TRY(open_dir(dir_path))};
  std::random_device rd;
  std::string tmp = "." + base_name(file) + "." + std::to_string(::getpid()) + "." + std::to_string(rd());
  int fd = ::openat(dir.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(join_path(dir_path, tmp) + ": " + errno_text());
  auto written = write_all(fd, content, join_path(dir_path, tmp));
  if (::close(fd) != 0 && written) written = fail(join_path(dir_path, tmp) + ": " + errno_text());
  if (written && ::renameat(dir.fd, tmp.c_str(), dir.fd, base_name(file).c_str()) != 0) {
    written = fail(file + ": " + errno_text());
  }
  if (!written) ::unlinkat(dir.fd, tmp.c_str(), 0);
  return written;
}

}  // namespace envlock::scanner
