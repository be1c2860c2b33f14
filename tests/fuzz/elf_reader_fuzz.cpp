// libFuzzer target for the ELF reader: any bytes must give an ElfInfo or an
// error, never a crash, an out-of-bounds read or a hang. The input is read
// whole, as a prefix plus a window further in (how large libraries with
// PT_DYNAMIC beyond the prefix are read), and as a file through read_elf_file
// and find_elf_section, which pick what to read from the bytes themselves.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memory_fs.hpp"
#include "scanner/native/elf_reader.hpp"
#include "scanner/native/elf_versions.hpp"

namespace {

void exercise(const envlock::Result<envlock::scanner::ElfInfo>& info) {
  if (!info) return;
  envlock::scanner::highest_version(info->version_needs, "GLIBC_");
  envlock::scanner::highest_version(info->version_defs, "GLIBCXX_");
  envlock::scanner::so_version(info->soname);
  envlock::scanner::machine_name(info->machine, info->elf_class, info->little_endian);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  exercise(envlock::scanner::read_elf(bytes, "fuzz"));
  envlock::scanner::elf_dynamic_range(bytes);
  if (size > 64) {
    // Split at a point the input chooses; the window sits where the program
    // headers would look for PT_DYNAMIC, or at the split point.
    std::size_t split = 64 + static_cast<std::uint8_t>(bytes[size - 1]) * (size - 64) / 256;
    auto range = envlock::scanner::elf_dynamic_range(bytes.substr(0, split));
    std::uint64_t offset = range ? range->offset : split;
    exercise(envlock::scanner::read_elf(bytes.substr(0, split), offset, bytes.substr(split), "fuzz"));
  }
  envlock::fuzz::MemoryFileSystem fs;
  fs.add("/lib.so", std::string(bytes));
  exercise(envlock::scanner::read_elf_file(fs, "/lib.so"));
  for (const char* name : {".rodata", ".comment", ""}) {
    auto found = envlock::scanner::find_elf_section(fs, "/lib.so", name);
    if (found.range && found.range->size <= size) (void)fs.read_at("/lib.so", found.range->offset, found.range->size);
  }
  return 0;
}
