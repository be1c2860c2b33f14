#include "scanner/fs/filesystem.hpp"

#include <algorithm>
#include <cstdint>

#include "base/sha256.hpp"

namespace envlock::scanner {

Result<std::string> FileSystem::sha256(std::string_view path) const {
  Sha256 hash;
  auto done = read_chunks(path, [&](const char* data, std::size_t size) { hash.update(data, size); });
  if (!done) return tl::unexpected(done.error());
  return hash.hex_final();
}

Result<HeadAndDigest> FileSystem::head_and_sha256(std::string_view path, std::uint64_t head_bytes) const {
  HeadAndDigest out;
  Sha256 hash;
  auto done = read_chunks(path, [&](const char* data, std::size_t size) {
    std::size_t used = 0;
    if (out.head.size() < head_bytes) {
      used = static_cast<std::size_t>(std::min<std::uint64_t>(size, head_bytes - out.head.size()));
      out.head.append(data, used);
    }
    hash.update(data + used, size - used);
  });
  if (!done) return tl::unexpected(done.error());
  out.sha256 = hash.hex_final();
  return out;
}

Result<std::string> FileSystem::read_at(std::string_view path, std::uint64_t offset,
                                        std::uint64_t size) const {
  std::string window;
  std::uint64_t at = 0;
  const std::uint64_t end = size > UINT64_MAX - offset ? UINT64_MAX : offset + size;
  auto done = read_chunks(path, [&](const char* data, std::size_t n) {
    std::uint64_t begin = std::max(at, offset), stop = std::min(at + n, end);
    if (begin < stop) window.append(data + (begin - at), stop - begin);
    at += n;
  });
  if (!done) return tl::unexpected(done.error());
  return window;
}

Result<std::string> FileSystem::read_beneath(std::string_view base, std::string_view path,
                                             std::uint64_t max_bytes) const {
  const std::string real_base = ENVLOCK_TRY(realpath(base));
  const std::string real = ENVLOCK_TRY(realpath(path));
  const bool inside = real_base == "/" || (real.starts_with(real_base) && real.size() > real_base.size() &&
                                           real[real_base.size()] == '/');
  if (!inside) return fail(normalize_path(path) + ": leaves " + normalize_path(base));
  return read(path, max_bytes);
}

bool FileSystem::is_dir(std::string_view path) const {
  auto st = stat(path);
  return st && st->type == FileType::kDirectory;
}

bool FileSystem::is_file(std::string_view path) const {
  auto st = stat(path);
  return st && st->type == FileType::kRegular;
}

bool is_pseudo_path(std::string_view path) {
  for (std::string_view dir : {"/proc", "/sys", "/dev"}) {
    if (path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace envlock::scanner
