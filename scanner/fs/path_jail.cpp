#include "scanner/fs/path_jail.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <vector>

#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

namespace {

// The kernel and ld.so give up after 40 links; so do we.
constexpr int kMaxSymlinks = 40;

// Set once openat2 turns out to be missing (ENOSYS before Linux 5.6) or
// filtered (a seccomp profile answering EPERM): every later call walks by hand.
std::atomic<bool> g_no_openat2{false};

std::string errno_text(int err) { return std::strerror(err); }

tl::unexpected<Error> fail_errno(std::string_view path, int err) {
  return fail(std::string(path) + ": " + errno_text(err));
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Components of a relative path, last first (the walk pops from the back).
void push_parts(std::vector<std::string>& todo, std::string_view p) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) parts.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(std::move(*it));
}

// `path` relative to `mount`, or nullopt when it is not under it.
std::optional<std::string_view> under(std::string_view path, std::string_view mount) {
  if (mount == "/") return path.substr(1);
  if (path == mount) return std::string_view();
  if (path.starts_with(mount) && path.size() > mount.size() && path[mount.size()] == '/') {
    return path.substr(mount.size() + 1);
  }
  return std::nullopt;
}

// An absolute link target, relative to `mount`, read component by component
// so that "/opt/venv/../etc" does not pass as inside /opt/venv.
std::optional<std::string> link_under(std::string_view target, std::string_view mount) {
  std::vector<std::string> want;
  push_parts(want, mount);  // reversed: want.back() is the first component
  std::size_t i = 0;
  while (!want.empty()) {
    while (i < target.size() && target[i] == '/') ++i;
    std::size_t j = std::min(target.find('/', i), target.size());
    std::string_view part = target.substr(i, j - i);
    if (part == ".") {
      i = j;
      continue;
    }
    if (part != want.back()) return std::nullopt;
    want.pop_back();
    i = j;
  }
  return std::string(target.substr(std::min(i, target.size())));
}

std::string real_of(std::string_view mount, const std::vector<std::string>& names) {
  std::string out = mount == "/" ? "" : std::string(mount);
  for (const auto& n : names) out += "/" + n;
  return out.empty() ? "/" : out;
}

long openat2_call(int dirfd, const char* path, std::uint64_t flags, std::uint64_t resolve) {
  struct open_how how {};
  how.flags = flags;
  how.resolve = resolve;
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

void PathJail::use_kernel_resolution(bool on) { g_no_openat2.store(!on, std::memory_order_relaxed); }

Result<PathJail> PathJail::open(const std::string& host_dir, std::string mount, Links links) {
  int fd = ::open(host_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail_errno(host_dir, errno);
  return PathJail(UniqueFd(fd), normalize_path(mount), links);
}

Result<PathJail> PathJail::sub(std::string_view dir) const {
  auto opened = ENVLOCK_TRY(resolve(dir, Want::kPath, false));
  struct stat st {};
  if (::fstat(opened.fd.get(), &st) != 0) return fail_errno(dir, errno);
  if (!S_ISDIR(st.st_mode)) return fail_errno(dir, ENOTDIR);
  return PathJail(std::move(opened.fd), normalize_path(dir), links_);
}

Result<UniqueFd> PathJail::open_file(std::string_view path, struct stat* st) const {
  auto opened = ENVLOCK_TRY(resolve(path, Want::kRead, false));
  if (st && ::fstat(opened.fd.get(), st) != 0) return fail_errno(path, errno);
  return std::move(opened.fd);
}

Result<UniqueFd> PathJail::open_dir(std::string_view path) const {
  auto opened = ENVLOCK_TRY(resolve(path, Want::kDir, false));
  return std::move(opened.fd);
}

Result<struct stat> PathJail::stat(std::string_view path, bool follow) const {
  auto opened = ENVLOCK_TRY(resolve(path, follow ? Want::kPath : Want::kLink, false));
  struct stat st {};
  if (::fstat(opened.fd.get(), &st) != 0) return fail_errno(path, errno);
  return st;
}

Result<std::string> PathJail::readlink(std::string_view path) const {
  auto opened = ENVLOCK_TRY(resolve(path, Want::kLink, false));
  struct stat st {};
  if (::fstat(opened.fd.get(), &st) != 0) return fail_errno(path, errno);
  if (!S_ISLNK(st.st_mode)) return fail_errno(path, EINVAL);
  char buf[PATH_MAX];
  ssize_t n = ::readlinkat(opened.fd.get(), "", buf, sizeof buf);
  if (n < 0) return fail_errno(path, errno);
  return std::string(buf, static_cast<std::size_t>(n));
}

Result<std::string> PathJail::realpath(std::string_view path) const {
  auto opened = ENVLOCK_TRY(resolve(path, Want::kPath, true));
  return std::move(opened.real);
}

Result<PathJail::Opened> PathJail::resolve(std::string_view path_in, Want want, bool need_real) const {
  const std::string path = normalize_path(path_in);
  auto rel = under(path, mount_);
  if (!rel) return fail(path + ": leaves " + mount_);
  if (!need_real && !g_no_openat2.load(std::memory_order_relaxed)) {
    bool fallback = false;
    auto r = resolve_kernel(*rel, path, want, fallback);
    if (!fallback) return r;
  }
  return resolve_by_hand(*rel, path, want);
}

// One openat2 call resolves the whole path inside the jail. `fallback` asks
// for the walk by hand: the kernel lacks openat2, or its answer needs the
// walk's wording (a loop) or its mount translation (an absolute link that
// RESOLVE_BENEATH refuses but that names a path under the mount).
Result<PathJail::Opened> PathJail::resolve_kernel(std::string_view rel, std::string_view path, Want want,
                                                  bool& fallback) const {
  std::uint64_t resolve = (mount_ == "/" ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) | RESOLVE_NO_MAGICLINKS;
  if (links_ == Links::kRefuse) resolve |= RESOLVE_NO_SYMLINKS;
  const std::string name = rel.empty() ? "." : std::string(rel);
  auto call = [&](std::uint64_t flags) -> Result<UniqueFd> {
    long fd = openat2_call(fd_.get(), name.c_str(), flags | O_CLOEXEC, resolve);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    const int err = errno;
    if (err == ENOSYS || err == EPERM || err == EINVAL || err == E2BIG) {
      g_no_openat2.store(true, std::memory_order_relaxed);
      fallback = true;
    } else if (err == EXDEV || err == EAGAIN || err == ELOOP) {
      fallback = true;
    }
    return fail_errno(path, err);
  };
  switch (want) {
    case Want::kPath: return Opened{ENVLOCK_TRY(call(O_PATH)), {}};
    case Want::kLink: return Opened{ENVLOCK_TRY(call(O_PATH | O_NOFOLLOW)), {}};
    case Want::kDir: return Opened{ENVLOCK_TRY(call(O_RDONLY | O_DIRECTORY)), {}};
    case Want::kRead: break;
  }
  // Look before opening: opening a device node can do things (rewind a tape,
  // arm a watchdog) even when nothing is read from it.
  UniqueFd probe = ENVLOCK_TRY(call(O_PATH));
  struct stat before {};
  if (::fstat(probe.get(), &before) != 0) return fail_errno(path, errno);
  if (!S_ISREG(before.st_mode)) return fail(std::string(path) + ": not a regular file");
  UniqueFd fd = ENVLOCK_TRY(call(O_RDONLY | O_NONBLOCK | O_NOCTTY));
  struct stat after {};
  if (::fstat(fd.get(), &after) != 0) return fail_errno(path, errno);
  if (!S_ISREG(after.st_mode) || !same_file(before, after)) {
    return fail(std::string(path) + ": changed while being opened");
  }
  return Opened{std::move(fd), {}};
}

Result<PathJail::Opened> PathJail::resolve_by_hand(std::string_view rel, std::string_view path,
                                                   Want want) const {
  std::vector<std::string> todo;
  push_parts(todo, rel);
  std::vector<std::string> names;  // resolved directories below the jail's top
  UniqueFd cur;                    // the directory `names` leads to; empty: the top
  auto dir = [&] { return cur.get() >= 0 ? cur.get() : fd_.get(); };
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.back());
    todo.pop_back();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (names.empty()) {
        if (mount_ == "/") continue;  // a root's parent is itself
        return fail(std::string(path) + ": leaves " + mount_);
      }
      // Walk down again from the top instead of opening "..": a directory
      // moved out of the jail meanwhile would have a host directory as "..".
      names.pop_back();
      cur = UniqueFd();
      for (const auto& n : names) {
        int fd = ::openat(dir(), n.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return fail(std::string(path) + ": changed while being opened");
        cur = UniqueFd(fd);
      }
      continue;
    }
    const bool last = todo.empty();
    int raw = ::openat(dir(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (raw < 0) return fail_errno(path, errno);
    UniqueFd f(raw);
    struct stat st {};
    if (::fstat(f.get(), &st) != 0) return fail_errno(path, errno);
    if (S_ISLNK(st.st_mode) && !(last && want == Want::kLink)) {
      if (links_ == Links::kRefuse) {
        return fail(std::string(path) + (last ? ": is a symbolic link" : ": passes through a symbolic link"));
      }
      if (++links > kMaxSymlinks) return fail(std::string(path) + ": too many levels of symbolic links");
      char buf[PATH_MAX];
      ssize_t n = ::readlinkat(f.get(), "", buf, sizeof buf);
      if (n < 0) return fail_errno(path, errno);
      if (n == 0) return fail_errno(path, ENOENT);
      std::string_view target(buf, static_cast<std::size_t>(n));
      if (target.front() == '/') {
        auto inside = link_under(target, mount_);
        if (!inside) return fail(std::string(path) + ": leaves " + mount_);
        names.clear();
        cur = UniqueFd();
        push_parts(todo, *inside);
      } else {
        push_parts(todo, target);
      }
      continue;
    }
    if (!last) {
      if (!S_ISDIR(st.st_mode)) return fail_errno(path, ENOTDIR);
      names.push_back(std::move(part));
      cur = std::move(f);
      continue;
    }
    // The final component, not a link (or a link asked for as such).
    std::string real = real_of(mount_, names);
    real = real == "/" ? "/" + part : real + "/" + part;
    if (want == Want::kPath || want == Want::kLink) return Opened{std::move(f), std::move(real)};
    if (want == Want::kDir && !S_ISDIR(st.st_mode)) return fail_errno(path, ENOTDIR);
    if (want == Want::kRead && !S_ISREG(st.st_mode)) return fail(std::string(path) + ": not a regular file");
    // Reopen for reading by name from the same directory, without following
    // a link: whatever took its place since must be the same file.
    const int flags = want == Want::kDir ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
    int opened = ::openat(dir(), part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
    if (opened < 0) return fail_errno(path, errno);
    UniqueFd out(opened);
    struct stat again {};
    if (::fstat(out.get(), &again) != 0) return fail_errno(path, errno);
    if (!same_file(st, again)) return fail(std::string(path) + ": changed while being opened");
    return Opened{std::move(out), std::move(real)};
  }
  // The path ends at a directory reached by "." or ".." (or is the top).
  std::string real = real_of(mount_, names);
  if (want == Want::kRead) return fail(std::string(path) + ": not a regular file");
  const int flags = want == Want::kDir ? O_RDONLY | O_DIRECTORY : O_PATH | O_DIRECTORY;
  int opened = ::openat(dir(), ".", flags | O_CLOEXEC);
  if (opened < 0) return fail_errno(path, errno);
  return Opened{UniqueFd(opened), std::move(real)};
}

}  // namespace envlock::scanner
