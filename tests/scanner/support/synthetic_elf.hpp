#pragma once
// Builds minimal ELF shared objects byte by byte, for the layouts the host
// compiler cannot produce here (32-bit, big-endian) and for objects whose
// dynamic table is reachable only through section headers.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace envlock::scanner::native_test {

struct SynthSpec {
  bool is64 = true;
  bool little = true;
  std::uint16_t machine = 62;
  std::string soname;
  std::vector<std::string> needed;
  std::string rpath, runpath;
  std::uint64_t flags_1 = 0;
  /// vn_file -> version names
  std::vector<std::pair<std::string, std::vector<std::string>>> verneed;
  bool program_dynamic = true;  ///< emit PT_DYNAMIC (else only SHT_DYNAMIC)
  bool sections = false;        ///< emit section headers for .dynstr and .dynamic
};

class SynthWriter {
 public:
  explicit SynthWriter(bool little) : little_(little) {}
  void put(std::size_t off, std::uint64_t v, unsigned width) {
    if (bytes.size() < off + width) bytes.resize(off + width, '\0');
    for (unsigned i = 0; i < width; ++i) {
      unsigned shift = 8 * (little_ ? i : width - 1 - i);
      bytes[off + i] = static_cast<char>((v >> shift) & 0xff);
    }
  }
  std::string bytes;

 private:
  bool little_;
};

inline std::string build_elf(const SynthSpec& s) {
  constexpr std::uint64_t kBase = 0x10000;
  const unsigned w = s.is64 ? 8 : 4;
  const std::size_t ehsize = s.is64 ? 64 : 52, phentsize = s.is64 ? 56 : 32;
  const std::size_t phnum = s.program_dynamic ? 2 : 1;
  SynthWriter out(s.little);

  // String table.
  std::string strtab(1, '\0');
  auto add = [&](const std::string& str) {
    std::size_t off = strtab.size();
    strtab += str;
    strtab.push_back('\0');
    return off;
  };
  std::vector<std::pair<std::int64_t, std::uint64_t>> dyn;
  for (const auto& n : s.needed) dyn.push_back({1, add(n)});
  if (!s.soname.empty()) dyn.push_back({14, add(s.soname)});
  if (!s.rpath.empty()) dyn.push_back({15, add(s.rpath)});
  if (!s.runpath.empty()) dyn.push_back({29, add(s.runpath)});
  std::vector<std::pair<std::size_t, std::vector<std::size_t>>> vn;
  for (const auto& [file, names] : s.verneed) {
    std::vector<std::size_t> offs;
    for (const auto& n : names) offs.push_back(add(n));
    vn.push_back({add(file), offs});
  }

  std::size_t strtab_off = ehsize + phnum * phentsize;
  out.bytes.resize(strtab_off);
  out.bytes += strtab;
  while (out.bytes.size() % 8) out.bytes.push_back('\0');

  std::size_t verneed_off = out.bytes.size();
  for (std::size_t i = 0; i < vn.size(); ++i) {
    std::size_t at = out.bytes.size();
    const auto& [file, names] = vn[i];
    std::size_t record = 16 + 16 * names.size();
    out.put(at, 1, 2);
    out.put(at + 2, names.size(), 2);
    out.put(at + 4, file, 4);
    out.put(at + 8, 16, 4);
    out.put(at + 12, i + 1 < vn.size() ? record : 0, 4);
    for (std::size_t j = 0; j < names.size(); ++j) {
      std::size_t a = at + 16 + 16 * j;
      out.put(a + 8, names[j], 4);
      out.put(a + 12, j + 1 < names.size() ? 16 : 0, 4);
    }
  }
  if (!vn.empty()) {
    dyn.push_back({0x6ffffffe, kBase + verneed_off});
    dyn.push_back({0x6fffffff, vn.size()});
  }
  if (s.flags_1) dyn.push_back({0x6ffffffb, s.flags_1});
  dyn.push_back({5, kBase + strtab_off});
  dyn.push_back({10, strtab.size()});
  dyn.push_back({0, 0});

  std::size_t dyn_off = out.bytes.size();
  for (std::size_t i = 0; i < dyn.size(); ++i) {
    out.put(dyn_off + 2 * w * i, static_cast<std::uint64_t>(dyn[i].first), w);
    out.put(dyn_off + 2 * w * i + w, dyn[i].second, w);
  }
  std::size_t dyn_size = dyn.size() * 2 * w;
  std::size_t file_size = out.bytes.size();

  std::size_t shoff = 0, shnum = 0, shentsize = s.is64 ? 64 : 40;
  if (s.sections) {
    shoff = file_size;
    shnum = 3;
    out.bytes.resize(shoff + shnum * shentsize, '\0');
    auto section = [&](std::size_t i, std::uint32_t type, std::uint64_t addr, std::uint64_t off,
                       std::uint64_t size, std::uint32_t link) {
      std::size_t sh = shoff + i * shentsize;
      out.put(sh + 4, type, 4);
      out.put(sh + (s.is64 ? 16 : 12), addr, w);
      out.put(sh + (s.is64 ? 24 : 16), off, w);
      out.put(sh + (s.is64 ? 32 : 20), size, w);
      out.put(sh + (s.is64 ? 40 : 24), link, 4);
    };
    section(1, 3, kBase + strtab_off, strtab_off, strtab.size(), 0);
    section(2, 6, kBase + dyn_off, dyn_off, dyn_size, 1);
  }

  // ELF header.
  out.bytes.replace(0, 4, "\x7f" "ELF");
  out.bytes[4] = s.is64 ? 2 : 1;
  out.bytes[5] = s.little ? 1 : 2;
  out.bytes[6] = 1;
  out.put(16, 3, 2);  // ET_DYN
  out.put(18, s.machine, 2);
  out.put(20, 1, 4);
  out.put(s.is64 ? 32 : 28, ehsize, w);           // e_phoff
  out.put(s.is64 ? 40 : 32, shoff, w);            // e_shoff
  out.put(s.is64 ? 52 : 40, ehsize, 2);
  out.put(s.is64 ? 54 : 42, phentsize, 2);
  out.put(s.is64 ? 56 : 44, phnum, 2);
  out.put(s.is64 ? 58 : 46, shentsize, 2);
  out.put(s.is64 ? 60 : 48, shnum, 2);

  // Program headers: one PT_LOAD over the whole file, then PT_DYNAMIC.
  auto phdr = [&](std::size_t i, std::uint32_t type, std::uint64_t off, std::uint64_t size) {
    std::size_t ph = ehsize + i * phentsize;
    out.put(ph, type, 4);
    if (s.is64) {
      out.put(ph + 8, off, 8);
      out.put(ph + 16, kBase + off, 8);
      out.put(ph + 32, size, 8);
      out.put(ph + 40, size, 8);
    } else {
      out.put(ph + 4, off, 4);
      out.put(ph + 8, kBase + off, 4);
      out.put(ph + 16, size, 4);
      out.put(ph + 20, size, 4);
    }
  };
  phdr(0, 1, 0, file_size);
  if (s.program_dynamic) phdr(1, 2, dyn_off, dyn_size);
  return out.bytes;
}

}  // namespace envlock::scanner::native_test
