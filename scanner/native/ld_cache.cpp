#include "scanner/native/ld_cache.hpp"

namespace envlock::scanner {

namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr std::uint64_t kOldHeader = 16;   // magic[11], pad, nlibs
constexpr std::uint64_t kOldEntry = 12;    // flags, key, value
constexpr std::uint64_t kNewHeader = 48;   // magic+version[20], nlibs, len_strings, flags, pad, ext, unused[3]
constexpr std::uint64_t kNewEntry = 24;    // flags, key, value, osversion, hwcap
constexpr std::uint8_t kEndianMask = 3;
constexpr std::uint8_t kEndianBig = 3;
constexpr std::uint8_t kEndianLittle = 2;

std::uint64_t read_uint(std::string_view b, std::uint64_t off, unsigned width, bool little) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i)
    v = (v << 8) | static_cast<std::uint8_t>(b[off + (little ? width - 1 - i : i)]);
  return v;
}

struct Table {
  std::string_view bytes;
  std::string_view name;
  bool little = true;

  tl::unexpected<Error> error(const std::string& msg) const {
    return fail(std::string(name) + ": " + msg);
  }
  std::uint32_t u32(std::uint64_t off) const {
    return static_cast<std::uint32_t>(read_uint(bytes, off, 4, little));
  }
  /// A NUL-terminated string at base + off, inside the file.
  Result<std::string> str(std::uint64_t base, std::uint64_t off) const {
    std::uint64_t at = base + off;
    if (at >= bytes.size()) return error("string offset " + std::to_string(off) + " outside the file");
    auto nul = bytes.find('\0', at);
    if (nul == std::string_view::npos) return error("unterminated string at " + std::to_string(at));
    return std::string(bytes.substr(at, nul - at));
  }
};

/// The table's byte order is the writer's; guess it from which reading of
/// nlibs lets the entries fit in the file.
bool guess_little(std::string_view bytes, std::uint64_t nlibs_off, std::uint64_t table_off,
                  std::uint64_t entry_size) {
  std::uint64_t room = (bytes.size() - table_off) / entry_size;
  return read_uint(bytes, nlibs_off, 4, true) <= room || read_uint(bytes, nlibs_off, 4, false) > room;
}

Result<std::vector<LdCacheEntry>> parse_new(std::string_view bytes, std::uint64_t base,
                                            std::string_view name) {
  if (bytes.size() - base < kNewHeader) return fail(std::string(name) + ": truncated header");
  Table t{bytes, name};
  auto endian = static_cast<std::uint8_t>(bytes[base + 32]) & kEndianMask;
  if (endian == kEndianBig) t.little = false;
  else if (endian == kEndianLittle) t.little = true;
  else t.little = guess_little(bytes, base + 20, base + kNewHeader, kNewEntry);
  std::uint64_t nlibs = t.u32(base + 20);
  std::uint64_t table = base + kNewHeader;
  if (nlibs > (bytes.size() - table) / kNewEntry)
    return t.error(std::to_string(nlibs) + " entries do not fit in " + std::to_string(bytes.size()) +
                   " bytes");
  std::vector<LdCacheEntry> out;
  out.reserve(nlibs);
  for (std::uint64_t i = 0; i < nlibs; ++i) {
    std::uint64_t e = table + i * kNewEntry;
    LdCacheEntry entry;
    entry.flags = t.u32(e);
    entry.soname = ENVLOCK_TRY(t.str(base, t.u32(e + 4)));
    entry.path = ENVLOCK_TRY(t.str(base, t.u32(e + 8)));
    entry.hwcap = read_uint(bytes, e + 16, 8, t.little);
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::vector<LdCacheEntry>> parse_old(std::string_view bytes, std::string_view name) {
  if (bytes.size() < kOldHeader) return fail(std::string(name) + ": truncated header");
  Table t{bytes, name, guess_little(bytes, 12, kOldHeader, kOldEntry)};
  std::uint64_t nlibs = t.u32(12);
  if (nlibs > (bytes.size() - kOldHeader) / kOldEntry)
    return t.error(std::to_string(nlibs) + " entries do not fit in " + std::to_string(bytes.size()) +
                   " bytes");
  std::uint64_t strings = kOldHeader + nlibs * kOldEntry;
  // A compat file continues with a new table at the next 8-byte boundary.
  std::uint64_t next = (strings + 7) & ~std::uint64_t{7};
  if (next <= bytes.size() && bytes.substr(next).starts_with(kNewMagic))
    return parse_new(bytes, next, name);
  std::vector<LdCacheEntry> out;
  out.reserve(nlibs);
  for (std::uint64_t i = 0; i < nlibs; ++i) {
    std::uint64_t e = kOldHeader + i * kOldEntry;
    LdCacheEntry entry;
    entry.flags = t.u32(e);
    entry.soname = ENVLOCK_TRY(t.str(strings, t.u32(e + 4)));
    entry.path = ENVLOCK_TRY(t.str(strings, t.u32(e + 8)));
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

Result<std::vector<LdCacheEntry>> parse_ld_cache(std::string_view bytes, std::string_view name) {
  if (bytes.starts_with(kNewMagic)) return parse_new(bytes, 0, name);
  if (bytes.starts_with(kOldMagic)) return parse_old(bytes, name);
  return fail(std::string(name) + ": not an ld.so cache");
}

}  // namespace envlock::scanner
