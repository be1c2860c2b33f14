#pragma once
// Byte code Python would load instead of a source file. pip lists
// `__pycache__/*.pyc` in RECORD without a hash (uv does not list them at
// all), so nothing vouches for their content; yet when a pyc's header matches
// its source, CPython runs the pyc and never reads the source. This file
// decides, as importlib's SourceFileLoader does, which pycs would be loaded,
// and pins their code.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// The interpreter whose imports decide which pycs count.
struct BytecodeTarget {
  /// sys.implementation.cache_tag ("cpython-311"); "" when unknown: every
  /// tag counts.
  std::string cache_tag;
  /// The 4-byte magic (little-endian word) of the interpreter's pycs; nullopt
  /// when the version is not one whose magic is known for certain (a
  /// pre-release, a future version, not CPython): every magic counts.
  std::optional<std::uint32_t> magic;
};

/// The target for an implementation ("cpython", "pypy") and version
/// ("3.11.7"). CPython 3.8 to 3.13 final releases get their magic; any other
/// version only a cache tag (when it can be derived), unknown input neither.
BytecodeTarget bytecode_target(std::string_view implementation, std::string_view version);

/// The 16-byte header of PEP 552.
struct PycHeader {
  std::uint32_t magic = 0;
  std::uint32_t flags = 0;  ///< bit 0: hash-based; bit 1: check_source
  std::uint32_t word2 = 0;  ///< timestamp pyc: source mtime (seconds, low 32 bits)
  std::uint32_t word3 = 0;  ///< timestamp pyc: source size (low 32 bits)
};

/// nullopt when `bytes` is shorter than 16 bytes (Python rejects such a pyc).
std::optional<PycHeader> parse_pyc_header(std::string_view bytes);

/// Whether CPython's SourceFileLoader would execute a pyc with this header
/// for a source with this stat, instead of compiling the source:
/// - a magic other than the target's known magic, or unknown flag bits: never
///   (importlib raises ImportError internally and compiles the source);
/// - a timestamp pyc (flags 0): when its mtime and size words equal the
///   source's (seconds truncated, low 32 bits each);
/// - a hash-based pyc: always. Unchecked ones (flags 1) are loaded without
///   looking at the source; checked ones (flags 3) only when their SipHash of
///   the source matches, which envlock does not compute: it counts them as
///   loaded, so that one more pyc is pinned rather than one missed.
bool would_load(const PycHeader& header, const FileStat& source, const BytecodeTarget& target);

/// A source file whose cached byte code counts, and who owns it.
struct BytecodeSource {
  std::string path;       ///< absolute target path of a `.py` file
  std::size_t owner = 0;  ///< the caller's index (a package)
};

/// A pyc Python would load.
struct PinnedBytecode {
  std::string path;       ///< absolute target path of the pyc
  std::size_t owner = 0;  ///< of its source
  std::string sha256;     ///< lower-case hex SHA-256 of the code after the 16-byte header
};

/// For each source `<dir>/<stem>.py`, the files `<dir>/__pycache__/<stem>.<tag>.pyc`,
/// `.<tag>.opt-1.pyc` and `.<tag>.opt-2.pyc` (every tag when the target's is
/// unknown) that would_load() accepts, with the SHA-256 of their code. The
/// optimized ones are loaded only under `-O`/`-OO` or PYTHONOPTIMIZE, which a
/// scan cannot rule out for the deployment, so they count. The header is left
/// out of the digest: it holds the source's mtime, which differs between two
/// installs of the same wheel. Sorted by path; read on all cores. A pyc that
/// cannot be read becomes a diagnostic.
std::vector<PinnedBytecode> pin_bytecode(const FileSystem& fs,
                                         const std::vector<BytecodeSource>& sources,
                                         const BytecodeTarget& target,
                                         std::vector<lockfile::Diagnostic>& diagnostics);

}  // namespace envlock::scanner
