#include "scanner/live_filesystem.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace envlock::scanner {

namespace {

// ld.so and the kernel give up after 40 links; so do we.
constexpr int kMaxSymlinks = 40;

std::string errno_text(int err) { return std::strerror(err); }

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

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

LiveFileSystem::LiveFileSystem(std::string root, bool live) : live_(live) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  root_ = root == "/" ? "" : root;
}

std::string LiveFileSystem::describe() const { return root_.empty() ? "/" : root_; }

Result<std::string> LiveFileSystem::host_path(std::string_view path, bool follow_last) const {
  std::string norm = normalize_path(path);
  if (root_.empty()) {
    // The live host: the kernel resolves links, and "/" is the real root anyway.
    return norm;
  }
  // Walk component by component so that absolute links and ".." stay inside root_.
  std::vector<std::string> done;  // resolved components
  std::vector<std::string> todo;
  auto push_parts = [&](std::string_view p) {
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= p.size()) {
      std::size_t j = p.find('/', i);
      if (j == std::string_view::npos) j = p.size();
      if (j > i) parts.emplace_back(p.substr(i, j - i));
      i = j + 1;
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
  };
  push_parts(norm);
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.back());
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(part);
    if (todo.empty() && !follow_last) break;
    std::string host = root_;
    for (const auto& d : done) host += "/" + d;
    struct stat st;
    if (::lstat(host.c_str(), &st) != 0) {
      // Missing components are reported by the caller's own stat/open.
      for (auto it = todo.rbegin(); it != todo.rend(); ++it) host += "/" + *it;
      return host;
    }
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links > kMaxSymlinks) {
      return fail(describe() + normalize_path(path) + ": too many levels of symbolic links");
    }
    char buf[4096];
    ssize_t n = ::readlink(host.c_str(), buf, sizeof buf);
    if (n < 0) return fail(host + ": " + errno_text(errno));
    std::string_view target(buf, static_cast<std::size_t>(n));
    done.pop_back();
    if (target.starts_with('/')) done.clear();
    push_parts(target);
  }
  std::string host = root_;
  for (const auto& d : done) host += "/" + d;
  return host.empty() ? root_ + "/" : host;
}

Result<FileStat> LiveFileSystem::stat(std::string_view path) const {
  auto host = ENVLOCK_TRY(host_path(path));
  struct stat st;
  if (::stat(host.c_str(), &st) != 0) return fail(std::string(path) + ": " + errno_text(errno));
  return to_stat(st);
}

Result<FileStat> LiveFileSystem::lstat(std::string_view path) const {
  auto host = ENVLOCK_TRY(host_path(path, false));
  struct stat st;
  if (::lstat(host.c_str(), &st) != 0) return fail(std::string(path) + ": " + errno_text(errno));
  return to_stat(st);
}

Result<std::vector<DirEntry>> LiveFileSystem::list(std::string_view dir) const {
  auto host = ENVLOCK_TRY(host_path(dir));
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(host.c_str()), ::closedir);
  if (!d) return fail(std::string(dir) + ": " + errno_text(errno));
  std::vector<DirEntry> out;
  while (dirent* e = ::readdir(d.get())) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry entry{std::string(name), FileType::kOther};
    switch (e->d_type) {
      case DT_REG: entry.type = FileType::kRegular; break;
      case DT_DIR: entry.type = FileType::kDirectory; break;
      case DT_LNK: entry.type = FileType::kSymlink; break;
      case DT_UNKNOWN: {
        struct stat st;
        std::string child = host + "/" + entry.name;
        if (::lstat(child.c_str(), &st) == 0) entry.type = type_of(st.st_mode);
        break;
      }
      default: break;
    }
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

Result<int> LiveFileSystem::open_regular(std::string_view path) const {
  auto host = ENVLOCK_TRY(host_path(path));
  // O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it below anyway.
  int fd = ::open(host.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail(std::string(path) + ": " + errno_text(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(std::string(path) + ": not a regular file");
  }
  return fd;
}

Result<std::string> LiveFileSystem::read(std::string_view path, std::uint64_t max_bytes) const {
  int fd = ENVLOCK_TRY(open_regular(path));
  FdCloser closer{fd};
  struct stat st;
  ::fstat(fd, &st);
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
      return fail(std::string(path) + ": " + errno_text(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::string> LiveFileSystem::read_prefix(std::string_view path,
                                                std::uint64_t max_bytes) const {
  return read_at(path, 0, max_bytes);
}

Result<std::string> LiveFileSystem::read_at(std::string_view path, std::uint64_t offset,
                                            std::uint64_t size) const {
  int fd = ENVLOCK_TRY(open_regular(path));
  FdCloser closer{fd};
  struct stat st;
  ::fstat(fd, &st);
  // Sized by the file, not the request: most objects are far smaller than the
  // prefix asked for, and zero-filling megabytes per file showed in profiles.
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  std::string out;
  if (offset >= file_size || offset > static_cast<std::uint64_t>(INT64_MAX)) return out;
  out.resize(static_cast<std::size_t>(std::min(size, file_size - offset)));
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::string(path) + ": " + errno_text(errno));
    }
    if (n == 0) break;  // shrank since fstat
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::string> LiveFileSystem::readlink(std::string_view path) const {
  auto host = ENVLOCK_TRY(host_path(path, false));
  char buf[4096];
  ssize_t n = ::readlink(host.c_str(), buf, sizeof buf);
  if (n < 0) return fail(std::string(path) + ": " + errno_text(errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

Result<std::string> LiveFileSystem::realpath(std::string_view path) const {
  auto host = ENVLOCK_TRY(host_path(path));
  if (root_.empty()) {
    char buf[PATH_MAX];
    if (!::realpath(host.c_str(), buf)) return fail(std::string(path) + ": " + errno_text(errno));
    return std::string(buf);
  }
  struct stat st;
  if (::stat(host.c_str(), &st) != 0) return fail(std::string(path) + ": " + errno_text(errno));
  std::string inside = host.substr(root_.size());
  return inside.empty() ? std::string("/") : inside;
}

Result<void> LiveFileSystem::read_chunks(
    std::string_view path, const std::function<void(const char*, std::size_t)>& sink) const {
  int fd = ENVLOCK_TRY(open_regular(path));
  FdCloser closer{fd};
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // Large reads: hashing throughput is bound by syscalls below ~256 KiB.
  constexpr std::size_t kChunk = 1 << 20;
  thread_local std::unique_ptr<char[]> buffer(new char[kChunk]);
  while (true) {
    ssize_t n = ::read(fd, buffer.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::string(path) + ": " + errno_text(errno));
    }
    if (n == 0) break;
    sink(buffer.get(), static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace envlock::scanner
