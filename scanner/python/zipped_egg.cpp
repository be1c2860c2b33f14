#include "scanner/python/zipped_egg.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "scanner/image/archive_library.hpp"

namespace envlock::scanner {

namespace {

// Bytes asked of the filesystem per read: the central directory and the few
// members read are small, and each read of a live file is an open and a pread.
constexpr std::uint64_t kWindow = 256u << 10;
// Extension module names kept for the diagnostic; the count is exact.
constexpr std::size_t kNativeNamesKept = 16;

struct ArchiveCloser {
  const ArchiveLibrary* la;
  void operator()(archive* a) const { la->read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

// The archive's bytes, pulled through FileSystem::read_at so that a root is
// read inside its jail and an image from what it kept.
struct Source {
  const ArchiveLibrary* la = nullptr;
  const FileSystem* fs = nullptr;
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  std::string window;
};

la_ssize_t source_read(archive* a, void* client, const void** buffer) {
  auto* s = static_cast<Source*>(client);
  if (s->offset >= s->size) return 0;
  auto chunk = s->fs->read_at(s->path, s->offset, std::min(kWindow, s->size - s->offset));
  if (!chunk) {
    s->la->set_error(a, EIO, "%s", chunk.error().message.c_str());
    return -1;
  }
  if (chunk->empty()) return 0;  // shrank since stat
  s->window = std::move(*chunk);
  s->offset += s->window.size();
  *buffer = s->window.data();
  return static_cast<la_ssize_t>(s->window.size());
}

la_int64_t source_seek(archive*, void* client, la_int64_t offset, int whence) {
  auto* s = static_cast<Source*>(client);
  const auto size = static_cast<la_int64_t>(s->size);
  la_int64_t base = 0;
  if (whence == SEEK_CUR) base = static_cast<la_int64_t>(s->offset);
  if (whence == SEEK_END) base = size;
  // Both are within [0, 1 GiB] and offset comes from libarchive's own
  // arithmetic on the archive's fields: clamp rather than trust it.
  if (offset < -size || offset > size) return ARCHIVE_FATAL;
  const la_int64_t to = base + offset;
  if (to < 0) return ARCHIVE_FATAL;
  s->offset = static_cast<std::uint64_t>(std::min(to, size));
  return static_cast<la_int64_t>(s->offset);
}

la_int64_t source_skip(archive*, void* client, la_int64_t request) {
  auto* s = static_cast<Source*>(client);
  if (request <= 0) return 0;
  const std::uint64_t step =
      std::min(static_cast<std::uint64_t>(request), s->size - std::min(s->offset, s->size));
  s->offset += step;
  return static_cast<la_int64_t>(step);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class ZipReader {
 public:
  ZipReader(const ArchiveLibrary& la, archive* a, const std::string& path, const ZipLimits& limits)
      : la_(la), a_(a), path_(path), limits_(limits) {}

  Result<ZippedEgg> read(bool egg) {
    ZippedEgg out;
    std::size_t native_count = 0;
    std::uint64_t members = 0;
    for (;;) {
      archive_entry* entry = nullptr;
      const int r = la_.read_next_header(a_, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return fail(path_ + ": " + la_.message(a_));
      if (++members > limits_.max_members) {
        return fail(path_ + ": more than " + std::to_string(limits_.max_members) + " members");
      }
      const char* raw = la_.entry_pathname(entry);
      if (raw == nullptr) raw = la_.entry_pathname_utf8(entry);
      if (raw == nullptr) continue;
      const std::string_view name = raw;
      const std::string top = lower(name.substr(0, name.find('/')));
      if (top == "egg-info") out.has_egg_info = true;
      if ((top.ends_with(".dist-info") || top.ends_with(".egg-info")) &&
          std::find(out.other_metadata.begin(), out.other_metadata.end(), top) ==
              out.other_metadata.end() &&
          out.other_metadata.size() < kNativeNamesKept) {
        out.other_metadata.emplace_back(name.substr(0, name.find('/')));
      }
      if (name.ends_with(".so")) {
        if (++native_count <= kNativeNamesKept) out.native.emplace_back(name);
      }
      if (!egg) continue;
      // zipfile finds a member by its exact name; a later one of the same
      // name replaces an earlier one.
      if (name == "EGG-INFO/PKG-INFO") out.pkg_info = ENVLOCK_TRY(member(name));
      if (name == "EGG-INFO/requires.txt") out.requires_txt = ENVLOCK_TRY(member(name));
    }
    if (native_count > out.native.size()) {
      out.native.push_back("... " + std::to_string(native_count - out.native.size()) + " more");
    }
    return out;
  }

 private:
  // The current member's content, at most max_member_bytes uncompressed
  // (a small compressed member may claim or inflate to anything).
  Result<std::string> member(std::string_view name) {
    std::string data;
    for (;;) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      const int r = la_.read_data_block(a_, &block, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return fail(path_ + ": " + std::string(name) + ": " + la_.message(a_));
      if (offset < 0 || static_cast<std::uint64_t>(offset) != data.size()) {
        return fail(path_ + ": " + std::string(name) + ": data out of order");
      }
      if (size > limits_.max_member_bytes - data.size()) {
        return fail(path_ + ": " + std::string(name) + ": larger than the " +
                    std::to_string(limits_.max_member_bytes) + "-byte limit");
      }
      data.append(static_cast<const char*>(block), size);
    }
    return data;
  }

  const ArchiveLibrary& la_;
  archive* a_;
  const std::string& path_;
  const ZipLimits& limits_;
};

}  // namespace

Result<ZippedEgg> read_zipped_egg(const FileSystem& fs, const std::string& path, bool egg,
                                  const ZipLimits& limits) {
  const FileStat st = ENVLOCK_TRY(fs.stat(path));
  if (st.type != FileType::kRegular) return fail(path + ": not a regular file");
  if (st.size > limits.max_archive_bytes) {
    return fail(path + ": larger than the " + std::to_string(limits.max_archive_bytes) +
                "-byte limit for a zip archive on sys.path");
  }
  const ArchiveLibrary* la = ENVLOCK_TRY(archive_library());
  ArchivePtr a(la->read_new(), ArchiveCloser{la});
  if (!a) return fail(path + ": cannot start libarchive");
  Source source{la, &fs, path, st.size, 0, {}};
  // The central directory only, as Python's zipfile reads an archive: the
  // streaming reader would trust local headers Python never looks at.
  la->read_support_filter_none(a.get());
  la->read_support_format_zip_seekable(a.get());
  la->read_set_read_callback(a.get(), source_read);
  la->read_set_seek_callback(a.get(), source_seek);
  la->read_set_skip_callback(a.get(), source_skip);
  la->read_set_callback_data(a.get(), &source);
  if (la->read_open1(a.get()) != ARCHIVE_OK) return fail(path + ": " + la->message(a.get()));
  return ZipReader(*la, a.get(), path, limits).read(egg);
}

}  // namespace envlock::scanner
