#pragma once
// Reads what the dynamic loader needs from an ELF object: class, byte order,
// machine, DT_NEEDED/SONAME/RPATH/RUNPATH/FLAGS_1 and the symbol-version
// requirements and definitions.
//
// Container images keep only the first kElfPrefixBytes of an ELF file, and
// section headers sit at the end of a file, so the reader works from the
// program headers (PT_DYNAMIC, PT_LOAD address -> offset mapping) and uses
// section headers only as a fallback when they happen to be in the buffer.
// The format itself is decoded by scanner/native/elf_file.hpp (constants in
// scanner/native/elf_format.hpp), the same code the image keeper plans with.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "scanner/native/elf_file.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

struct ElfInfo {
  int elf_class = 0;  ///< 32 or 64
  bool little_endian = true;
  std::uint16_t machine = 0;
  std::uint16_t type = 0;  ///< ET_EXEC 2, ET_DYN 3, ...
  std::string soname;
  std::vector<std::string> needed;  ///< in DT_NEEDED order
  std::vector<std::string> rpath, runpath;  ///< split at ':', unexpanded
  std::uint64_t flags_1 = 0;
  /// Every vernaux name ("GLIBC_2.17", "GLIBCXX_3.4.30"), sorted, unique.
  std::vector<std::string> version_needs;
  /// Verdef names other than the base (soname) entry, sorted, unique.
  std::vector<std::string> version_defs;
  // Fields beyond the required contract:
  std::string interpreter;  ///< PT_INTERP, "" for libraries
  bool has_dynamic = false;  ///< false for a static executable
  /// vn_file -> the version names needed from it ("libc.so.6" -> {"GLIBC_2.17"}).
  std::map<std::string, std::vector<std::string>> version_needs_by_file;
};

/// Parses an ELF object (or a prefix of one). Fails with
/// "<name_for_errors>: <problem>" for anything malformed or for dynamic data
/// that lies beyond the buffer; never reads outside `bytes`.
Result<ElfInfo> read_elf(std::string_view bytes, std::string_view name_for_errors);

/// The same over a prefix of the file plus a window of it at `window_offset`
/// (the PT_DYNAMIC bytes of an object whose dynamic table lies beyond the
/// prefix, as in libraries with megabytes of code).
Result<ElfInfo> read_elf(std::string_view prefix, std::uint64_t window_offset, std::string_view window,
                         std::string_view name_for_errors);

struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

/// Where PT_DYNAMIC lies in the file, from the program headers among the
/// first bytes (they sit right after the ELF header); nullopt when there is
/// none or the headers are not in `first_bytes`. An image reader that keeps
/// only a prefix of ELF files must keep this range too.
std::optional<ByteRange> elf_dynamic_range(std::string_view first_bytes);

struct SectionSearch {
  /// The section header table and its name table were read and well formed:
  /// no `range` then means the file has no such section.
  bool headers_read = false;
  /// Where the section's bytes lie in the file; nullopt when it has none.
  std::optional<ByteRange> range;
};

/// Looks up the section named `name` (".rodata", ".comment") in the section
/// header table and its name table, read through fs.read_at: they sit at the
/// end of a file, apart from anything read_elf looks at. The headers are not
/// read when the file has none, an image kept only what read_elf needs, or
/// they are malformed. Every offset is checked against what was read; the
/// size of the range found is the caller's to bound.
SectionSearch find_elf_section(const FileSystem& fs, std::string_view path, std::string_view name);

/// Reads the prefix of `path` through `fs` and parses it. Starts with a small
/// prefix and only asks for kElfPrefixBytes when the dynamic data lies beyond
/// it, so scanning hundreds of large libraries stays cheap; when PT_DYNAMIC
/// lies beyond even that, reads just the dynamic table (FileSystem::read_at).
/// Errors name `path`.
Result<ElfInfo> read_elf_file(const FileSystem& fs, std::string_view path);

/// uname-style architecture name for an e_machine ("x86_64", "aarch64"); ""
/// for machines envlock does not know.
std::string machine_name(std::uint16_t machine, int elf_class, bool little_endian);

}  // namespace envlock::scanner
