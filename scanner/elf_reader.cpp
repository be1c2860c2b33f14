#include "scanner/elf_reader.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "scanner/wanted_files.hpp"

namespace envlock::scanner {

namespace {

constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kPtDynamic = 2;
constexpr std::uint32_t kPtInterp = 3;
constexpr std::uint32_t kShtDynamic = 6;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint32_t kPfX = 1;
constexpr std::uint16_t kPnXnum = 0xffff;

constexpr std::int64_t kDtNull = 0;
constexpr std::int64_t kDtNeeded = 1;
constexpr std::int64_t kDtStrtab = 5;
constexpr std::int64_t kDtStrsz = 10;
constexpr std::int64_t kDtSoname = 14;
constexpr std::int64_t kDtRpath = 15;
constexpr std::int64_t kDtRunpath = 29;
constexpr std::int64_t kDtFlags1 = 0x6ffffffb;
constexpr std::int64_t kDtVerdef = 0x6ffffffc;
constexpr std::int64_t kDtVerdefnum = 0x6ffffffd;
constexpr std::int64_t kDtVerneed = 0x6ffffffe;
constexpr std::int64_t kDtVerneednum = 0x6fffffff;

constexpr std::uint16_t kVerFlgBase = 1;

// Hostile files may claim huge counts; real objects stay far below these.
constexpr std::size_t kMaxNeeded = 4096;
constexpr std::size_t kMaxVersionEntries = 1 << 16;

// The first read of read_elf_file: the string and version tables of a
// Python extension end within a few KB, even a libc's within 150 KB. Bytes
// read cost more than reads here: a page-cache copy runs at about 1 GB/s on
// the machines scans run on, so a larger first read for every library costs
// more than a second read for the few with larger tables.
constexpr std::uint64_t kFirstReadBytes = 64 << 10;
// A dynamic table is a few hundred bytes; anything larger is not one.
constexpr std::uint64_t kMaxDynamicBytes = 1 << 20;

std::string hex(std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  (void)ec;
  return "0x" + std::string(buf, end);
}

/// Integer reads in the file's byte order over the file's prefix plus, for
/// large objects, one window further in (the PT_DYNAMIC bytes). An
/// out-of-range read returns 0 and latches `bad`, so a caller reads a whole
/// record and checks once.
class Bytes {
 public:
  Bytes(std::string_view prefix, std::uint64_t window_offset, std::string_view window, bool little)
      : prefix_(prefix), window_offset_(window_offset), window_(window), little_(little) {}

  /// Size of the prefix: what error messages call "the first N bytes".
  std::uint64_t size() const { return prefix_.size(); }
  /// The bytes from `off` to the end of the region (prefix or window) holding it.
  std::string_view from(std::uint64_t off) const {
    if (off < prefix_.size()) return prefix_.substr(off);
    if (off >= window_offset_ && off - window_offset_ < window_.size())
      return window_.substr(off - window_offset_);
    return {};
  }
  bool has(std::uint64_t off, std::uint64_t len) const {
    if (len == 0) return off <= prefix_.size() || from(off).size() > 0;
    return from(off).size() >= len;
  }
  std::uint64_t uint(std::uint64_t off, unsigned width) const {
    std::string_view at = from(off);
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
  std::uint16_t u16(std::uint64_t off) const { return static_cast<std::uint16_t>(uint(off, 2)); }
  std::uint32_t u32(std::uint64_t off) const { return static_cast<std::uint32_t>(uint(off, 4)); }
  std::uint64_t u64(std::uint64_t off) const { return uint(off, 8); }

  mutable bool bad = false;

 private:
  std::string_view prefix_;
  std::uint64_t window_offset_;
  std::string_view window_;
  bool little_;
};

struct Segment {
  std::uint64_t offset, vaddr, filesz;
};

struct Parser {
  Bytes b;
  std::string_view name;
  bool is64;
  std::vector<Segment> loads;     // PT_LOAD segments
  std::vector<Segment> sections;  // allocated sections, when their headers are in the buffer
  std::uint64_t strtab_off = 0, strtab_size = 0;

  tl::unexpected<Error> error(std::string msg) const {
    return fail(std::string(name) + ": " + msg);
  }
  std::uint64_t word(std::uint64_t off) const { return is64 ? b.u64(off) : b.u32(off); }

  std::optional<std::uint64_t> addr_to_offset(std::uint64_t addr) const {
    for (const auto* table : {&loads, &sections}) {
      for (const auto& s : *table) {
        if (addr >= s.vaddr && addr - s.vaddr < s.filesz) return s.offset + (addr - s.vaddr);
      }
    }
    return std::nullopt;
  }

  Result<std::string> str(std::uint64_t off) const {
    if (off >= strtab_size) return error("string offset " + hex(off) + " outside the string table");
    std::uint64_t start = strtab_off + off;
    std::string_view rest = b.from(start);
    if (rest.empty()) return error("string at " + hex(start) + " beyond the first " +
                                   std::to_string(b.size()) + " bytes");
    rest = rest.substr(0, strtab_size - off);
    auto nul = rest.find('\0');
    if (nul == std::string_view::npos) return error("unterminated string at " + hex(start));
    return std::string(rest.substr(0, nul));
  }
};

std::vector<std::string> split_path_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto j = s.find(':', i);
    if (j == std::string_view::npos) j = s.size();
    out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Section headers are optional input: when present in the buffer they supply
// address mappings and a dynamic table for objects whose program headers do
// not lead to one. Anything malformed here is ignored, never fatal.
struct SectionDynamic {
  std::uint64_t offset = 0, size = 0, strtab_off = 0, strtab_size = 0;
  bool found = false;
};

SectionDynamic read_sections(Parser& p, std::uint64_t shoff, std::uint16_t shentsize,
                             std::uint64_t shnum) {
  SectionDynamic dyn;
  const std::uint64_t min_size = p.is64 ? 64 : 40;
  if (shoff == 0 || shnum == 0 || shentsize < min_size) return dyn;
  if (shnum > 1 << 16 || !p.b.has(shoff, shnum * shentsize)) return dyn;
  auto field = [&](std::uint64_t base, unsigned off32, unsigned off64) {
    return p.is64 ? p.b.u64(base + off64) : p.b.u32(base + off32);
  };
  for (std::uint64_t i = 0; i < shnum; ++i) {
    std::uint64_t sh = shoff + i * shentsize;
    std::uint32_t type = p.b.u32(sh + 4);
    std::uint64_t addr = field(sh, 12, 16);
    std::uint64_t offset = field(sh, 16, 24);
    std::uint64_t size = field(sh, 20, 32);
    std::uint32_t link = p.b.u32(sh + (p.is64 ? 40 : 24));
    if (addr != 0 && type != kShtNobits) p.sections.push_back({offset, addr, size});
    if (type == kShtDynamic && !dyn.found && link < shnum) {
      std::uint64_t str_sh = shoff + std::uint64_t{link} * shentsize;
      dyn = {offset, size, field(str_sh, 16, 24), field(str_sh, 20, 32), true};
    }
  }
  if (p.b.bad) {
    p.b.bad = false;
    p.sections.clear();
    return {};
  }
  return dyn;
}

Result<void> read_verneed(Parser& p, std::uint64_t off, std::uint64_t count, ElfInfo& info) {
  std::size_t entries = 0;
  for (std::uint64_t i = 0; count == 0 || i < count; ++i) {
    std::uint16_t version = p.b.u16(off);
    std::uint16_t cnt = p.b.u16(off + 2);
    std::uint32_t file = p.b.u32(off + 4);
    std::uint32_t aux = p.b.u32(off + 8);
    std::uint32_t next = p.b.u32(off + 12);
    if (p.b.bad) return p.error("version needs at " + hex(off) + " beyond the first " +
                                std::to_string(p.b.size()) + " bytes");
    if (version != 1) return p.error("unsupported verneed version " + std::to_string(version));
    auto file_name = ENVLOCK_TRY(p.str(file));
    auto& by_file = info.version_needs_by_file[file_name];
    std::uint64_t a = off + aux;
    for (std::uint16_t j = 0; j < cnt; ++j) {
      if (++entries > kMaxVersionEntries) return p.error("too many version entries");
      std::uint32_t vna_name = p.b.u32(a + 8);
      std::uint32_t vna_next = p.b.u32(a + 12);
      if (p.b.bad) return p.error("version need entry at " + hex(a) + " beyond the first " +
                                  std::to_string(p.b.size()) + " bytes");
      auto n = ENVLOCK_TRY(p.str(vna_name));
      info.version_needs.push_back(n);
      by_file.push_back(std::move(n));
      if (vna_next == 0) break;
      a += vna_next;
    }
    sort_unique(by_file);
    if (next == 0) break;
    if (++entries > kMaxVersionEntries) return p.error("too many version entries");
    off += next;
  }
  sort_unique(info.version_needs);
  return {};
}

Result<void> read_verdef(Parser& p, std::uint64_t off, std::uint64_t count, ElfInfo& info) {
  std::size_t entries = 0;
  for (std::uint64_t i = 0; count == 0 || i < count; ++i) {
    if (++entries > kMaxVersionEntries) return p.error("too many version entries");
    std::uint16_t version = p.b.u16(off);
    std::uint16_t flags = p.b.u16(off + 2);
    std::uint16_t cnt = p.b.u16(off + 6);
    std::uint32_t aux = p.b.u32(off + 12);
    std::uint32_t next = p.b.u32(off + 16);
    std::uint32_t name = cnt > 0 ? p.b.u32(off + aux) : 0;
    if (p.b.bad) return p.error("version definitions at " + hex(off) + " beyond the first " +
                                std::to_string(p.b.size()) + " bytes");
    if (version != 1) return p.error("unsupported verdef version " + std::to_string(version));
    // Only the first verdaux names the version; the others name its parents.
    if (cnt > 0 && !(flags & kVerFlgBase)) info.version_defs.push_back(ENVLOCK_TRY(p.str(name)));
    if (next == 0) break;
    off += next;
  }
  sort_unique(info.version_defs);
  return {};
}

struct DynamicTags {
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> soname, rpath, runpath, strtab, strsz, verneed, verdef;
  std::uint64_t verneednum = 0, verdefnum = 0, flags_1 = 0;
};

Result<DynamicTags> read_dynamic(Parser& p, std::uint64_t off, std::uint64_t size) {
  DynamicTags t;
  const std::uint64_t entsize = p.is64 ? 16 : 8;
  const std::uint64_t count = size / entsize;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t e = off + i * entsize;
    auto tag = static_cast<std::int64_t>(p.word(e));
    std::uint64_t val = p.word(e + entsize / 2);
    if (!p.is64) tag = static_cast<std::int32_t>(tag);
    if (p.b.bad) return p.error("dynamic section beyond the first " + std::to_string(p.b.size()) +
                                " bytes");
    switch (tag) {
      case kDtNull: return t;
      case kDtNeeded:
        if (t.needed.size() >= kMaxNeeded) return p.error("too many DT_NEEDED entries");
        t.needed.push_back(val);
        break;
      case kDtStrtab: t.strtab = val; break;
      case kDtStrsz: t.strsz = val; break;
      case kDtSoname: t.soname = val; break;
      case kDtRpath: t.rpath = val; break;
      case kDtRunpath: t.runpath = val; break;
      case kDtFlags1: t.flags_1 = val; break;
      case kDtVerneed: t.verneed = val; break;
      case kDtVerneednum: t.verneednum = val; break;
      case kDtVerdef: t.verdef = val; break;
      case kDtVerdefnum: t.verdefnum = val; break;
      default: break;
    }
  }
  return t;
}

}  // namespace

bool looks_like_elf(std::string_view first_bytes) {
  return first_bytes.size() >= 4 && first_bytes.substr(0, 4) == std::string_view("\x7f" "ELF", 4);
}

Result<ElfInfo> read_elf(std::string_view bytes, std::string_view name_for_errors) {
  return read_elf(bytes, 0, {}, name_for_errors);
}

Result<ElfInfo> read_elf(std::string_view bytes, std::uint64_t window_offset, std::string_view window,
                         std::string_view name_for_errors) {
  auto err = [&](const std::string& msg) { return fail(std::string(name_for_errors) + ": " + msg); };
  if (!looks_like_elf(bytes)) return err("not an ELF file");
  if (bytes.size() < 16) return err("truncated ELF header");
  ElfInfo info;
  auto cls = static_cast<std::uint8_t>(bytes[4]);
  auto data = static_cast<std::uint8_t>(bytes[5]);
  if (cls != 1 && cls != 2) return err("unsupported ELF class " + std::to_string(cls));
  if (data != 1 && data != 2) return err("unsupported ELF data encoding " + std::to_string(data));
  info.elf_class = cls == 2 ? 64 : 32;
  info.little_endian = data == 1;
  const bool is64 = cls == 2;
  if (bytes.size() < (is64 ? 64u : 52u)) return err("truncated ELF header");

  Parser p{Bytes(bytes, window_offset, window, info.little_endian), name_for_errors, is64, {}, {}};
  info.type = p.b.u16(16);
  info.machine = p.b.u16(18);
  std::uint64_t phoff = is64 ? p.b.u64(32) : p.b.u32(28);
  std::uint64_t shoff = is64 ? p.b.u64(40) : p.b.u32(32);
  std::uint16_t phentsize = p.b.u16(is64 ? 54 : 42);
  std::uint64_t phnum = p.b.u16(is64 ? 56 : 44);
  std::uint16_t shentsize = p.b.u16(is64 ? 58 : 46);
  std::uint64_t shnum = p.b.u16(is64 ? 60 : 48);

  // With more than 0xfffe entries the real counts live in section header 0.
  if (phnum == kPnXnum) {
    phnum = p.b.u32(shoff + (is64 ? 44 : 28));
    if (p.b.bad) return err("section header 0 beyond the first " + std::to_string(bytes.size()) +
                            " bytes");
  }
  if (shnum == 0 && shoff != 0) {
    // Section headers are only a fallback, so an unreadable count is no error.
    shnum = is64 ? p.b.u64(shoff + 32) : p.b.u32(shoff + 20);
    if (p.b.bad) shnum = 0;
    p.b.bad = false;
  }
  if (phnum > 0 && phentsize < (is64 ? 56 : 32))
    return err("bad program header size " + std::to_string(phentsize));
  if (!p.b.has(phoff, phnum * phentsize))
    return err("program headers beyond the first " + std::to_string(bytes.size()) + " bytes");

  std::optional<Segment> dynamic;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    std::uint64_t ph = phoff + i * phentsize;
    std::uint32_t type = p.b.u32(ph);
    Segment s = is64 ? Segment{p.b.u64(ph + 8), p.b.u64(ph + 16), p.b.u64(ph + 32)}
                     : Segment{p.b.u32(ph + 4), p.b.u32(ph + 8), p.b.u32(ph + 16)};
    if (type == kPtLoad) p.loads.push_back(s);
    if (type == kPtDynamic && !dynamic) dynamic = s;
    if (type == kPtInterp) {
      if (!p.b.has(s.offset, s.filesz))
        return err("PT_INTERP beyond the first " + std::to_string(bytes.size()) + " bytes");
      auto interp = p.b.from(s.offset).substr(0, s.filesz);
      info.interpreter = std::string(interp.substr(0, interp.find('\0')));
    }
  }
  SectionDynamic sec = read_sections(p, shoff, shentsize, shnum);

  std::uint64_t dyn_off = 0, dyn_size = 0;
  if (dynamic && p.b.has(dynamic->offset, std::min<std::uint64_t>(dynamic->filesz, is64 ? 16 : 8))) {
    dyn_off = dynamic->offset;
    dyn_size = std::min<std::uint64_t>(dynamic->filesz, p.b.from(dynamic->offset).size());
  } else if (sec.found && p.b.has(sec.offset, sec.size)) {
    dyn_off = sec.offset;
    dyn_size = sec.size;
  } else if (dynamic) {
    return err("dynamic section beyond the first " + std::to_string(bytes.size()) + " bytes");
  } else {
    return info;  // statically linked: nothing to load
  }
  info.has_dynamic = true;
  DynamicTags tags = ENVLOCK_TRY(read_dynamic(p, dyn_off, dyn_size));
  info.flags_1 = tags.flags_1;

  bool any_string = !tags.needed.empty() || tags.soname || tags.rpath || tags.runpath ||
                    tags.verneed || tags.verdef;
  if (!any_string) return info;
  if (tags.strtab) {
    auto off = p.addr_to_offset(*tags.strtab);
    if (!off) return err("DT_STRTAB address " + hex(*tags.strtab) + " is in no loaded segment");
    p.strtab_off = *off;
    p.strtab_size = tags.strsz ? *tags.strsz : ~std::uint64_t{0};
  } else if (sec.found) {
    p.strtab_off = sec.strtab_off;
    p.strtab_size = sec.strtab_size;
  } else {
    return err("dynamic section has no DT_STRTAB");
  }
  if (p.b.from(p.strtab_off).empty())
    return err("string table beyond the first " + std::to_string(bytes.size()) + " bytes");

  for (auto off : tags.needed) info.needed.push_back(ENVLOCK_TRY(p.str(off)));
  if (tags.soname) info.soname = ENVLOCK_TRY(p.str(*tags.soname));
  if (tags.rpath) info.rpath = split_path_list(ENVLOCK_TRY(p.str(*tags.rpath)));
  if (tags.runpath) info.runpath = split_path_list(ENVLOCK_TRY(p.str(*tags.runpath)));
  if (tags.verneed) {
    auto off = p.addr_to_offset(*tags.verneed);
    if (!off) return err("DT_VERNEED address " + hex(*tags.verneed) + " is in no loaded segment");
    ENVLOCK_TRY(read_verneed(p, *off, tags.verneednum, info));
  }
  if (tags.verdef) {
    auto off = p.addr_to_offset(*tags.verdef);
    if (!off) return err("DT_VERDEF address " + hex(*tags.verdef) + " is in no loaded segment");
    ENVLOCK_TRY(read_verdef(p, *off, tags.verdefnum, info));
  }
  return info;
}

namespace {

struct ProgramHeader {
  std::uint32_t type = 0, flags = 0;
  ByteRange file;
};

// The program headers, from the first bytes (they sit right after the ELF
// header); empty when they are not all there.
std::vector<ProgramHeader> program_headers(std::string_view first_bytes) {
  std::vector<ProgramHeader> out;
  if (!looks_like_elf(first_bytes) || first_bytes.size() < 64) return out;
  auto cls = static_cast<std::uint8_t>(first_bytes[4]);
  if (cls != 1 && cls != 2) return out;
  const bool is64 = cls == 2;
  Bytes b(first_bytes, 0, {}, first_bytes[5] != 2);
  std::uint64_t phoff = is64 ? b.u64(32) : b.u32(28);
  std::uint16_t phentsize = b.u16(is64 ? 54 : 42);
  std::uint16_t phnum = b.u16(is64 ? 56 : 44);
  if (phentsize < (is64 ? 56 : 32) || phnum == kPnXnum) return out;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    std::uint64_t ph = phoff + i * phentsize;
    ProgramHeader h;
    h.type = b.u32(ph);
    h.flags = b.u32(ph + (is64 ? 4 : 24));
    h.file = is64 ? ByteRange{b.u64(ph + 8), b.u64(ph + 32)} : ByteRange{b.u32(ph + 4), b.u32(ph + 16)};
    if (b.bad) return {};
    out.push_back(h);
  }
  return out;
}

// File range of the first program header of `type`; nullopt when there is
// none or the headers are not in the first bytes.
std::optional<ByteRange> segment_range(std::string_view first_bytes, std::uint32_t type) {
  for (const auto& h : program_headers(first_bytes)) {
    if (h.type == type) return h.file;
  }
  return std::nullopt;
}

// Where the code starts: the first executable PT_LOAD. Linkers put the
// dynamic symbol, string and version tables before it.
std::optional<std::uint64_t> code_offset(std::string_view first_bytes) {
  std::optional<std::uint64_t> out;
  for (const auto& h : program_headers(first_bytes)) {
    if (h.type == kPtLoad && (h.flags & kPfX) && (!out || h.file.offset < *out)) out = h.file.offset;
  }
  return out;
}

// Bounds on what find_elf_section reads: 1 MiB of section headers (16384 of
// the standard size) and 1 MiB of names are far beyond any real object
// (libstdc++ has 37 sections).
constexpr std::uint64_t kMaxSectionTableBytes = 1 << 20;
constexpr std::uint64_t kMaxSectionNames = 1 << 20;

}  // namespace

std::optional<ByteRange> elf_dynamic_range(std::string_view first_bytes) {
  return segment_range(first_bytes, kPtDynamic);
}

SectionSearch find_elf_section(const FileSystem& fs, std::string_view path, std::string_view name) {
  SectionSearch out;
  auto header = fs.read_at(path, 0, 64);
  if (!header || !looks_like_elf(*header) || header->size() < 52) return out;
  auto cls = static_cast<std::uint8_t>((*header)[4]);
  auto data = static_cast<std::uint8_t>((*header)[5]);
  if ((cls != 1 && cls != 2) || (data != 1 && data != 2)) return out;
  const bool is64 = cls == 2;
  const bool little = data == 1;
  if (is64 && header->size() < 64) return out;
  Bytes h(*header, 0, {}, little);
  const std::uint64_t shoff = is64 ? h.u64(40) : h.u32(32);
  const std::uint64_t entsize = h.u16(is64 ? 58 : 46);
  const std::uint64_t shnum = h.u16(is64 ? 60 : 48);
  const std::uint64_t shstrndx = h.u16(is64 ? 62 : 50);
  // Past 0xff00 sections the counts move into section 0 (SHN_XINDEX);
  // shstrndx >= shnum covers that too: such a file is "headers not read".
  if (shoff == 0 || shnum == 0 || shstrndx >= shnum || entsize < (is64 ? 64u : 40u) ||
      shnum * entsize > kMaxSectionTableBytes) {
    return out;
  }
  auto table = fs.read_at(path, shoff, shnum * entsize);
  if (!table || table->size() != shnum * entsize) return out;
  Bytes t(*table, 0, {}, little);
  auto field = [&](std::uint64_t base, unsigned off32, unsigned off64) {
    return is64 ? t.u64(base + off64) : t.u32(base + off32);
  };
  const std::uint64_t names_at = shstrndx * entsize;
  const std::uint64_t names_offset = field(names_at, 16, 24), names_size = field(names_at, 20, 32);
  if (names_size == 0 || names_size > kMaxSectionNames) return out;
  auto names = fs.read_at(path, names_offset, names_size);
  if (!names || names->size() != names_size) return out;
  out.headers_read = true;
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::uint64_t at = i * entsize;
    const std::uint32_t name_offset = t.u32(at);
    const std::uint32_t type = t.u32(at + 4);
    if (type == 0 || type == kShtNobits || name_offset >= names->size()) continue;
    std::string_view n = std::string_view(*names).substr(name_offset);
    if (n.substr(0, n.find('\0')) != name) continue;
    out.range = ByteRange{field(at, 16, 24), field(at, 20, 32)};
    break;
  }
  return out;
}

Result<ElfInfo> read_elf_file(const FileSystem& fs, std::string_view path) {
  auto first = fs.read_prefix(path, kFirstReadBytes);
  if (!first) return tl::unexpected(first.error());
  auto info = read_elf(*first, path);
  if (info || first->size() < kFirstReadBytes) return info;
  // A large object: PT_DYNAMIC sits after the code, megabytes in, while the
  // string and version tables sit before it, usually within the first read.
  // That read plus the dynamic window skips the megabytes in between.
  // A libc is also a program: its PT_INTERP string sits in .rodata, megabytes
  // in, a little before PT_DYNAMIC; one window then covers both.
  std::string prefix = std::move(*first);
  std::optional<ByteRange> range = elf_dynamic_range(prefix);
  std::optional<std::string> window;
  if (range && range->offset >= prefix.size()) {
    auto interp = segment_range(prefix, kPtInterp);
    if (interp && interp->offset >= prefix.size()) {
      std::uint64_t begin = std::min(range->offset, interp->offset);
      std::uint64_t end = std::max(range->offset + range->size, interp->offset + interp->size);
      range = ByteRange{begin, end - begin};
    }
    if (range->size <= kMaxDynamicBytes) {
      auto read = fs.read_at(path, range->offset, range->size);
      if (read && read->size() == range->size) window = std::move(*read);
    }
  }
  if (window) {
    if (auto windowed = read_elf(prefix, range->offset, *window, path)) return windowed;
  }
  // Some tables are past the first read (libstdc++ has 600 KB of them): read
  // up to the code, where they end, rather than the whole prefix.
  if (auto code = code_offset(prefix); code && *code > prefix.size() && *code <= kElfPrefixBytes) {
    auto more = fs.read_prefix(path, *code);
    if (!more) return tl::unexpected(more.error());
    prefix = std::move(*more);
    info = window && range->offset >= prefix.size() ? read_elf(prefix, range->offset, *window, path)
                                                     : read_elf(prefix, path);
    if (info) return info;
  }
  // Tables beyond the code or malformed windows: only then pay for the full prefix.
  auto full = fs.read_prefix(path, kElfPrefixBytes);
  if (!full) return tl::unexpected(full.error());
  info = read_elf(*full, path);
  if (info || full->size() < kElfPrefixBytes) return info;
  // Large objects keep PT_DYNAMIC after their code, beyond the prefix: read
  // just that window (an image keeps it while streaming when it can).
  auto far = elf_dynamic_range(*full);
  if (!far || far->offset < full->size() || far->size > kMaxDynamicBytes) return info;
  auto far_window = fs.read_at(path, far->offset, far->size);
  // An image that kept only the prefix cannot give the rest: the parse error says more.
  if (!far_window || far_window->empty()) return info;
  return read_elf(*full, far->offset, *far_window, path);
}

std::string machine_name(std::uint16_t machine, int elf_class, bool little_endian) {
  switch (machine) {
    case kEmX86_64: return elf_class == 32 ? "x32" : "x86_64";
    case kEm386: return "i686";
    case kEmAarch64: return "aarch64";
    case kEmArm: return "armv7l";
    case kEmPpc64: return little_endian ? "ppc64le" : "ppc64";
    case kEmS390: return elf_class == 64 ? "s390x" : "s390";
    case kEmRiscv: return elf_class == 64 ? "riscv64" : "riscv32";
    default: return "";
  }
}

}  // namespace envlock::scanner
