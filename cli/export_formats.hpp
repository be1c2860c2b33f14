#pragma once
// `envlock export FILE --format pylock|requirements|cyclonedx`: a lock or scan
// turned into a format other tools read, plus the checks every export shares.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

enum class ExportFormat { kPylock, kRequirements, kCycloneDx };

/// Parses an export --format word. Error (kUsage):
/// "unknown export format 'x' (expected pylock, requirements or cyclonedx)".
Result<ExportFormat> parse_export_format(std::string_view word);

/// The document for `fp` in `format`, ending in a newline. Fails (kInvalid)
/// when a package cannot be written safely in an installable format (pylock,
/// requirements); the message names the package. CycloneDX never fails.
Result<std::string> export_fingerprint(const lockfile::Fingerprint& fp, ExportFormat format);

/// The packages an export lists: every package not shadowed by an earlier
/// site directory (the one Python imports) and not a conda package that is
/// no Python distribution (format "conda"), sorted by name.
std::vector<const lockfile::Package*> exported_packages(const lockfile::Fingerprint& fp);

/// A project name as PEP 508 allows it: ASCII letters and digits, with '.',
/// '_' and '-' inside.
bool is_valid_project_name(std::string_view name);

/// A version made only of the characters PEP 440 uses (letters, digits,
/// ". ! + - _"), not empty.
bool is_plain_version(std::string_view version);

/// A URL that fits on a requirements line: printable ASCII, no spaces, not
/// empty.
bool is_plain_url(std::string_view url);

/// Checks `pkg` can be written into an installable format: a valid name, and
/// a plain version (when `needs_version`) and a plain direct URL (when it has
/// one). Error: "cannot export package 'x y': not a valid project name",
/// "... 'numpy': version '1 .0' is not a valid version", "... 'numpy': it has
/// no version", "... 'foo': direct URL 'a b' has spaces or control characters".
Result<void> check_installable(const lockfile::Package& pkg, bool needs_version);

/// A direct URL's archive hash as {algorithm, hex}: accepts "sha256=<hex>"
/// and "sha256:<hex>"; empty algorithm when `hash` is neither.
std::pair<std::string, std::string> split_archive_hash(std::string_view hash);

/// "Exported by envlock X from TARGET" and digest/python lines, each made
/// safe for a one-line comment (escape_terminal) and prefixed with "# ".
std::string export_header_comment(const lockfile::Fingerprint& fp);

}  // namespace envlock::cli
