#include "scanner/native/elf_file.hpp"

#include <charconv>

namespace envlock::scanner {

namespace {

// Hostile files may claim huge counts; real objects stay far below these.
constexpr std::size_t kMaxNeeded = 4096;
constexpr std::size_t kMaxVersionEntries = 1 << 16;

tl::unexpected<Error> elf_error(std::string_view name, const std::string& msg) {
  return fail(std::string(name) + ": " + msg);
}

std::string beyond(const ElfBytes& b) {
  return " beyond the first " + std::to_string(b.size()) + " bytes";
}

Result<void> call(const std::function<Result<void>(std::uint32_t)>& f, std::uint32_t v) {
  if (!f) return {};
  return f(v);
}

}  // namespace

ElfIdent decode_ident(std::string_view first_bytes) {
  ElfIdent id;
  id.magic = looks_like_elf(first_bytes);
  if (first_bytes.size() > kEiClass)
    id.file_class = static_cast<std::uint8_t>(first_bytes[kEiClass]);
  if (first_bytes.size() > kEiData) id.data = static_cast<std::uint8_t>(first_bytes[kEiData]);
  return id;
}

bool looks_like_elf(std::string_view first_bytes) { return first_bytes.starts_with(kElfMagic); }

std::string_view PrefixWindow::from(std::uint64_t offset) const {
  if (offset < prefix_.size()) return prefix_.substr(offset);
  if (offset >= window_offset_ && offset - window_offset_ < window_.size())
    return window_.substr(offset - window_offset_);
  return {};
}

bool ElfBytes::has(std::uint64_t offset, std::uint64_t len) const {
  if (len == 0) return offset <= source_.size() || !source_.from(offset).empty();
  return source_.from(offset).size() >= len;
}

std::uint64_t ElfBytes::uint(std::uint64_t offset, unsigned width) const {
  std::string_view at = source_.from(offset);
  if (at.size() < width) {
    bad = true;
    return 0;
  }
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) {
    auto byte = static_cast<std::uint8_t>(at[little_ ? width - 1 - i : i]);
    v = (v << 8) | byte;
  }
  return v;
}

ElfHeader read_elf_header(const ElfBytes& b) {
  const bool w = b.is64();
  ElfHeader h;
  h.type = b.u16(kEhdrType);
  h.machine = b.u16(kEhdrMachine);
  h.phoff = w ? b.u64(32) : b.u32(28);
  h.shoff = w ? b.u64(40) : b.u32(32);
  h.phentsize = b.u16(w ? 54 : 42);
  h.phnum = b.u16(w ? 56 : 44);
  h.shentsize = b.u16(w ? 58 : 46);
  h.shnum = b.u16(w ? 60 : 48);
  h.shstrndx = b.u16(w ? 62 : 50);
  return h;
}

std::uint64_t min_phentsize(const ElfBytes& b) { return b.is64() ? kPhdr64Bytes : kPhdr32Bytes; }
std::uint64_t min_shentsize(const ElfBytes& b) { return b.is64() ? kShdr64Bytes : kShdr32Bytes; }

ProgramHeader read_program_header(const ElfBytes& b, std::uint64_t at) {
  ProgramHeader p;
  p.type = b.u32(at);
  if (b.is64()) {
    p.flags = b.u32(at + 4);
    p.offset = b.u64(at + 8);
    p.vaddr = b.u64(at + 16);
    p.filesz = b.u64(at + 32);
  } else {
    p.offset = b.u32(at + 4);
    p.vaddr = b.u32(at + 8);
    p.filesz = b.u32(at + 16);
    p.flags = b.u32(at + 24);
  }
  return p;
}

std::optional<std::uint64_t> load_address_to_offset(const std::vector<ProgramHeader>& segments,
                                                    std::uint64_t addr) {
  for (const auto& s : segments) {
    if (s.type == kPtLoad && addr >= s.vaddr && addr - s.vaddr < s.filesz)
      return s.offset + (addr - s.vaddr);
  }
  return std::nullopt;
}

SectionHeader read_section_header(const ElfBytes& b, std::uint64_t at) {
  const bool w = b.is64();
  SectionHeader s;
  s.name = b.u32(at);
  s.type = b.u32(at + 4);
  s.addr = w ? b.u64(at + 16) : b.u32(at + 12);
  s.offset = w ? b.u64(at + 24) : b.u32(at + 16);
  s.size = w ? b.u64(at + 32) : b.u32(at + 20);
  s.link = b.u32(at + (w ? 40 : 24));
  return s;
}

std::uint64_t section0_info(const ElfBytes& b, std::uint64_t shoff) {
  return b.u32(shoff + (b.is64() ? 44 : 28));
}
std::uint64_t section0_size(const ElfBytes& b, std::uint64_t shoff) {
  return b.is64() ? b.u64(shoff + 32) : b.u32(shoff + 20);
}

std::uint64_t dynamic_entry_bytes(const ElfBytes& b) { return b.is64() ? 16 : 8; }

Result<DynamicTags> read_dynamic_tags(const ElfBytes& b, std::uint64_t offset, std::uint64_t size,
                                      std::string_view name) {
  DynamicTags t;
  const std::uint64_t entsize = dynamic_entry_bytes(b);
  const std::uint64_t count = size / entsize;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t e = offset + i * entsize;
    auto tag = static_cast<std::int64_t>(b.word(e));
    const std::uint64_t val = b.word(e + entsize / 2);
    if (!b.is64()) tag = static_cast<std::int32_t>(tag);
    if (b.bad) return elf_error(name, "dynamic section" + beyond(b));
    switch (tag) {
      case kDtNull:
        return t;
      case kDtNeeded:
        if (t.needed.size() >= kMaxNeeded) return elf_error(name, "too many DT_NEEDED entries");
        t.needed.push_back(val);
        break;
      case kDtStrtab:
        t.strtab = val;
        break;
      case kDtStrsz:
        t.strsz = val;
        break;
      case kDtSoname:
        t.soname = val;
        break;
      case kDtRpath:
        t.rpath = val;
        break;
      case kDtRunpath:
        t.runpath = val;
        break;
      case kDtFlags1:
        t.flags_1 = val;
        break;
      case kDtVerneed:
        t.verneed = val;
        break;
      case kDtVerneednum:
        t.verneednum = val;
        break;
      case kDtVerdef:
        t.verdef = val;
        break;
      case kDtVerdefnum:
        t.verdefnum = val;
        break;
      default:
        break;
    }
  }
  return t;
}

Result<void> walk_version_needs(const ElfBytes& b, std::uint64_t offset, std::uint64_t count,
                                const VersionVisitor& visit, std::string_view name) {
  std::size_t entries = 0;
  for (std::uint64_t i = 0; count == 0 || i < count; ++i) {
    if (visit.record) visit.record(offset, kVerneedBytes);
    const std::uint16_t version = b.u16(offset);
    const std::uint16_t cnt = b.u16(offset + 2);
    const std::uint32_t file = b.u32(offset + 4);
    const std::uint32_t aux = b.u32(offset + 8);
    const std::uint32_t next = b.u32(offset + 12);
    if (b.bad) return elf_error(name, "version needs at " + elf_hex(offset) + beyond(b));
    if (version != 1)
      return elf_error(name, "unsupported verneed version " + std::to_string(version));
    ENVLOCK_TRY(call(visit.need_file, file));
    std::uint64_t a = offset + aux;
    for (std::uint16_t j = 0; j < cnt; ++j) {
      if (++entries > kMaxVersionEntries) return elf_error(name, "too many version entries");
      if (visit.record) visit.record(a, kVernauxBytes);
      const std::uint32_t vna_name = b.u32(a + 8);
      const std::uint32_t vna_next = b.u32(a + 12);
      if (b.bad) return elf_error(name, "version need entry at " + elf_hex(a) + beyond(b));
      ENVLOCK_TRY(call(visit.need_name, vna_name));
      if (vna_next == 0) break;
      a += vna_next;
    }
    if (next == 0) break;
    if (++entries > kMaxVersionEntries) return elf_error(name, "too many version entries");
    offset += next;
  }
  return {};
}

Result<void> walk_version_defs(const ElfBytes& b, std::uint64_t offset, std::uint64_t count,
                               const VersionVisitor& visit, std::string_view name) {
  std::size_t entries = 0;
  for (std::uint64_t i = 0; count == 0 || i < count; ++i) {
    if (++entries > kMaxVersionEntries) return elf_error(name, "too many version entries");
    if (visit.record) visit.record(offset, kVerdefBytes);
    const std::uint16_t version = b.u16(offset);
    const std::uint16_t flags = b.u16(offset + 2);
    const std::uint16_t cnt = b.u16(offset + 6);
    const std::uint32_t aux = b.u32(offset + 12);
    const std::uint32_t next = b.u32(offset + 16);
    if (cnt > 0 && visit.record) visit.record(offset + aux, kVerdauxNameBytes);
    const std::uint32_t vda_name = cnt > 0 ? b.u32(offset + aux) : 0;
    if (b.bad) return elf_error(name, "version definitions at " + elf_hex(offset) + beyond(b));
    if (version != 1)
      return elf_error(name, "unsupported verdef version " + std::to_string(version));
    // Only the first verdaux names the version; the others name its parents.
    if (cnt > 0 && !(flags & kVerFlgBase)) ENVLOCK_TRY(call(visit.definition, vda_name));
    if (next == 0) break;
    offset += next;
  }
  return {};
}

std::string elf_hex(std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  (void)ec;
  return "0x" + std::string(buf, end);
}

}  // namespace envlock::scanner
