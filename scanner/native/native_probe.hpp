#pragma once
// The [[native]] part of the fingerprint: every ELF object the packages ship
// (extension modules, auditwheel's *.libs/, torch/lib, nvidia/*/lib, bundled
// executables) and every system library in their load closure, resolved the
// way ld.so would inside the target (scanner/native/library_resolver.hpp).

#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/native/native_candidate.hpp"

namespace envlock::scanner {

struct NativeOptions {
  std::vector<std::string> ld_library_path;  ///< live targets only
  bool hash = true;                          ///< sha256 of every object (off for --fast)
  /// Worker threads for reading and hashing; 0 = hardware_concurrency, 1 = none.
  /// The FileSystem's const methods are then called from several threads.
  unsigned threads = 0;
};

/// Adds a lockfile::Native for every ELF object among `candidates` (owner
/// = its package; the Python probe chose them with may_be_native, and they
/// are not filtered again here; a path in /proc, /sys or /dev is never
/// opened) and for every other object their load closures reach
/// (owner = "system"; each gets the closure ld.so would load for it alone, so
/// every `resolved` path has an entry). `resolved` maps each DT_NEEDED name to
/// the path ld.so finds, "" when it finds none. An ELF object that cannot be
/// parsed or hashed becomes a diagnostic (and keeps its entry); the scan goes
/// on. A candidate whose first bytes cannot be read is taken for non-ELF (an
/// image keeps no content of non-ELF files). Fills fp.cuda (probe_cuda).
void probe_native(const FileSystem& fs, const std::vector<NativeCandidate>& candidates,
                  const NativeOptions& opts, lockfile::Fingerprint& fp);

}  // namespace envlock::scanner
