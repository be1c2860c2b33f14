#pragma once
// PEP 440 version specifiers (">=1.2,!=1.3.*,<2") and whether a version
// satisfies them, with packaging's verdicts (what pip uses).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "resolver/version.hpp"

namespace envlock::resolver {

enum class SpecOp {
  kCompatible,    ///< ~=
  kEqual,         ///< ==
  kNotEqual,      ///< !=
  kLessEqual,     ///< <=
  kGreaterEqual,  ///< >=
  kLess,          ///< <
  kGreater,       ///< >
  kArbitrary,     ///< ===
};

/// "==", "~=", ...
std::string_view to_string(SpecOp op);

struct Specifier {
  SpecOp op = SpecOp::kEqual;
  /// The version as written, whitespace removed: "1.2.*", "V1.0", for ===
  /// any text. ~= derives its prefix from this spelling, as packaging does.
  std::string text;
  Version version;  ///< parsed `text` (without ".*"); for === legacy unless PEP 440
  bool wildcard = false;  ///< "==1.2.*" / "!=1.2.*"
};

/// Comma-separated specifiers that must all hold; empty matches everything.
struct SpecifierSet {
  std::vector<Specifier> specifiers;  ///< in the order written
};

/// Parses a PEP 440 specifier set; whitespace around each item is allowed,
/// "" is the empty set. Each item must be one whole specifier of the PEP 440
/// grammar: wildcards and local labels only with == and !=, "~=" with at
/// least two release segments, "===" followed by any non-space text.
/// Unlike packaging, an empty item (">=1.0,,<2", a trailing comma) is an
/// error, as PEP 440's grammar says. Error: "invalid specifier '<text>'".
Result<SpecifierSet> parse_specifier_set(std::string_view text);

/// One specifier, e.g. ">= 1.0" (surrounding whitespace allowed).
/// Error: "invalid specifier '<text>'".
Result<Specifier> parse_specifier(std::string_view text);

/// Whether `version` satisfies every specifier. With `prereleases` (the
/// default) pre-releases are matched like any version, as PEP 440 says for a
/// version already installed; without it they are rejected unless the set
/// itself names a pre-release (packaging's default). Exclusive comparisons
/// follow PEP 440: "<V" rejects pre-releases of V unless V is one, ">V"
/// rejects post-releases of V unless V is one, and local versions of V.
/// A non-PEP 440 version satisfies the empty set and "===" of its exact text
/// (case-insensitive) and nothing else.
bool contains(const SpecifierSet& set, std::string_view version, bool prereleases = true);
bool contains(const SpecifierSet& set, const Version& version, bool prereleases = true);

/// One specifier; `prereleases` as above.
bool contains(const Specifier& spec, const Version& version, bool prereleases = true);

/// packaging's str(): the specifiers sorted as text, joined with ",";
/// a specifier equal to an earlier one (same operator and normalized
/// version) is dropped.
std::string to_string(const SpecifierSet& set);
std::string to_string(const Specifier& spec);

namespace detail {

struct ScannedSpecifier {
  Specifier spec;
  std::size_t end = 0;  ///< one past the last byte matched
};

/// Matches one specifier (operator, optional whitespace, version) starting
/// exactly at `pos`, the way packaging's requirement tokenizer does: the
/// longest match, not anchored at the end. nullopt when none matches.
std::optional<ScannedSpecifier> scan_specifier(std::string_view text, std::size_t pos);

/// parse_specifier without building an error message (marker evaluation
/// tries many strings that are not specifiers).
std::optional<Specifier> try_parse_specifier(std::string_view text);

/// parse_specifier_set, but empty items are skipped as packaging does; the
/// requirement parser needs this to accept "name>=1.0," like pip.
Result<SpecifierSet> parse_specifier_list(std::string_view text, bool skip_empty);

}  // namespace detail

}  // namespace envlock::resolver
