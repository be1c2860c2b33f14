#pragma once
// The ELF constants and record layouts envlock reads, in one place (the
// System V gABI and the GNU symbol-versioning extension). Offsets are byte
// offsets inside a record; records are never overlaid on the bytes
// (scanner/native/elf_file.hpp decodes them field by field, bounds-checked).

#include <cstdint>
#include <string_view>

namespace envlock::scanner {

// e_ident: the first 16 bytes, the same for every class and byte order.
inline constexpr std::string_view kElfMagic = "\177ELF";
inline constexpr std::uint64_t kElfIdentBytes = 16;
inline constexpr std::uint64_t kEiClass = 4;
inline constexpr std::uint64_t kEiData = 5;
inline constexpr std::uint8_t kElfClass32 = 1;
inline constexpr std::uint8_t kElfClass64 = 2;
inline constexpr std::uint8_t kElfData2Lsb = 1;
inline constexpr std::uint8_t kElfData2Msb = 2;

// The ELF header: e_type and e_machine sit at the same place in both classes.
inline constexpr std::uint64_t kEhdr32Bytes = 52;
inline constexpr std::uint64_t kEhdr64Bytes = 64;
inline constexpr std::uint64_t kEhdrType = 16;
inline constexpr std::uint64_t kEhdrMachine = 18;

/// e_machine values the resolver and probes care about.
inline constexpr std::uint16_t kEm386 = 3;
inline constexpr std::uint16_t kEmArm = 40;
inline constexpr std::uint16_t kEmX86_64 = 62;
inline constexpr std::uint16_t kEmAarch64 = 183;
inline constexpr std::uint16_t kEmPpc64 = 21;
inline constexpr std::uint16_t kEmS390 = 22;
inline constexpr std::uint16_t kEmRiscv = 243;

// Program headers.
inline constexpr std::uint64_t kPhdr32Bytes = 32;
inline constexpr std::uint64_t kPhdr64Bytes = 56;
/// e_phnum value meaning "the count is in section header 0" (sh_info).
inline constexpr std::uint16_t kPnXnum = 0xffff;
inline constexpr std::uint32_t kPtLoad = 1;
inline constexpr std::uint32_t kPtDynamic = 2;
inline constexpr std::uint32_t kPtInterp = 3;
inline constexpr std::uint32_t kPtNote = 4;
inline constexpr std::uint32_t kPtGnuProperty = 0x6474e553;
inline constexpr std::uint32_t kPfX = 1;

// Section headers.
inline constexpr std::uint64_t kShdr32Bytes = 40;
inline constexpr std::uint64_t kShdr64Bytes = 64;
inline constexpr std::uint32_t kShtNull = 0;
inline constexpr std::uint32_t kShtDynamic = 6;
inline constexpr std::uint32_t kShtNobits = 8;

// Dynamic table tags (d_tag is signed).
inline constexpr std::int64_t kDtNull = 0;
inline constexpr std::int64_t kDtNeeded = 1;
inline constexpr std::int64_t kDtStrtab = 5;
inline constexpr std::int64_t kDtStrsz = 10;
inline constexpr std::int64_t kDtSoname = 14;
inline constexpr std::int64_t kDtRpath = 15;
inline constexpr std::int64_t kDtRunpath = 29;
inline constexpr std::int64_t kDtFlags1 = 0x6ffffffb;
inline constexpr std::int64_t kDtVerdef = 0x6ffffffc;
inline constexpr std::int64_t kDtVerdefnum = 0x6ffffffd;
inline constexpr std::int64_t kDtVerneed = 0x6ffffffe;
inline constexpr std::int64_t kDtVerneednum = 0x6fffffff;

/// DF_1_NODEFLIB: the loader skips ld.so.cache and the default directories.
inline constexpr std::uint64_t kDf1Nodeflib = 0x800;

// Symbol-version records (the same layout in both classes).
inline constexpr std::uint64_t kVerneedBytes = 16;
inline constexpr std::uint64_t kVernauxBytes = 16;
inline constexpr std::uint64_t kVerdefBytes = 20;
inline constexpr std::uint64_t kVerdauxNameBytes = 4;  ///< vda_name, the part of a verdaux read
inline constexpr std::uint16_t kVerFlgBase = 1;

}  // namespace envlock::scanner
