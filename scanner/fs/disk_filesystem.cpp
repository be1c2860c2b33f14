#include "scanner/fs/disk_filesystem.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

namespace envlock::scanner {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

tl::unexpected<Error> fail_errno(std::string_view path, int err) {
  return fail(std::string(path) + ": " + errno_text(err));
}

FileType type_of(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

FileStat to_stat(const struct stat& st) {
  FileStat out;
  out.type = type_of(st.st_mode);
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  out.mode = st.st_mode;
  return out;
}

// Whole content of an open regular file, at most max_bytes.
Result<std::string> read_whole(int fd, const struct stat& st, std::string_view path, std::uint64_t max_bytes) {
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return fail(std::string(path) + ": file is larger than the " + std::to_string(max_bytes) +
                "-byte limit");
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (true) {
    if (got == out.size()) {
      // The file may have grown since fstat; keep reading up to the limit.
      if (out.size() >= max_bytes) {
        char probe;
        ssize_t n = ::read(fd, &probe, 1);
        if (n > 0) {
          return fail(std::string(path) + ": file is larger than the " +
                      std::to_string(max_bytes) + "-byte limit");
        }
        break;
      }
      out.resize(std::min<std::uint64_t>(max_bytes, out.size() + 65536));
    }
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(path, errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

// `path` below `base` (both normalized), lexically.
bool lexically_under(std::string_view path, std::string_view base) {
  if (base == "/") return true;
  return path.starts_with(base) && path.size() > base.size() && path[base.size()] == '/';
}

}  // namespace

DiskFileSystem::DiskFileSystem(std::string root, std::string mount) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  root_ = root == "/" ? "" : root;
  if (root_.empty()) return;
  auto jail = PathJail::open(root_, std::move(mount));
  if (jail) {
    jail_.emplace(std::move(*jail));
  } else {
    jail_error_ = jail.error().message;
  }
}

DiskFileSystem DiskFileSystem::live_host() {
  DiskFileSystem host("/");
  host.live_ = true;
  return host;
}

std::string DiskFileSystem::describe() const { return root_.empty() ? "/" : root_; }

Result<const PathJail*> DiskFileSystem::jail() const {
  if (!jail_) return fail(jail_error_);
  return &*jail_;
}

Result<FileStat> DiskFileSystem::stat(std::string_view path) const {
  if (!root_.empty()) return to_stat(ENVLOCK_TRY(ENVLOCK_TRY(jail())->stat(path, true)));
  std::string host = normalize_path(path);
  struct stat st;
  if (::stat(host.c_str(), &st) != 0) return fail_errno(path, errno);
  return to_stat(st);
}

Result<FileStat> DiskFileSystem::lstat(std::string_view path) const {
  if (!root_.empty()) return to_stat(ENVLOCK_TRY(ENVLOCK_TRY(jail())->stat(path, false)));
  std::string host = normalize_path(path);
  struct stat st;
  if (::lstat(host.c_str(), &st) != 0) return fail_errno(path, errno);
  return to_stat(st);
}

Result<std::vector<DirEntry>> DiskFileSystem::list(std::string_view dir) const {
  std::unique_ptr<DIR, int (*)(DIR*)> d(nullptr, ::closedir);
  if (!root_.empty()) {
    UniqueFd fd = ENVLOCK_TRY(ENVLOCK_TRY(jail())->open_dir(dir));
    d.reset(::fdopendir(fd.get()));
    if (!d) return fail_errno(dir, errno);
    fd.release();  // the DIR owns it now
  } else {
    d.reset(::opendir(normalize_path(dir).c_str()));
    if (!d) return fail_errno(dir, errno);
  }
  std::vector<DirEntry> out;
  while (dirent* e = ::readdir(d.get())) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry entry{std::string(name), FileType::kOther, out.size()};
    switch (e->d_type) {
      case DT_REG: entry.type = FileType::kRegular; break;
      case DT_DIR: entry.type = FileType::kDirectory; break;
      case DT_LNK: entry.type = FileType::kSymlink; break;
      case DT_UNKNOWN: {
        struct stat st;
        if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
          entry.type = type_of(st.st_mode);
        }
        break;
      }
      default: break;
    }
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

Result<UniqueFd> DiskFileSystem::open_regular(std::string_view path, struct stat& st) const {
  if (!root_.empty()) return ENVLOCK_TRY(jail())->open_file(path, &st);
  std::string host = normalize_path(path);
  // Look before opening: opening a device can act (a tape rewinds) even
  // unread, and a FIFO would wait for a writer.
  if (::stat(host.c_str(), &st) != 0) return fail_errno(path, errno);
  if (!S_ISREG(st.st_mode)) return fail(std::string(path) + ": not a regular file");
  // Swapped since: O_NONBLOCK keeps a FIFO from blocking, fstat refuses it.
  int fd = ::open(host.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail_errno(path, errno);
  UniqueFd out(fd);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return fail(std::string(path) + ": not a regular file");
  return out;
}

Result<std::string> DiskFileSystem::read(std::string_view path, std::uint64_t max_bytes) const {
  struct stat st {};
  UniqueFd fd = ENVLOCK_TRY(open_regular(path, st));
  return read_whole(fd.get(), st, path, max_bytes);
}

Result<std::string> DiskFileSystem::read_beneath(std::string_view base_in, std::string_view path_in,
                                                 std::uint64_t max_bytes) const {
  const std::string base = normalize_path(base_in);
  const std::string path = normalize_path(path_in);
  if (!lexically_under(path, base)) return fail(path + ": leaves " + base);
  auto sub = ENVLOCK_TRY(base_jail(base));
  struct stat st {};
  UniqueFd fd = ENVLOCK_TRY(sub->open_file(path, &st));
  return read_whole(fd.get(), st, path, max_bytes);
}

Result<std::shared_ptr<const PathJail>> DiskFileSystem::base_jail(const std::string& base) const {
  std::lock_guard<std::mutex> lock(base_jails_->mutex);
  auto& slot = base_jails_->by_base[base];
  if (slot) return slot;
  // A jail at `base`: on the live host opened by the kernel's own lookup (the
  // site directory may be a link), inside a root through the root's jail.
  auto opened = root_.empty() ? PathJail::open(base, base) : ENVLOCK_TRY(jail())->sub(base);
  if (!opened) {
    base_jails_->by_base.erase(base);  // not cached: the next read tries again
    return tl::unexpected(opened.error());
  }
  slot = std::make_shared<const PathJail>(std::move(*opened));
  return slot;
}

Result<std::string> DiskFileSystem::read_prefix(std::string_view path,
                                                std::uint64_t max_bytes) const {
  return read_at(path, 0, max_bytes);
}

Result<std::string> DiskFileSystem::read_at(std::string_view path, std::uint64_t offset,
                                            std::uint64_t size) const {
  struct stat st {};
  UniqueFd fd = ENVLOCK_TRY(open_regular(path, st));
  // Sized by the file, not the request: most objects are far smaller than the
  // prefix asked for, and zero-filling megabytes per file showed in profiles.
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  std::string out;
  if (offset >= file_size || offset > static_cast<std::uint64_t>(INT64_MAX)) return out;
  out.resize(static_cast<std::size_t>(std::min(size, file_size - offset)));
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(path, errno);
    }
    if (n == 0) break;  // shrank since fstat
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::string> DiskFileSystem::readlink(std::string_view path) const {
  if (!root_.empty()) return ENVLOCK_TRY(jail())->readlink(path);
  std::string host = normalize_path(path);
  char buf[PATH_MAX];
  ssize_t n = ::readlink(host.c_str(), buf, sizeof buf);
  if (n < 0) return fail_errno(path, errno);
  return std::string(buf, static_cast<std::size_t>(n));
}

Result<std::string> DiskFileSystem::realpath(std::string_view path) const {
  if (!root_.empty()) return ENVLOCK_TRY(jail())->realpath(path);
  std::string host = normalize_path(path);
  char buf[PATH_MAX];
  if (!::realpath(host.c_str(), buf)) return fail_errno(path, errno);
  return std::string(buf);
}

Result<void> DiskFileSystem::read_chunks(
    std::string_view path, const std::function<void(const char*, std::size_t)>& sink) const {
  struct stat st {};
  UniqueFd fd = ENVLOCK_TRY(open_regular(path, st));
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  // Large reads: hashing throughput is bound by syscalls below ~256 KiB.
  constexpr std::size_t kChunk = 1 << 20;
  thread_local std::unique_ptr<char[]> buffer(new char[kChunk]);
  while (true) {
    ssize_t n = ::read(fd.get(), buffer.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(path, errno);
    }
    if (n == 0) break;
    sink(buffer.get(), static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace envlock::scanner
