#include "scanner/native/elf_reader.hpp"

#include <algorithm>
#include <optional>

#include "scanner/native/elf_file.hpp"

namespace envlock::scanner {

namespace {

// The first read of read_elf_file: the string and version tables of a
// Python extension end within a few KB, even a libc's within 150 KB. Bytes
// read cost more than reads here: a page-cache copy runs at about 1 GB/s on
// the machines scans run on, so a larger first read for every library costs
// more than a second read for the few with larger tables.
constexpr std::uint64_t kFirstReadBytes = 64 << 10;
// A dynamic table is a few hundred bytes; anything larger is not one.
constexpr std::uint64_t kMaxDynamicBytes = 1 << 20;

struct Parser {
  const ElfBytes& b;
  std::string_view name;
  std::vector<ProgramHeader> loads;     // PT_LOAD segments
  std::vector<ProgramHeader> sections;  // allocated sections (as PT_LOAD), when their headers are in the buffer
  std::uint64_t strtab_off = 0, strtab_size = 0;

  tl::unexpected<Error> error(std::string msg) const {
    return fail(std::string(name) + ": " + msg);
  }

  std::optional<std::uint64_t> addr_to_offset(std::uint64_t addr) const {
    if (auto off = load_address_to_offset(loads, addr)) return off;
    return load_address_to_offset(sections, addr);
  }

  Result<std::string> str(std::uint64_t off) const {
    if (off >= strtab_size) return error("string offset " + elf_hex(off) + " outside the string table");
    std::uint64_t start = strtab_off + off;
    std::string_view rest = b.from(start);
    if (rest.empty()) return error("string at " + elf_hex(start) + " beyond the first " +
                                   std::to_string(b.size()) + " bytes");
    rest = rest.substr(0, strtab_size - off);
    auto nul = rest.find('\0');
    if (nul == std::string_view::npos) return error("unterminated string at " + elf_hex(start));
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
  if (shoff == 0 || shnum == 0 || shentsize < min_shentsize(p.b)) return dyn;
  if (shnum > 1 << 16 || !p.b.has(shoff, shnum * shentsize)) return dyn;
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const SectionHeader sh = read_section_header(p.b, shoff + i * shentsize);
    if (sh.addr != 0 && sh.type != kShtNobits) p.sections.push_back({kPtLoad, 0, sh.offset, sh.addr, sh.size});
    if (sh.type == kShtDynamic && !dyn.found && sh.link < shnum) {
      const SectionHeader str = read_section_header(p.b, shoff + std::uint64_t{sh.link} * shentsize);
      dyn = {sh.offset, sh.size, str.offset, str.size, true};
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
  std::vector<std::string>* by_file = nullptr;
  VersionVisitor visit;
  visit.need_file = [&](std::uint32_t file) -> Result<void> {
    auto file_name = ENVLOCK_TRY(p.str(file));
    by_file = &info.version_needs_by_file[file_name];
    return {};
  };
  visit.need_name = [&](std::uint32_t name) -> Result<void> {
    auto n = ENVLOCK_TRY(p.str(name));
    info.version_needs.push_back(n);
    by_file->push_back(std::move(n));
    return {};
  };
  ENVLOCK_TRY(walk_version_needs(p.b, off, count, visit, p.name));
  for (auto& [file, names] : info.version_needs_by_file) sort_unique(names);
  sort_unique(info.version_needs);
  return {};
}

Result<void> read_verdef(Parser& p, std::uint64_t off, std::uint64_t count, ElfInfo& info) {
  VersionVisitor visit;
  visit.definition = [&](std::uint32_t name) -> Result<void> {
    info.version_defs.push_back(ENVLOCK_TRY(p.str(name)));
    return {};
  };
  ENVLOCK_TRY(walk_version_defs(p.b, off, count, visit, p.name));
  sort_unique(info.version_defs);
  return {};
}

}  // namespace

Result<ElfInfo> read_elf(std::string_view bytes, std::string_view name_for_errors) {
  return read_elf(bytes, 0, {}, name_for_errors);
}

Result<ElfInfo> read_elf(std::string_view bytes, std::uint64_t window_offset, std::string_view window,
                         std::string_view name_for_errors) {
  auto err = [&](const std::string& msg) { return fail(std::string(name_for_errors) + ": " + msg); };
  const ElfIdent ident = decode_ident(bytes);
  if (!ident.magic) return err("not an ELF file");
  if (bytes.size() < kElfIdentBytes) return err("truncated ELF header");
  if (!ident.known_class()) return err("unsupported ELF class " + std::to_string(ident.file_class));
  if (!ident.known_data()) return err("unsupported ELF data encoding " + std::to_string(ident.data));
  ElfInfo info;
  info.elf_class = ident.bits();
  info.little_endian = ident.little_endian();
  if (bytes.size() < ident.header_bytes()) return err("truncated ELF header");

  const PrefixWindow source(bytes, window_offset, window);
  const ElfBytes b(source, ident);
  Parser p{b, name_for_errors, {}, {}};
  const ElfHeader eh = read_elf_header(b);
  info.type = eh.type;
  info.machine = eh.machine;
  std::uint64_t phnum = eh.phnum;
  std::uint64_t shnum = eh.shnum;

  // With more than 0xfffe entries the real counts live in section header 0.
  if (phnum == kPnXnum) {
    phnum = section0_info(b, eh.shoff);
    if (b.bad) return err("section header 0 beyond the first " + std::to_string(bytes.size()) + " bytes");
  }
  if (shnum == 0 && eh.shoff != 0) {
    // Section headers are only a fallback, so an unreadable count is no error.
    shnum = section0_size(b, eh.shoff);
    if (b.bad) shnum = 0;
    b.bad = false;
  }
  if (phnum > 0 && eh.phentsize < min_phentsize(b))
    return err("bad program header size " + std::to_string(eh.phentsize));
  if (!b.has(eh.phoff, phnum * eh.phentsize))
    return err("program headers beyond the first " + std::to_string(bytes.size()) + " bytes");

  std::optional<ProgramHeader> dynamic;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const ProgramHeader s = read_program_header(b, eh.phoff + i * eh.phentsize);
    if (s.type == kPtLoad) p.loads.push_back(s);
    if (s.type == kPtDynamic && !dynamic) dynamic = s;
    if (s.type == kPtInterp) {
      if (!b.has(s.offset, s.filesz))
        return err("PT_INTERP beyond the first " + std::to_string(bytes.size()) + " bytes");
      auto interp = b.from(s.offset).substr(0, s.filesz);
      info.interpreter = std::string(interp.substr(0, interp.find('\0')));
    }
  }
  SectionDynamic sec = read_sections(p, eh.shoff, eh.shentsize, shnum);

  std::uint64_t dyn_off = 0, dyn_size = 0;
  if (dynamic && b.has(dynamic->offset, std::min(dynamic->filesz, dynamic_entry_bytes(b)))) {
    dyn_off = dynamic->offset;
    dyn_size = std::min<std::uint64_t>(dynamic->filesz, b.from(dynamic->offset).size());
  } else if (sec.found && b.has(sec.offset, sec.size)) {
    dyn_off = sec.offset;
    dyn_size = sec.size;
  } else if (dynamic) {
    return err("dynamic section beyond the first " + std::to_string(bytes.size()) + " bytes");
  } else {
    return info;  // statically linked: nothing to load
  }
  info.has_dynamic = true;
  DynamicTags tags = ENVLOCK_TRY(read_dynamic_tags(b, dyn_off, dyn_size, name_for_errors));
  info.flags_1 = tags.flags_1;

  bool any_string = !tags.needed.empty() || tags.soname || tags.rpath || tags.runpath ||
                    tags.verneed || tags.verdef;
  if (!any_string) return info;
  if (tags.strtab) {
    auto off = p.addr_to_offset(*tags.strtab);
    if (!off) return err("DT_STRTAB address " + elf_hex(*tags.strtab) + " is in no loaded segment");
    p.strtab_off = *off;
    p.strtab_size = tags.strsz ? *tags.strsz : ~std::uint64_t{0};
  } else if (sec.found) {
    p.strtab_off = sec.strtab_off;
    p.strtab_size = sec.strtab_size;
  } else {
    return err("dynamic section has no DT_STRTAB");
  }
  if (b.from(p.strtab_off).empty())
    return err("string table beyond the first " + std::to_string(bytes.size()) + " bytes");

  for (auto off : tags.needed) info.needed.push_back(ENVLOCK_TRY(p.str(off)));
  if (tags.soname) info.soname = ENVLOCK_TRY(p.str(*tags.soname));
  if (tags.rpath) info.rpath = split_path_list(ENVLOCK_TRY(p.str(*tags.rpath)));
  if (tags.runpath) info.runpath = split_path_list(ENVLOCK_TRY(p.str(*tags.runpath)));
  if (tags.verneed) {
    auto off = p.addr_to_offset(*tags.verneed);
    if (!off) return err("DT_VERNEED address " + elf_hex(*tags.verneed) + " is in no loaded segment");
    ENVLOCK_TRY(read_verneed(p, *off, tags.verneednum, info));
  }
  if (tags.verdef) {
    auto off = p.addr_to_offset(*tags.verdef);
    if (!off) return err("DT_VERDEF address " + elf_hex(*tags.verdef) + " is in no loaded segment");
    ENVLOCK_TRY(read_verdef(p, *off, tags.verdefnum, info));
  }
  return info;
}

namespace {

// The program headers, from the first bytes (they sit right after the ELF
// header); empty when they are not all there.
std::vector<ProgramHeader> program_headers(std::string_view first_bytes) {
  std::vector<ProgramHeader> out;
  const ElfIdent ident = decode_ident(first_bytes);
  if (!ident.magic || first_bytes.size() < kEhdr64Bytes || !ident.known_class()) return out;
  const PrefixWindow source(first_bytes);
  const ElfBytes b(source, ident);
  const ElfHeader eh = read_elf_header(b);
  if (eh.phentsize < min_phentsize(b) || eh.phnum == kPnXnum) return out;
  for (std::uint64_t i = 0; i < eh.phnum; ++i) {
    const ProgramHeader h = read_program_header(b, eh.phoff + i * eh.phentsize);
    if (b.bad) return {};
    out.push_back(h);
  }
  return out;
}

// File range of the first program header of `type`; nullopt when there is
// none or the headers are not in the first bytes.
std::optional<ByteRange> segment_range(std::string_view first_bytes, std::uint32_t type) {
  for (const auto& h : program_headers(first_bytes)) {
    if (h.type == type) return ByteRange{h.offset, h.filesz};
  }
  return std::nullopt;
}

// Where the code starts: the first executable PT_LOAD. Linkers put the
// dynamic symbol, string and version tables before it.
std::optional<std::uint64_t> code_offset(std::string_view first_bytes) {
  std::optional<std::uint64_t> out;
  for (const auto& h : program_headers(first_bytes)) {
    if (h.type == kPtLoad && (h.flags & kPfX) && (!out || h.offset < *out)) out = h.offset;
  }
  return out;
}

// Bounds on what find_elf_section reads: 1 MiB of section headers (16384 of
// the standard size) and 1 MiB of names are far beyond any real object
// (libstdc++ has 37 sections).
constexpr std::uint64_t kMaxSectionTableBytes = 1 << 20;
constexpr std::uint64_t kMaxSectionNames = 1 << 20;

// read_elf_file's steps, cheapest first. Each gives the parse of what it read;
// a step that could not read what it wanted gives nullopt and the next one runs.

// Step 2: a large object keeps PT_DYNAMIC after its code, megabytes in, while
// the string and version tables sit before it, usually within the first read.
// A libc is also a program: its PT_INTERP string sits in .rodata, megabytes
// in, a little before PT_DYNAMIC; one window then covers both.
struct DynamicWindow {
  ByteRange range;
  std::string bytes;
};
std::optional<DynamicWindow> read_dynamic_window(const FileSystem& fs, std::string_view path,
                                                 std::string_view prefix) {
  std::optional<ByteRange> range = elf_dynamic_range(prefix);
  if (!range || range->offset < prefix.size()) return std::nullopt;
  auto interp = segment_range(prefix, kPtInterp);
  if (interp && interp->offset >= prefix.size()) {
    std::uint64_t begin = std::min(range->offset, interp->offset);
    std::uint64_t end = std::max(range->offset + range->size, interp->offset + interp->size);
    range = ByteRange{begin, end - begin};
  }
  if (range->size > kMaxDynamicBytes) return std::nullopt;
  auto read = fs.read_at(path, range->offset, range->size);
  if (!read || read->size() != range->size) return std::nullopt;
  return DynamicWindow{*range, std::move(*read)};
}

// Step 3: some tables are past the first read (libstdc++ has 600 KB of them):
// read up to the code, where they end, rather than the whole prefix. Where
// that end lies when it is past `prefix` and within kElfPrefixBytes.
std::optional<std::uint64_t> tables_end(std::string_view prefix) {
  auto code = code_offset(prefix);
  if (!code || *code <= prefix.size() || *code > kElfPrefixBytes) return std::nullopt;
  return code;
}

// Parses `prefix` together with the step-2 window when that lies beyond it.
Result<ElfInfo> read_elf_with(std::string_view prefix, const std::optional<DynamicWindow>& window,
                              std::string_view path) {
  if (window && window->range.offset >= prefix.size())
    return read_elf(prefix, window->range.offset, window->bytes, path);
  return read_elf(prefix, path);
}

// Step 5: PT_DYNAMIC beyond even the full prefix: read just that window (an
// image keeps it while streaming when it can). An image that kept only the
// prefix cannot give the rest: the parse error of the prefix (`info`) says more.
Result<ElfInfo> read_far_dynamic(const FileSystem& fs, std::string_view path, std::string_view full,
                                 Result<ElfInfo> info) {
  auto far = elf_dynamic_range(full);
  if (!far || far->offset < full.size() || far->size > kMaxDynamicBytes) return info;
  auto far_window = fs.read_at(path, far->offset, far->size);
  if (!far_window || far_window->empty()) return info;
  return read_elf(full, far->offset, *far_window, path);
}

}  // namespace

std::optional<ByteRange> elf_dynamic_range(std::string_view first_bytes) {
  return segment_range(first_bytes, kPtDynamic);
}

SectionSearch find_elf_section(const FileSystem& fs, std::string_view path, std::string_view name) {
  SectionSearch out;
  auto header = fs.read_at(path, 0, kEhdr64Bytes);
  if (!header) return out;
  const ElfIdent ident = decode_ident(*header);
  if (!ident.magic || header->size() < kEhdr32Bytes || !ident.known_class() || !ident.known_data()) return out;
  if (header->size() < ident.header_bytes()) return out;
  const PrefixWindow header_source(*header);
  const ElfHeader eh = read_elf_header(ElfBytes(header_source, ident));
  const std::uint64_t shoff = eh.shoff;
  const std::uint64_t entsize = eh.shentsize;
  const std::uint64_t shnum = eh.shnum;
  const std::uint64_t shstrndx = eh.shstrndx;
  // Past 0xff00 sections the counts move into section 0 (SHN_XINDEX);
  // shstrndx >= shnum covers that too: such a file is "headers not read".
  if (shoff == 0 || shnum == 0 || shstrndx >= shnum || entsize < (ident.is64() ? kShdr64Bytes : kShdr32Bytes) ||
      shnum * entsize > kMaxSectionTableBytes) {
    return out;
  }
  auto table = fs.read_at(path, shoff, shnum * entsize);
  if (!table || table->size() != shnum * entsize) return out;
  const PrefixWindow table_source(*table);
  const ElfBytes t(table_source, ident);
  const SectionHeader names_header = read_section_header(t, shstrndx * entsize);
  if (names_header.size == 0 || names_header.size > kMaxSectionNames) return out;
  auto names = fs.read_at(path, names_header.offset, names_header.size);
  if (!names || names->size() != names_header.size) return out;
  out.headers_read = true;
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const SectionHeader sh = read_section_header(t, i * entsize);
    if (sh.type == kShtNull || sh.type == kShtNobits || sh.name >= names->size()) continue;
    std::string_view n = std::string_view(*names).substr(sh.name);
    if (n.substr(0, n.find('\0')) != name) continue;
    out.range = ByteRange{sh.offset, sh.size};
    break;
  }
  return out;
}

// Reads as little as the object needs: the first kFirstReadBytes (step 1),
// then the dynamic window (2), the bytes up to the code (3), the full prefix
// (4) and the dynamic window beyond it (5), each only when the one before
// could not parse the object.
Result<ElfInfo> read_elf_file(const FileSystem& fs, std::string_view path) {
  auto first = fs.read_prefix(path, kFirstReadBytes);
  if (!first) return tl::unexpected(first.error());
  auto info = read_elf(*first, path);
  if (info || first->size() < kFirstReadBytes) return info;

  const std::optional<DynamicWindow> window = read_dynamic_window(fs, path, *first);
  if (window) {
    if (auto windowed = read_elf(*first, window->range.offset, window->bytes, path)) return windowed;
  }

  if (auto end = tables_end(*first)) {
    auto more = fs.read_prefix(path, *end);
    if (!more) return tl::unexpected(more.error());
    if (auto parsed = read_elf_with(*more, window, path)) return parsed;
  }

  // Tables beyond the code or malformed windows: only then pay for the full prefix.
  auto full = fs.read_prefix(path, kElfPrefixBytes);
  if (!full) return tl::unexpected(full.error());
  info = read_elf(*full, path);
  if (info || full->size() < kElfPrefixBytes) return info;

  return read_far_dynamic(fs, path, *full, std::move(info));
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
