#pragma once
// One decoder of the ELF format over "bytes at offset": the live reader
// (elf_reader, a prefix of the file plus a window further in), the image
// keeper (elf_keeper, the pieces kept while a layer streams) and the library
// resolver (the first bytes of a candidate) all decode identification,
// header, program headers, dynamic entries and version tables here, so what
// the keeper keeps is what the reader reads by construction.
//
// Every input byte is hostile: each read is bounds-checked against what the
// source holds and assembled byte by byte in the file's byte order; no record
// is ever overlaid on the bytes. A read outside the source returns 0 and
// latches ElfBytes::bad, so a caller decodes a whole record and checks once.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "scanner/native/elf_format.hpp"

namespace envlock::scanner {

/// The most bytes from the start of an ELF object the reader ever needs for
/// its headers and dynamic section (an image keeps this prefix of each one).
inline constexpr std::uint64_t kElfPrefixBytes = 4ull << 20;

/// e_ident: the magic, the class and the byte order. Decoded without judging
/// them; callers decide what an unknown class or encoding means to them.
struct ElfIdent {
  bool magic = false;           ///< starts with kElfMagic
  std::uint8_t file_class = 0;  ///< EI_CLASS, 0 when the bytes end before it
  std::uint8_t data = 0;        ///< EI_DATA, 0 when the bytes end before it

  bool known_class() const { return file_class == kElfClass32 || file_class == kElfClass64; }
  bool known_data() const { return data == kElfData2Lsb || data == kElfData2Msb; }
  bool is64() const { return file_class == kElfClass64; }
  /// Anything but ELFDATA2MSB reads as little-endian.
  bool little_endian() const { return data != kElfData2Msb; }
  /// 32, 64, or 0 for an unknown class.
  int bits() const { return file_class == kElfClass64 ? 64 : file_class == kElfClass32 ? 32 : 0; }
  /// Size of the ELF header of this class.
  std::uint64_t header_bytes() const { return is64() ? kEhdr64Bytes : kEhdr32Bytes; }
};

/// Decodes e_ident from the first bytes of a file (any length).
ElfIdent decode_ident(std::string_view first_bytes);

/// True when the bytes start with the ELF magic.
bool looks_like_elf(std::string_view first_bytes);

/// Bytes at offsets of a file, as far as a reader holds them.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// The bytes held from `offset` to the end of the stretch holding it;
  /// empty when `offset` is not held.
  virtual std::string_view from(std::uint64_t offset) const = 0;
  /// How many bytes from offset 0 on are held without a gap: what error
  /// messages call "the first N bytes".
  virtual std::uint64_t size() const = 0;
};

/// A prefix of a file plus, optionally, one window further in (the PT_DYNAMIC
/// bytes of an object whose dynamic table lies beyond the prefix).
class PrefixWindow final : public ByteSource {
 public:
  explicit PrefixWindow(std::string_view prefix, std::uint64_t window_offset = 0,
                        std::string_view window = {})
      : prefix_(prefix), window_offset_(window_offset), window_(window) {}
  std::string_view from(std::uint64_t offset) const override;
  std::uint64_t size() const override { return prefix_.size(); }

 private:
  std::string_view prefix_;
  std::uint64_t window_offset_;
  std::string_view window_;
};

/// Integer reads in the file's byte order and class over a ByteSource.
class ElfBytes {
 public:
  ElfBytes(const ByteSource& source, const ElfIdent& ident)
      : source_(source), is64_(ident.is64()), little_(ident.little_endian()) {}

  bool is64() const { return is64_; }
  std::uint64_t size() const { return source_.size(); }
  std::string_view from(std::uint64_t offset) const { return source_.from(offset); }
  /// `len` bytes at `offset` are held; an empty range is held up to the end
  /// of the first bytes and wherever a stretch is.
  bool has(std::uint64_t offset, std::uint64_t len) const;

  std::uint64_t uint(std::uint64_t offset, unsigned width) const;
  std::uint16_t u16(std::uint64_t offset) const {
    return static_cast<std::uint16_t>(uint(offset, 2));
  }
  std::uint32_t u32(std::uint64_t offset) const {
    return static_cast<std::uint32_t>(uint(offset, 4));
  }
  std::uint64_t u64(std::uint64_t offset) const { return uint(offset, 8); }
  /// An address-sized field: 8 bytes in ELFCLASS64, 4 in ELFCLASS32.
  std::uint64_t word(std::uint64_t offset) const { return is64_ ? u64(offset) : u32(offset); }

  /// Set by any read outside the source; cleared only by the caller.
  mutable bool bad = false;

 private:
  const ByteSource& source_;
  bool is64_;
  bool little_;
};

/// The ELF header fields after e_ident, as stored.
struct ElfHeader {
  std::uint16_t type = 0;
  std::uint16_t machine = 0;
  std::uint64_t phoff = 0;
  std::uint64_t shoff = 0;
  std::uint16_t phentsize = 0;
  std::uint64_t phnum = 0;
  std::uint16_t shentsize = 0;
  std::uint64_t shnum = 0;
  std::uint16_t shstrndx = 0;
};
/// Reads the ELF header (kEhdr32Bytes or kEhdr64Bytes from offset 0).
ElfHeader read_elf_header(const ElfBytes& b);

/// The smallest program and section header entries of the class.
std::uint64_t min_phentsize(const ElfBytes& b);
std::uint64_t min_shentsize(const ElfBytes& b);

struct ProgramHeader {
  std::uint32_t type = 0;
  std::uint32_t flags = 0;
  std::uint64_t offset = 0;
  std::uint64_t vaddr = 0;
  std::uint64_t filesz = 0;
};
/// Reads the program header at file offset `at`.
ProgramHeader read_program_header(const ElfBytes& b, std::uint64_t at);

/// The file offset of address `addr` in the first PT_LOAD entry of
/// `segments` that maps it; nullopt when none does.
std::optional<std::uint64_t> load_address_to_offset(const std::vector<ProgramHeader>& segments,
                                                    std::uint64_t addr);

struct SectionHeader {
  std::uint32_t name = 0;
  std::uint32_t type = 0;
  std::uint64_t addr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
};
/// Reads the section header at file offset `at`.
SectionHeader read_section_header(const ElfBytes& b, std::uint64_t at);
/// Section header 0's sh_info and sh_size, where e_phnum (kPnXnum) and
/// e_shnum (0) keep counts too large for the ELF header.
std::uint64_t section0_info(const ElfBytes& b, std::uint64_t shoff);
std::uint64_t section0_size(const ElfBytes& b, std::uint64_t shoff);

/// Size of one dynamic table entry of the class.
std::uint64_t dynamic_entry_bytes(const ElfBytes& b);

/// The dynamic tags the reader and the keeper use; string and address values
/// are still raw (string table offsets, virtual addresses).
struct DynamicTags {
  std::vector<std::uint64_t> needed;  ///< in DT_NEEDED order
  std::optional<std::uint64_t> soname, rpath, runpath, strtab, strsz, verneed, verdef;
  std::uint64_t verneednum = 0, verdefnum = 0, flags_1 = 0;
};
/// Reads the dynamic table of `size` bytes at `offset` up to DT_NULL. Fails
/// with "<name>: dynamic section beyond the first N bytes" on a read outside
/// the source and "<name>: too many DT_NEEDED entries" past 4096 of them.
Result<DynamicTags> read_dynamic_tags(const ElfBytes& b, std::uint64_t offset, std::uint64_t size,
                                      std::string_view name);

/// What a walk over the symbol-version tables meets. Every callback may be
/// left empty; a failing one ends the walk with its error.
struct VersionVisitor {
  /// Each record range, before the walk reads from it: the image keeper
  /// keeps exactly these.
  std::function<void(std::uint64_t offset, std::uint64_t size)> record;
  /// vn_file of each Verneed, then vna_name of each of its Vernaux.
  std::function<Result<void>(std::uint32_t file)> need_file;
  std::function<Result<void>(std::uint32_t name)> need_name;
  /// vda_name of the first Verdaux of each Verdef that is not the base one.
  std::function<Result<void>(std::uint32_t name)> definition;
};

/// Walks the Verneed chain at file offset `offset` (`count` records, or up to
/// vn_next 0 when `count` is 0). Fails with "<name>: version needs at 0x..
/// beyond the first N bytes", "... version need entry at 0x.. beyond ...",
/// "unsupported verneed version V" or "too many version entries" (2^16).
Result<void> walk_version_needs(const ElfBytes& b, std::uint64_t offset, std::uint64_t count,
                                const VersionVisitor& visit, std::string_view name);

/// Walks the Verdef chain the same way. Fails with "<name>: version
/// definitions at 0x.. beyond the first N bytes", "unsupported verdef version
/// V" or "too many version entries".
Result<void> walk_version_defs(const ElfBytes& b, std::uint64_t offset, std::uint64_t count,
                               const VersionVisitor& visit, std::string_view name);

/// "0x" and lower-case hex digits, as the ELF error messages print offsets.
std::string elf_hex(std::uint64_t v);

}  // namespace envlock::scanner
