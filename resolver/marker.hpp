#pragma once
// PEP 508 environment markers ("python_version >= '3.8' and extra == 'gpu'"),
// evaluated against the target's interpreter as scanned, never against the
// machine running envlock. Verdicts follow packaging (what pip uses).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::resolver {

/// The values markers test, named as PEP 508 names them.
struct MarkerEnv {
  std::string python_version;       ///< "3.11"
  std::string python_full_version;  ///< "3.11.7"
  std::string os_name;              ///< "posix"
  std::string sys_platform;         ///< "linux"
  std::string platform_machine;     ///< "x86_64"
  std::string platform_system;      ///< "Linux"
  std::string platform_release;     ///< "6.1.0-18-amd64"
  std::string implementation_name;  ///< "cpython"
  std::string implementation_version;          ///< "3.11.7"
  std::string platform_python_implementation;  ///< "CPython"
  std::string platform_version;                ///< uname -v; often unknown ("")
};

/// The environment of a scanned target: python_version and friends from
/// target.python (version, implementation, platform tag), platform_release
/// from target.os.kernel. A "linux_<arch>" (or manylinux/musllinux) platform
/// gives os_name "posix", sys_platform "linux", platform_system "Linux" and
/// platform_machine "<arch>"; "macosx_*" gives Darwin, "win*" Windows. What
/// the fingerprint does not record (platform_version) stays "".
MarkerEnv marker_env_for(const lockfile::Fingerprint& target);

/// The variables a marker may name. Aliases (os.name, sys.platform,
/// platform.machine, platform.version, platform.python_implementation,
/// python_implementation) map to these.
enum class MarkerVar {
  kPythonVersion,
  kPythonFullVersion,
  kOsName,
  kSysPlatform,
  kPlatformMachine,
  kPlatformSystem,
  kPlatformRelease,
  kImplementationName,
  kImplementationVersion,
  kPlatformPythonImplementation,
  kPlatformVersion,
  kExtra,
};

/// "python_version", ... (the canonical PEP 508 name).
std::string_view to_string(MarkerVar var);

enum class MarkerOp { kLess, kLessEqual, kEqual, kNotEqual, kGreaterEqual, kGreater,
                      kCompatible, kArbitrary, kIn, kNotIn };

/// "<", ..., "in", "not in".
std::string_view to_string(MarkerOp op);

/// One side of a comparison: a variable or a quoted literal.
struct MarkerValue {
  std::optional<MarkerVar> variable;  ///< set for a variable
  std::string literal;                ///< the string's value, escapes decoded
};

struct MarkerComparison {
  MarkerValue lhs;
  MarkerOp op = MarkerOp::kEqual;
  MarkerValue rhs;
};

enum class MarkerJoin { kAnd, kOr };

/// A marker expression. A leaf holds one comparison; a group (the whole
/// marker, or a parenthesized part) holds its terms in order with `joins[i]`
/// between terms[i] and terms[i + 1]; `and` binds tighter than `or`.
struct Marker {
  std::optional<MarkerComparison> comparison;  ///< set for a leaf
  std::vector<Marker> terms;
  std::vector<MarkerJoin> joins;  ///< terms.size() - 1 entries
};

/// Parses a PEP 508 marker: comparisons `var op 'str'` / `'str' op var`
/// (either quote style, Python escapes decoded as packaging does), `in` and
/// `not in`, `and`/`or`, parentheses nested at most 64 deep. The whole text
/// must be one marker (packaging 23.0 silently ignores trailing text after a
/// standalone marker; we reject it). An unknown variable is an error.
/// Error: "invalid marker '<text>': <what> at column <n>" (1-based).
Result<Marker> parse_marker(std::string_view text);

/// Evaluates `m` in `env` with `extra` as the value of the `extra` variable.
/// A version operator compares as PEP 440 specifiers do (exclusive-ordered
/// rules included, pre-releases admitted) when the right side forms a valid
/// specifier with it and the left side is a PEP 440 version; otherwise it
/// compares strings (`in`: substring). Extra names are PEP 503 normalized on
/// both sides first. Where packaging raises instead of answering (a non-
/// version left side against a version specifier, ~= or === between plain
/// strings) the string comparison answers, and ~= is false.
bool evaluate(const Marker& m, const MarkerEnv& env, std::string_view extra = "");


/// packaging's str(): `python_version >= "3.8" and (os_name == "nt" or
/// extra == "gpu")`, extra names normalized.
std::string to_string(const Marker& m);

namespace detail {

/// Parses a marker starting at `pos` and stops before the first byte that
/// cannot continue it; `pos` is advanced. Used by the requirement parser,
/// which reports its own errors: `error` receives "<what>" and `pos` the
/// failing offset.
std::optional<Marker> parse_marker_at(std::string_view text, std::size_t& pos,
                                      std::string& error);

}  // namespace detail

}  // namespace envlock::resolver
