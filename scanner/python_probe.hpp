#pragma once
// The Python probe: packages of the given site directories into the
// fingerprint, with file digests (hashed, or trusted from RECORD with --fast)
// and installed-file verification.

#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/filesystem.hpp"

namespace envlock::scanner {

struct PythonProbeOptions {
  bool fast = false;  ///< trust RECORD; read no package file contents
};

struct PackageFileRef {
  std::string path;   ///< absolute target path
  std::string owner;  ///< normalized package name
};

/// Fills fp.packages, fp.integrity and fp.diagnostics. Returns every file the
/// (non-shadowed) packages list, for the native probe.
std::vector<PackageFileRef> probe_python_packages(const FileSystem& fs,
                                                  const std::vector<std::string>& site_dirs,
                                                  const PythonProbeOptions& options,
                                                  lockfile::Fingerprint& fp);

}  // namespace envlock::scanner
