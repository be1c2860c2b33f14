#pragma once
// The fingerprint as a document tree: one mapping between the C++ model and the
// keys of docs/lockfile.md, shared by the JSON and TOML codecs, the digest and the
// decoder (decoder.hpp). TOML is only another spelling of the same tree (toml_codec.hpp).

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "lockfile/decoder.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::lockfile {

/// The full document, `envlock` included, with docs/lockfile.md's keys and nesting.
/// Packages, native objects and lists come out in canonical order whatever the
/// order in `fp`; empty optional sections and empty extra fields are left out;
/// strings that are not valid UTF-8 have the bad bytes replaced by U+FFFD.
nlohmann::json to_json(const Fingerprint& fp);

/// Same tree with keys in the documented (docs/lockfile.md) order, for writers that
/// keep key order (TOML). `with_envlock` = false leaves the [envlock] table out.
nlohmann::ordered_json to_ordered_json(const Fingerprint& fp, bool with_envlock);

/// Parses JSON text into a tree, rejecting text over kMaxDocumentBytes and
/// nesting over kMaxDocumentDepth. Syntax errors read `source:line:col: <what>`.
/// Sets `where` (may be null) up to find the line of any value from `text`,
/// which must then outlive `where`.
Result<nlohmann::json> parse_json_document(std::string_view text, std::string_view source,
                                           SourceMap* where);


}  // namespace envlock::lockfile
