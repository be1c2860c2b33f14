#pragma once
// Wheel tag compatibility: can an installed wheel run on the target's
// interpreter? pip check reports wheels whose tags the interpreter does not
// support (copied venvs, images built on another platform); so do we.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "resolver/finding.hpp"

namespace envlock::resolver {

/// Why one WHEEL tag ("cp311-cp311-manylinux_2_17_x86_64", compressed sets
/// like "py2.py3-none-any" included) cannot run on fp's interpreter, or
/// nullopt when it can -- or when fp lacks the facts to tell (no [python],
/// an unknown glibc for manylinux tags) or the tag is malformed. Rules, as
/// packaging.tags lists supported tags:
///  - python/ABI: pyN and pyNM (M <= minor) with ABI "none"; the
///    interpreter's own tag (cp311) with its ABI, "none", or (CPython, not
///    free-threaded) "abi3"; older cp3M tags with "abi3" only.
///  - platform: "any"; the interpreter's platform; on linux_ARCH also
///    manylinux1/2010/2014 (glibc 2.5/2.12/2.17) and manylinux_X_Y_ARCH when
///    the target's glibc (os.glibc) is at least X.Y; musllinux never runs
///    on a glibc system.
std::optional<std::string> why_unsupported(std::string_view tag,
                                           const lockfile::Fingerprint& fp);

struct IncompatibleWheel {
  const lockfile::Package* package = nullptr;  ///< points into the fingerprint
  std::string reason;  ///< why_unsupported of its first well-formed tag
  std::size_t tags = 0;  ///< how many well-formed tags it has, none of them supported
};

/// Installed (not shadowed) packages with WHEEL tags none of which runs on
/// fp's interpreter, in package order. Packages without tags are skipped.
std::vector<IncompatibleWheel> incompatible_wheels(const lockfile::Fingerprint& fp);

/// "numpy 2.0.0 cannot run on the target: <reason>".
std::string describe(const IncompatibleWheel& wheel);

/// The tags as one value: "cp311-cp311-manylinux_2_17_x86_64, cp311-...".
std::string join_tags(const std::vector<std::string>& tags);

}  // namespace envlock::resolver
