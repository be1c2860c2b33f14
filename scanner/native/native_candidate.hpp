#pragma once
// A file the native probe should look at: one a package (or dpkg, or nobody)
// owns that may be an ELF object. The Python probe picks the candidates, once,
// with may_be_native(); the native probe reads the ones whose first bytes are
// ELF (docs/native.md).

#include <string>
#include <string_view>

namespace envlock::scanner {

struct NativeCandidate {
  std::string path;   ///< absolute in the target
  std::string owner;  ///< normalized package name; "dpkg" or "" when no Python package lists it
};

/// True for names that can be ELF objects worth a look: "*.so", "*.so.*" and
/// names without an extension (executables); dist-info / __pycache__ excluded.
bool may_be_native(std::string_view path);

}  // namespace envlock::scanner
