#include "scanner/cache/cached_filesystem.hpp"

#include "scanner/cache/file_hasher.hpp"

namespace envlock::scanner {

Result<std::string> CachedFileSystem::sha256(std::string_view path) const {
  auto digest = ENVLOCK_TRY(hash_file(inner_, {std::string(path), ""}, &cache_));
  return std::move(digest.sha256);
}

}  // namespace envlock::scanner
