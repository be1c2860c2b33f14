#include "scanner/image/image_blobs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "scanner/image/archive_library.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

namespace {

constexpr std::size_t kChunkBytes = 1 << 20;
constexpr int kMaxMemberLinks = 8;

std::string errno_text(int err) { return std::strerror(err); }

// "./a//b" -> "a/b": member names compared the same way however the tar spells them.
std::string member_key(std::string_view name) { return normalize_path(name).substr(1); }

struct IndexCursor {
  const ArchiveLibrary* la = nullptr;
  const HostFile* file = nullptr;
  std::uint64_t pos = 0;
  std::vector<char> buffer = std::vector<char>(64 << 10);
  std::optional<Error> error;
};

la_ssize_t index_read(archive* a, void* client, const void** out) {
  auto* c = static_cast<IndexCursor*>(client);
  auto n = c->file->read_at(c->pos, c->buffer.data(), c->buffer.size());
  if (!n) {
    c->error = n.error();
    c->la->set_error(a, EIO, "%s", n.error().message.c_str());
    return -1;
  }
  c->pos += *n;
  *out = c->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

// Skipping member data is a seek, so indexing a multi-GB tar reads only headers.
la_int64_t index_skip(archive*, void* client, la_int64_t request) {
  auto* c = static_cast<IndexCursor*>(client);
  std::uint64_t left = c->file->size() > c->pos ? c->file->size() - c->pos : 0;
  auto n = std::min<std::uint64_t>(static_cast<std::uint64_t>(request), left);
  c->pos += n;
  return static_cast<la_int64_t>(n);
}

bool looks_compressed(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  return starts("\x1f\x8b") || starts(std::string_view("\x28\xb5\x2f\xfd", 4)) ||
         starts("\xfd" "7zXZ") || starts("BZh");
}

}  // namespace

Result<std::shared_ptr<HostFile>> HostFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(path + ": " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path + ": not a regular file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::shared_ptr<HostFile>(new HostFile(fd, static_cast<std::uint64_t>(st.st_size), path));
}

std::shared_ptr<HostFile> HostFile::adopt(UniqueFd fd, std::uint64_t size, std::string path) {
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::shared_ptr<HostFile>(new HostFile(fd.release(), size, std::move(path)));
}

HostFile::~HostFile() { ::close(fd_); }

Result<std::size_t> HostFile::read_at(std::uint64_t offset, char* out, std::size_t size) const {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(path_ + ": " + errno_text(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

ChunkSource range_source(const BlobRange& range) {
  auto buffer = std::make_shared<std::vector<char>>(std::min<std::uint64_t>(kChunkBytes, range.size));
  auto pos = std::make_shared<std::uint64_t>(0);
  return [range, buffer, pos]() -> Result<std::string_view> {
    if (*pos >= range.size) return std::string_view();
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer->size(), range.size - *pos));
    auto n = range.file->read_at(range.offset + *pos, buffer->data(), want);
    if (!n) return tl::unexpected(n.error());
    if (*n < want) return fail(range.file->path() + ": unexpected end of file");
    *pos += *n;
    return std::string_view(buffer->data(), *n);
  };
}

Result<BlobStore> BlobStore::open(const std::string& path) {
  BlobStore store;
  store.path_ = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(path + ": " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) {
    store.directory_ = true;
    auto jail = PathJail::open(path, "/", PathJail::Links::kRefuse);
    if (!jail) return tl::unexpected(jail.error());
    store.layout_ = std::make_shared<const PathJail>(std::move(*jail));
    return store;
  }
  store.tar_ = ENVLOCK_TRY(HostFile::open(path));
  ENVLOCK_TRY(store.index_tar());
  return store;
}

Result<void> BlobStore::index_tar() {
  char head[8] = {};
  auto n = ENVLOCK_TRY(tar_->read_at(0, head, sizeof head));
  if (looks_compressed(std::string_view(head, n)))
    return fail(path_ + ": compressed image archives are not supported; decompress it first "
                "(docker save writes a plain tar)");
  const ArchiveLibrary& la = *ENVLOCK_TRY(archive_library());
  IndexCursor cursor;
  cursor.la = &la;
  cursor.file = tar_.get();
  std::unique_ptr<archive, int (*)(archive*)> a(la.read_new(), la.read_free);
  la.read_support_filter_none(a.get());
  la.read_support_format_tar(a.get());
  la.read_set_read_callback(a.get(), index_read);
  la.read_set_skip_callback(a.get(), index_skip);
  la.read_set_callback_data(a.get(), &cursor);
  if (la.read_open1(a.get()) != ARCHIVE_OK)
    return fail(path_ + ": not a tar archive or an OCI layout directory (" +
                std::string(la.error_string(a.get()) ? la.error_string(a.get()) : "") + ")");
  archive_entry* e = nullptr;
  for (;;) {
    int r = la.read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      if (cursor.error) return tl::unexpected(*cursor.error);
      const char* msg = la.error_string(a.get());
      return fail(path_ + ": not a tar archive or an OCI layout directory (" +
                  std::string(msg ? msg : "bad header") + ")");
    }
    if (members_.size() >= kMaxArchiveMembers)
      return fail(path_ + ": more than " + std::to_string(kMaxArchiveMembers) + " members");
    const char* name = la.entry_pathname(e);
    if (!name) continue;
    Member m;
    std::string key = member_key(name);
    if (const char* hard = la.entry_hardlink(e)) {
      m.alias = member_key(hard);
    } else if (la.entry_filetype(e) == AE_IFLNK) {
      const char* target = la.entry_symlink(e);
      if (!target) continue;
      // Relative to the link's directory, and never above the archive's root.
      m.alias = member_key(join_path(parent_path("/" + key), target));
    } else if (la.entry_filetype(e) == AE_IFREG) {
      // After the header (and any pax/GNU extension records) the reader sits at the data.
      m.offset = static_cast<std::uint64_t>(la.filter_bytes(a.get(), 0));
      m.size = static_cast<std::uint64_t>(la.entry_size(e));
      m.sparse = la.entry_sparse_count(e) > 0;
      if (m.offset > tar_->size() || m.size > tar_->size() - m.offset)
        return fail(path_ + ": member " + key + " extends past the end of the file");
    } else {
      continue;
    }
    members_[key] = std::move(m);
  }
  return {};
}

bool BlobStore::has(std::string_view member) const {
  if (directory_) {
    auto st = layout_->stat("/" + member_key(member), false);
    return st && S_ISREG(st->st_mode);
  }
  return lookup(member).has_value();
}

Result<const BlobStore::Member*> BlobStore::lookup(std::string_view member) const {
  std::string key = member_key(member);
  for (int hop = 0; hop <= kMaxMemberLinks; ++hop) {
    auto it = members_.find(key);
    if (it == members_.end()) break;
    if (it->second.alias.empty()) {
      if (it->second.sparse) return fail(path_ + ": " + key + " is a sparse tar member");
      return &it->second;
    }
    key = it->second.alias;
  }
  return fail(path_ + ": missing " + std::string(member));
}

Result<BlobRange> BlobStore::find(std::string_view member) const {
  if (directory_) {
    // Members come from validated digests or fixed names; still never leave the layout.
    std::string key = member_key(member);
    if (key.empty() || key != member) return fail(path_ + ": bad member name " + std::string(member));
    struct stat st {};
    auto fd = layout_->open_file("/" + key, &st);
    if (!fd) {
      // The jail's message starts with the path inside the layout.
      std::string why = fd.error().message.substr(std::min(fd.error().message.size(), key.size() + 3));
      if (why == std::strerror(ENOENT)) return fail(path_ + ": missing " + key);
      return fail(path_ + ": " + key + ": " + why);
    }
    auto file = HostFile::adopt(std::move(*fd), static_cast<std::uint64_t>(st.st_size), path_ + "/" + key);
    return BlobRange{file, 0, file->size()};
  }
  const Member* m = ENVLOCK_TRY(lookup(member));
  return BlobRange{tar_, m->offset, m->size};
}

Result<std::string> BlobStore::read(std::string_view member, std::uint64_t max_bytes) const {
  BlobRange r = ENVLOCK_TRY(find(member));
  if (r.size > max_bytes)
    return fail(path_ + ": " + std::string(member) + " is larger than " + std::to_string(max_bytes) +
                " bytes");
  std::string out(static_cast<std::size_t>(r.size), '\0');
  auto n = ENVLOCK_TRY(r.file->read_at(r.offset, out.data(), out.size()));
  if (n < out.size()) return fail(path_ + ": " + std::string(member) + ": unexpected end of file");
  return out;
}

}  // namespace envlock::scanner
