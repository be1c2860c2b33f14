#pragma once
// The dynamic loader's cache (/etc/ld.so.cache) of the *target*: ld.so looks
// a library up there before the default directories, and never reads
// ld.so.conf itself, so a stale cache is what production really uses.
//
// Three layouts exist: the old "ld.so-1.7.0" table, the new
// "glibc-ld.so.cache1.1" table (glibc >= 2.32 writes only this one), and the
// compat file that holds an old table followed by a new one.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace envlock::scanner {

/// Low byte of LdCacheEntry::flags: the kind of library.
inline constexpr std::uint32_t kLdCacheTypeMask = 0x00ff;
inline constexpr std::uint32_t kLdCacheElf = 0x0001;
inline constexpr std::uint32_t kLdCacheElfLibc6 = 0x0003;
/// Second byte: the ABI an entry needs (64-bit variants and the like).
inline constexpr std::uint32_t kLdCacheArchMask = 0xff00;
inline constexpr std::uint32_t kLdCacheX8664Lib64 = 0x0300;
inline constexpr std::uint32_t kLdCacheX8664Libx32 = 0x0800;
inline constexpr std::uint32_t kLdCacheAarch64Lib64 = 0x0a00;

struct LdCacheEntry {
  std::string soname;
  std::string path;
  std::uint32_t flags = 0;  ///< type and arch bits, as ldconfig wrote them
  // Beyond the required contract:
  std::uint64_t hwcap = 0;  ///< new layout only; non-zero for glibc-hwcaps subdirectory entries
};

/// Parses the cache in file order (ld.so's order of preference). When the
/// file holds both tables, the new one is returned, as glibc does. Fails with
/// "<name>: <problem>" for a bad magic, a table beyond the end, or a string
/// offset outside the file; never reads outside `bytes`.
Result<std::vector<LdCacheEntry>> parse_ld_cache(std::string_view bytes, std::string_view name);

}  // namespace envlock::scanner
