#pragma once
// Which files' content the probes read. A container image is streamed once and
// keeps only these bytes (plus headers of everything), so this list is the
// contract between the probes and the image reader.

#include <cstdint>
#include <string_view>

#include "scanner/native/elf_file.hpp"  // kElfPrefixBytes

namespace envlock::scanner {

enum class Want {
  kNothing,  ///< header only (type, size, mode, link target)
  kWhole,    ///< whole content (metadata files, configs)
  kPrefix,   ///< first kElfPrefixBytes bytes (ELF objects)
  /// First kBytecodeHeadBytes bytes and the SHA-256 of the rest: byte code in
  /// `__pycache__`, whose header decides whether Python loads it and whose
  /// code is pinned (scanner/python/bytecode.hpp), without keeping the code.
  kHeadAndDigest,
};

/// The header of a pyc (PEP 552), kept apart from the digest of the code after it.
inline constexpr std::uint64_t kBytecodeHeadBytes = 16;

/// Decides from the path (absolute inside the target) and, for ELF detection,
/// the first bytes of content (may be empty when not yet known).
Want wanted_content(std::string_view path, std::string_view first_bytes);

}  // namespace envlock::scanner
