#pragma once
// PEP 440 versions: parsing, the normalized form, and the total order the
// spec defines. The oracle is the `packaging` library (what pip uses); where
// the two differ, packaging wins and the difference is noted where it bites.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace envlock::resolver {

/// A non-negative integer of any length: PEP 440 puts no bound on a version
/// number (date stamps like 20240101120000 are common, longer ones exist), so
/// it is kept as its decimal digits and compared by length, then digits.
class Number {
 public:
  Number() = default;  ///< zero
  /// `digits` is one or more ASCII digits; leading zeros are dropped.
  static Number from_digits(std::string_view digits);

  /// "0" for zero, otherwise the digits without leading zeros.
  std::string_view digits() const { return digits_.empty() ? std::string_view("0") : digits_; }
  bool is_zero() const { return digits_.empty(); }

  friend bool operator==(const Number& a, const Number& b) = default;
  friend std::strong_ordering operator<=>(const Number& a, const Number& b);

 private:
  std::string digits_;  // no leading zeros; empty for zero
};

/// Pre-release kinds, in their PEP 440 order.
enum class PreKind { kAlpha, kBeta, kRc };

struct PreRelease {
  PreKind kind = PreKind::kAlpha;
  Number number;
  friend bool operator==(const PreRelease&, const PreRelease&) = default;
};

/// One dot-separated part of a local label ("cu118", "1").
struct LocalSegment {
  bool numeric = false;
  std::string text;  ///< lowercase; when numeric, digits without leading zeros
  friend bool operator==(const LocalSegment&, const LocalSegment&) = default;
};

struct Version {
  Number epoch;
  std::vector<Number> release;  ///< at least one element unless legacy
  std::optional<PreRelease> pre;
  std::optional<Number> post;
  std::optional<Number> dev;
  std::vector<LocalSegment> local;  ///< empty: no local label
  /// True for a string that is not PEP 440 ("2.0-beta-custom"); then only
  /// `raw` is meaningful. Produced by parse_version_or_legacy only.
  bool legacy = false;
  std::string raw;  ///< the text parsed, surrounding whitespace removed

  /// A pre-release or a development release (packaging's is_prerelease).
  bool is_prerelease() const { return pre.has_value() || dev.has_value(); }
  bool is_postrelease() const { return post.has_value(); }
  bool is_devrelease() const { return dev.has_value(); }
  bool has_local() const { return !local.empty(); }
};

/// Parses a PEP 440 version with every spelling the spec allows (leading 'v',
/// any case, alpha/beta/c/pre/preview/rev/r, separators '.', '-', '_',
/// implicit numbers, "1.0-1" post releases, local labels), surrounding
/// whitespace ignored. Returns nullopt for anything else, including a number
/// longer than 4300 digits (CPython's int() refuses those, so pip does too).
std::optional<Version> parse_version(std::string_view text);

/// parse_version, but a non-PEP 440 string becomes a legacy Version holding
/// only `raw` instead of failing.
Version parse_version_or_legacy(std::string_view text);

/// The PEP 440 normalized form: "1!2.0rc1.post3.dev4+ubuntu.1". A legacy
/// version prints as its raw text.
std::string to_string(const Version& v);

/// The public part: `v` without its local label.
Version public_version(const Version& v);

/// The release with its epoch only, no pre/post/dev/local ("base_version").
Version base_version(const Version& v);

/// <0, 0, >0. The PEP 440 total order: epoch, release (trailing zeros
/// ignored), then dev-only releases before pre-releases before the release
/// before post-releases, dev releases before what they develop, and local
/// labels last (no label lowest; segment-wise, numeric above alphanumeric,
/// numbers by value, strings lexicographically, a shorter prefix lower).
/// Legacy versions sort below every PEP 440 version and among themselves by
/// raw text.
int compare(const Version& a, const Version& b);

/// PEP 440 equality of two version strings: "1.0" equals "1.0.0" and "v1.0",
/// "2.1.0+cu118" differs from "2.1.0+cpu". A non-PEP 440 string equals only
/// the identical string.
bool versions_equal(std::string_view a, std::string_view b);

namespace detail {

/// Which variant of the PEP 440 grammar a scan accepts; the specifier
/// operators each allow a different subset (packaging's specifier regex).
struct VersionGrammar {
  bool allow_local = true;
  bool allow_wildcard = false;   ///< a trailing ".*" right after the release
  std::size_t min_release = 1;   ///< "~=" needs two release segments
};

struct ScannedVersion {
  std::size_t end = 0;  ///< one past the last byte matched
  Version version;
  bool wildcard = false;
};

/// Matches the longest PEP 440 version starting exactly at `pos` (no
/// whitespace skipping), the way packaging's unanchored regex does. nullopt
/// when not even a release segment matches there.
std::optional<ScannedVersion> scan_version(std::string_view text, std::size_t pos,
                                           const VersionGrammar& grammar);

/// Byte length of the whitespace character at `pos` (0 when there is none),
/// whitespace being what Python's str.isspace() and regex \s accept: ASCII
/// \t\n\v\f\r, \x1c-\x1f and space, and the UTF-8 encoded Unicode spaces
/// (U+0085, U+00A0, U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000).
std::size_t space_at(std::string_view s, std::size_t pos);
/// `s` without leading and trailing whitespace (as Python's str.strip()).
std::string_view python_strip(std::string_view s);

}  // namespace detail

}  // namespace envlock::resolver
