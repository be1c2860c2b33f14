#include "scanner/native/elf_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "scanner/support/synthetic_elf.hpp"

namespace envlock::scanner {
namespace {

using native_test::build_elf;
using native_test::SynthSpec;
using native_test::SynthWriter;

ElfIdent ident(bool is64, bool little) {
  ElfIdent id;
  id.magic = true;
  id.file_class = is64 ? kElfClass64 : kElfClass32;
  id.data = little ? kElfData2Lsb : kElfData2Msb;
  return id;
}

TEST(ElfFile, DecodesTheIdentification) {
  const std::string elf = build_elf(SynthSpec{});
  const ElfIdent id = decode_ident(elf);
  EXPECT_TRUE(id.magic);
  EXPECT_TRUE(id.known_class());
  EXPECT_TRUE(id.known_data());
  EXPECT_TRUE(id.is64());
  EXPECT_TRUE(id.little_endian());
  EXPECT_EQ(id.bits(), 64);
  EXPECT_EQ(id.header_bytes(), kEhdr64Bytes);

  SynthSpec be32;
  be32.is64 = false;
  be32.little = false;
  const ElfIdent id32 = decode_ident(build_elf(be32));
  EXPECT_EQ(id32.bits(), 32);
  EXPECT_FALSE(id32.little_endian());
  EXPECT_EQ(id32.header_bytes(), kEhdr32Bytes);
}

TEST(ElfFile, IdentificationOfTruncatedOrForeignBytes) {
  EXPECT_FALSE(decode_ident("").magic);
  EXPECT_FALSE(decode_ident("\177EL").magic);
  EXPECT_FALSE(looks_like_elf("MZ\x90\x00"));
  const ElfIdent magic_only = decode_ident("\177ELF");
  EXPECT_TRUE(magic_only.magic);
  EXPECT_EQ(magic_only.file_class, 0);
  EXPECT_FALSE(magic_only.known_class());
  EXPECT_EQ(magic_only.bits(), 0);
  const ElfIdent wrong_class = decode_ident(std::string("\177ELF\x03\x01", 6));
  EXPECT_EQ(wrong_class.file_class, 3);
  EXPECT_FALSE(wrong_class.known_class());
  EXPECT_TRUE(wrong_class.known_data());
  const ElfIdent wrong_data = decode_ident(std::string("\177ELF\x02\x07", 6));
  EXPECT_FALSE(wrong_data.known_data());
  EXPECT_TRUE(wrong_data.little_endian());  // anything but ELFDATA2MSB
}

TEST(ElfFile, PrefixWindowServesBothStretchesAndNothingBetween) {
  const PrefixWindow source("abcd", 100, "wxyz");
  EXPECT_EQ(source.size(), 4u);
  EXPECT_EQ(source.from(1), "bcd");
  EXPECT_EQ(source.from(4), "");
  EXPECT_EQ(source.from(99), "");
  EXPECT_EQ(source.from(102), "yz");
  EXPECT_EQ(source.from(104), "");
  EXPECT_EQ(source.from(~std::uint64_t{0}), "");
}

TEST(ElfFile, ReadsInTheFilesByteOrderAndLatchesOutOfRangeReads) {
  const std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  const PrefixWindow source(bytes);
  const ElfBytes le(source, ident(true, true));
  EXPECT_EQ(le.u16(0), 0x0201);
  EXPECT_EQ(le.u32(0), 0x04030201u);
  EXPECT_EQ(le.u64(0), 0x0807060504030201u);
  EXPECT_EQ(le.word(0), 0x0807060504030201u);
  EXPECT_FALSE(le.bad);
  const ElfBytes be(source, ident(false, false));
  EXPECT_EQ(be.u16(0), 0x0102);
  EXPECT_EQ(be.word(4), 0x05060708u);  // 4 bytes in ELFCLASS32
  EXPECT_FALSE(be.bad);
  EXPECT_EQ(be.u32(6), 0u);  // straddles the end
  EXPECT_TRUE(be.bad);
  const ElfBytes far(source, ident(true, true));
  EXPECT_EQ(far.u64(~std::uint64_t{0} - 3), 0u);  // an offset near 2^64 never wraps
  EXPECT_TRUE(far.bad);
}

TEST(ElfFile, ReadsThatStraddleThePrefixAndTheWindowFail) {
  const PrefixWindow source("ab", 2, "cd");
  const ElfBytes b(source, ident(true, true));
  EXPECT_EQ(b.u16(2), 0x6463);
  EXPECT_FALSE(b.bad);
  EXPECT_EQ(b.u32(0), 0u);
  EXPECT_TRUE(b.bad);
  EXPECT_TRUE(b.has(2, 0));
  EXPECT_TRUE(b.has(3, 1));
  EXPECT_FALSE(b.has(1, 2));
  EXPECT_FALSE(b.has(5, 0));
}

TEST(ElfFile, HeaderAndProgramHeadersOfBothClassesAndByteOrders) {
  for (bool is64 : {true, false}) {
    for (bool little : {true, false}) {
      SynthSpec spec;
      spec.is64 = is64;
      spec.little = little;
      spec.machine = 183;
      spec.needed = {"libc.so.6"};
      const std::string elf = build_elf(spec);
      const PrefixWindow source(elf);
      const ElfBytes b(source, decode_ident(elf));
      const ElfHeader h = read_elf_header(b);
      ASSERT_FALSE(b.bad);
      EXPECT_EQ(h.machine, 183);
      ASSERT_GE(h.phentsize, min_phentsize(b));
      std::vector<ProgramHeader> segments;
      for (std::uint64_t i = 0; i < h.phnum; ++i)
        segments.push_back(read_program_header(b, h.phoff + i * h.phentsize));
      ASSERT_FALSE(b.bad);
      int dynamic = 0;
      for (const auto& s : segments) dynamic += s.type == kPtDynamic;
      EXPECT_EQ(dynamic, 1) << is64 << little;
    }
  }
}

TEST(ElfFile, TruncatedHeaderIsABadRead) {
  const std::string elf = build_elf(SynthSpec{});
  const std::string head = elf.substr(0, 40);
  const PrefixWindow source(head);
  const ElfBytes b(source, decode_ident(head));
  read_elf_header(b);
  EXPECT_TRUE(b.bad);
}

TEST(ElfFile, ProgramHeaderPastTheEndIsABadRead) {
  const std::string elf = build_elf(SynthSpec{});
  const PrefixWindow source(elf);
  const ElfBytes b(source, decode_ident(elf));
  read_program_header(b, elf.size() - 8);
  EXPECT_TRUE(b.bad);
}

TEST(ElfFile, AddressesMapThroughLoadSegmentsOnly) {
  std::vector<ProgramHeader> segments{
      {kPtDynamic, 0, 0x9000, 0x1000, 0x100},
      {kPtLoad, 0, 0x2000, 0x1000, 0x100},
  };
  EXPECT_EQ(load_address_to_offset(segments, 0x1010), 0x2010u);
  EXPECT_EQ(load_address_to_offset(segments, 0x1100), std::nullopt);
  EXPECT_EQ(load_address_to_offset(segments, 0xfff), std::nullopt);
  EXPECT_EQ(load_address_to_offset({}, 0x1010), std::nullopt);
}

TEST(ElfFile, SectionHeadersAndTheExtendedCountsInSectionZero) {
  for (bool is64 : {true, false}) {
    SynthWriter w(true);
    const std::uint64_t at = 8;
    w.put(at, 11, 4);  // sh_name
    w.put(at + 4, kShtDynamic, 4);
    if (is64) {
      w.put(at + 16, 0x4000, 8);
      w.put(at + 24, 0x3000, 8);
      w.put(at + 32, 0x200, 8);
      w.put(at + 40, 5, 4);
      w.put(at + 44, 70000, 4);
      w.put(at + 60, 0, 4);
    } else {
      w.put(at + 12, 0x4000, 4);
      w.put(at + 16, 0x3000, 4);
      w.put(at + 20, 0x200, 4);
      w.put(at + 24, 5, 4);
      w.put(at + 28, 70000, 4);
      w.put(at + 36, 0, 4);
    }
    const PrefixWindow source(w.bytes);
    const ElfBytes b(source, ident(is64, true));
    const SectionHeader s = read_section_header(b, at);
    EXPECT_EQ(s.name, 11u);
    EXPECT_EQ(s.type, kShtDynamic);
    EXPECT_EQ(s.addr, 0x4000u);
    EXPECT_EQ(s.offset, 0x3000u);
    EXPECT_EQ(s.size, 0x200u);
    EXPECT_EQ(s.link, 5u);
    EXPECT_EQ(section0_info(b, at), 70000u);
    EXPECT_EQ(section0_size(b, at), 0x200u);
    EXPECT_FALSE(b.bad);
    read_section_header(b, w.bytes.size() - 4);
    EXPECT_TRUE(b.bad);
  }
}

std::string dynamic_table(bool is64,
                          const std::vector<std::pair<std::int64_t, std::uint64_t>>& entries) {
  SynthWriter w(true);
  const unsigned half = is64 ? 8 : 4;
  std::size_t at = 0;
  for (const auto& [tag, val] : entries) {
    w.put(at, static_cast<std::uint64_t>(tag), half);
    w.put(at + half, val, half);
    at += 2 * half;
  }
  return w.bytes;
}

TEST(ElfFile, DynamicTagsUpToDtNull) {
  for (bool is64 : {true, false}) {
    const std::string table = dynamic_table(is64, {{kDtNeeded, 1},
                                                   {kDtNeeded, 9},
                                                   {kDtStrtab, 0x400},
                                                   {kDtStrsz, 0x80},
                                                   {kDtSoname, 20},
                                                   {kDtFlags1, kDf1Nodeflib},
                                                   {kDtVerneed, 0x500},
                                                   {kDtVerneednum, 2},
                                                   {kDtNull, 0},
                                                   {kDtRpath, 7}});
    const PrefixWindow source(table);
    const ElfBytes b(source, ident(is64, true));
    auto tags = read_dynamic_tags(b, 0, table.size(), "x");
    ASSERT_TRUE(tags) << tags.error().message;
    EXPECT_EQ(tags->needed, (std::vector<std::uint64_t>{1, 9}));
    EXPECT_EQ(tags->strtab, 0x400u);
    EXPECT_EQ(tags->strsz, 0x80u);
    EXPECT_EQ(tags->soname, 20u);
    EXPECT_EQ(tags->flags_1, kDf1Nodeflib);
    EXPECT_EQ(tags->verneed, 0x500u);
    EXPECT_EQ(tags->verneednum, 2u);
    EXPECT_EQ(tags->rpath, std::nullopt);  // after DT_NULL
    EXPECT_EQ(dynamic_entry_bytes(b), is64 ? 16u : 8u);
  }
}

TEST(ElfFile, DynamicTableBeyondTheBytesIsAnError) {
  const std::string table = dynamic_table(true, {{kDtNeeded, 1}});
  const PrefixWindow source(table);
  const ElfBytes b(source, ident(true, true));
  auto tags = read_dynamic_tags(b, 0, 64, "lib.so");
  ASSERT_FALSE(tags);
  EXPECT_EQ(tags.error().message, "lib.so: dynamic section beyond the first 16 bytes");
  auto past = read_dynamic_tags(b, 1000, 16, "lib.so");
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().message, "lib.so: dynamic section beyond the first 16 bytes");
}

TEST(ElfFile, TooManyNeededEntriesIsAnError) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> entries(4097, {kDtNeeded, 1});
  const std::string table = dynamic_table(true, entries);
  const PrefixWindow source(table);
  const ElfBytes b(source, ident(true, true));
  auto tags = read_dynamic_tags(b, 0, table.size(), "lib.so");
  ASSERT_FALSE(tags);
  EXPECT_EQ(tags.error().message, "lib.so: too many DT_NEEDED entries");
}

// Two Verneed records at 0 and 16, each with Vernaux entries after them.
std::string version_needs() {
  SynthWriter w(true);
  auto verneed = [&](std::size_t at, unsigned cnt, unsigned file, unsigned aux, unsigned next) {
    w.put(at, 1, 2);
    w.put(at + 2, cnt, 2);
    w.put(at + 4, file, 4);
    w.put(at + 8, aux, 4);
    w.put(at + 12, next, 4);
  };
  auto vernaux = [&](std::size_t at, unsigned name, unsigned next) {
    w.put(at + 8, name, 4);
    w.put(at + 12, next, 4);
  };
  verneed(0, 2, 100, 32, 16);  // entries at 32 and 48
  verneed(16, 1, 200, 48, 0);  // entry at 64
  vernaux(32, 101, 16);
  vernaux(48, 102, 0);
  vernaux(64, 201, 0);
  return w.bytes;
}

TEST(ElfFile, VersionNeedWalkNamesFilesAndEntriesAndEachRecordItReads) {
  const std::string bytes = version_needs();
  const PrefixWindow source(bytes);
  const ElfBytes b(source, ident(true, true));
  std::vector<std::pair<std::uint64_t, std::uint64_t>> records;
  std::vector<std::uint32_t> names;
  VersionVisitor visit;
  visit.record = [&](std::uint64_t off, std::uint64_t size) { records.emplace_back(off, size); };
  visit.need_file = [&](std::uint32_t file) -> Result<void> {
    names.push_back(file);
    return {};
  };
  visit.need_name = [&](std::uint32_t name) -> Result<void> {
    names.push_back(name);
    return {};
  };
  ASSERT_TRUE(walk_version_needs(b, 0, 2, visit, "x"));
  EXPECT_EQ(names, (std::vector<std::uint32_t>{100, 101, 102, 200, 201}));
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> want{
      {0, 16}, {32, 16}, {48, 16}, {16, 16}, {64, 16}};
  EXPECT_EQ(records, want);
}

TEST(ElfFile, VersionNeedWalkStopsAtTheCallbacksError) {
  const std::string bytes = version_needs();
  const PrefixWindow source(bytes);
  const ElfBytes b(source, ident(true, true));
  VersionVisitor visit;
  visit.need_name = [](std::uint32_t) -> Result<void> { return fail("x: no such string"); };
  auto walked = walk_version_needs(b, 0, 0, visit, "x");
  ASSERT_FALSE(walked);
  EXPECT_EQ(walked.error().message, "x: no such string");
}

TEST(ElfFile, VersionNeedWalkPastTheEndOrWithAnotherVersionFails) {
  const std::string bytes = version_needs();
  const PrefixWindow source(bytes);
  const ElfBytes b(source, ident(true, true));
  auto past = walk_version_needs(b, 0x1000, 0, {}, "lib.so");
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().message, "lib.so: version needs at 0x1000 beyond the first 80 bytes");
  const ElfBytes b2(source, ident(true, true));
  auto entry = walk_version_needs(b2, 0, 0, {}, "lib.so");  // entry at 64 ends at 80: fine
  EXPECT_TRUE(entry);
  std::string cut = bytes.substr(0, 70);
  const PrefixWindow cut_source(cut);
  const ElfBytes b3(cut_source, ident(true, true));
  auto short_entry = walk_version_needs(b3, 0, 0, {}, "lib.so");
  ASSERT_FALSE(short_entry);
  EXPECT_EQ(short_entry.error().message,
            "lib.so: version need entry at 0x40 beyond the first 70 bytes");
  std::string v2 = bytes;
  v2[16] = 2;
  const PrefixWindow v2_source(v2);
  const ElfBytes b4(v2_source, ident(true, true));
  auto version = walk_version_needs(b4, 0, 0, {}, "lib.so");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().message, "lib.so: unsupported verneed version 2");
}

TEST(ElfFile, VersionNeedWalkBoundsTheEntries) {
  // One Verneed whose 65535 Vernaux entries run on, then a second one.
  SynthWriter w(true);
  const std::uint64_t count = 0xffff;
  w.put(0, 1, 2);
  w.put(2, count, 2);
  w.put(8, 32, 4);
  w.put(12, 16, 4);
  w.put(16, 1, 2);
  w.put(18, 2, 2);
  w.put(24, 32, 4);
  for (std::uint64_t i = 0; i < count; ++i) w.put(32 + i * 16 + 12, 16, 4);
  const PrefixWindow source(w.bytes);
  const ElfBytes b(source, ident(true, true));
  auto walked = walk_version_needs(b, 0, 0, {}, "lib.so");
  ASSERT_FALSE(walked);
  EXPECT_EQ(walked.error().message, "lib.so: too many version entries");
}

TEST(ElfFile, VersionDefinitionWalkSkipsTheBaseEntry) {
  SynthWriter w(true);
  auto verdef = [&](std::size_t at, unsigned flags, unsigned cnt, unsigned aux, unsigned next,
                    unsigned name) {
    w.put(at, 1, 2);
    w.put(at + 2, flags, 2);
    w.put(at + 6, cnt, 2);
    w.put(at + 12, aux, 4);
    w.put(at + 16, next, 4);
    w.put(at + aux, name, 4);
  };
  verdef(0, kVerFlgBase, 1, 20, 28, 10);  // the soname entry
  verdef(28, 0, 2, 20, 28, 11);
  verdef(56, 0, 0, 20, 0, 12);  // no verdaux: names nothing
  const PrefixWindow source(w.bytes);
  const ElfBytes b(source, ident(true, true));
  std::vector<std::uint32_t> names;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> records;
  VersionVisitor visit;
  visit.record = [&](std::uint64_t off, std::uint64_t size) { records.emplace_back(off, size); };
  visit.definition = [&](std::uint32_t name) -> Result<void> {
    names.push_back(name);
    return {};
  };
  ASSERT_TRUE(walk_version_defs(b, 0, 0, visit, "x"));
  EXPECT_EQ(names, (std::vector<std::uint32_t>{11}));
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> want{
      {0, 20}, {20, 4}, {28, 20}, {48, 4}, {56, 20}};
  EXPECT_EQ(records, want);

  auto past = walk_version_defs(b, 1000, 0, {}, "lib.so");
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().message, "lib.so: version definitions at 0x3e8 beyond the first " +
                                      std::to_string(w.bytes.size()) + " bytes");
  std::string v3 = w.bytes;
  v3[28] = 3;
  const PrefixWindow v3_source(v3);
  const ElfBytes b3(v3_source, ident(true, true));
  auto version = walk_version_defs(b3, 0, 0, {}, "lib.so");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().message, "lib.so: unsupported verdef version 3");
}

}  // namespace
}  // namespace envlock::scanner
