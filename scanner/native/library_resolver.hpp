#pragma once
// Finds the file a DT_NEEDED name loads, the way glibc's ld.so does, inside
// the target root and without running anything from it:
//
//   1. a name with '/' is a path ($ORIGIN etc. expanded);
//   2. DT_RPATH of the requester, then of the object that loaded it, and on
//      up to the main object -- only when the requester has no DT_RUNPATH
//      (an object with DT_RUNPATH has no effective DT_RPATH);
//   3. LD_LIBRARY_PATH (live targets only);
//   4. DT_RUNPATH of the requester alone;
//   5. the target's /etc/ld.so.cache, then the default directories, both
//      skipped when the requester has DF_1_NODEFLIB.
//
// A candidate of the wrong ELF class, byte order or machine is skipped, as
// ld.so does. $ORIGIN is the directory of the requester's path as found (ld.so
// never resolves symlinks for it); $LIB and $PLATFORM follow the target's
// layout (Debian multiarch "lib/x86_64-linux-gnu", else "lib64"/"lib").
// Not modelled: glibc-hwcaps and legacy hwcap subdirectories, and cache
// entries for them; relative search-path entries (they depend on the cwd).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"
#include "scanner/native/elf_reader.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/native/ld_cache.hpp"

namespace envlock::scanner {

/// One object of a load closure, in ld.so's load order.
struct LoadedObject {
  std::string name;  ///< the name it was first requested under; the root path for the root
  std::string path;  ///< as the loader found it (what ldd prints); "" when not found
  std::string real;  ///< fs.realpath of path: the object's identity
  bool interpreter = false;  ///< the dynamic loader itself (ldd prints it without "=>")
  std::size_t loader = 0;    ///< index of the object whose DT_NEEDED loaded it (0 for the root)
  ElfInfo info;              ///< empty when not found or unreadable
  std::string error;         ///< why its ELF data could not be read ("" when fine)
  std::map<std::string, std::string> resolved;  ///< its DT_NEEDED -> path, "" when not found
};

class LibraryResolver {
 public:
  /// `ld_library_path` is the live process's LD_LIBRARY_PATH, whole or split
  /// at ':' (empty for images and roots).
  LibraryResolver(const FileSystem& fs, std::vector<std::string> ld_library_path);

  /// Resolves one DT_NEEDED name of `requester` (found at `requester_path`)
  /// as if the requester were the main object: RPATH chain = requester only,
  /// and no already-loaded objects. "" when not found. Fails only for an empty name.
  Result<std::string> resolve(const ElfInfo& requester, std::string_view requester_path,
                              std::string_view needed);

  /// What `ldd root_path` would load: the root first, then breadth-first in
  /// DT_NEEDED order. Names already loaded (by name, soname or same file) are
  /// reused, as ld.so does, and the interpreter (PT_INTERP, or the default
  /// loader for the root's machine) counts as loaded from the start. Fails
  /// when the root itself cannot be read as ELF.
  Result<std::vector<LoadedObject>> load_closure(std::string_view root_path);

  /// The library the loader finds for `name` with no requester paths: the
  /// cache, then the default directories. `machine` 0 accepts any machine and
  /// prefers a 64-bit object (for the OS probe, which has no requester).
  std::string find_system(std::string_view name, int elf_class, std::uint16_t machine);

  /// read_elf_file, memoized per path; nullptr with `*error` set on failure.
  const ElfInfo* parsed(std::string_view path, std::string* error = nullptr);

  /// Seeds the parse memo (the native probe parses package files in parallel).
  void remember(std::string path, Result<ElfInfo> info);

  /// fs.realpath, memoized; the path itself when it cannot be resolved.
  std::string identity(std::string_view path);

  /// Why the target's ld.so.cache could not be used, "" when it was fine or absent.
  const std::string& cache_error();

 private:
  struct Link {
    const ElfInfo* info;
    std::string_view path;
  };
  struct Header {
    bool exists = false;
    bool elf = false;
    int elf_class = 0;
    bool little = true;
    std::uint16_t machine = 0;
  };
  struct Layout {
    std::vector<std::string> default_dirs;
    std::string lib;       ///< $LIB
    std::string platform;  ///< $PLATFORM
  };

  std::string search(const std::vector<Link>& chain, const Link& main, std::string_view needed);
  /// True when `path` exists and is an ELF object `want` can load.
  bool try_candidate(const std::string& path, const ElfInfo& want);
  const Header& header(const std::string& path);
  const Layout& layout(const ElfInfo& want);
  void load_cache();
  std::vector<std::string> expand(const std::vector<std::string>& dirs, std::string_view origin,
                                  const ElfInfo& want);
  std::string interpreter_for(const ElfInfo& root);

  const FileSystem& fs_;
  std::vector<std::string> ld_library_path_;
  bool cache_loaded_ = false;
  std::string cache_error_;
  std::unordered_map<std::string, std::vector<LdCacheEntry>> cache_;  ///< soname -> entries in file order
  std::unordered_map<std::string, Header> headers_;
  std::unordered_map<std::string, std::string> real_;
  std::unordered_map<std::string, std::unique_ptr<Result<ElfInfo>>> parsed_;
  std::map<std::pair<int, std::uint16_t>, Layout> layouts_;
};

}  // namespace envlock::scanner
