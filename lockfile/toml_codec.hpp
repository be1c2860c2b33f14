#pragma once
// The lockfile's TOML spelling of the document tree (json_codec.hpp): the
// layout of docs/lockfile.md, written by hand so that key order stays readable and
// stable; read with toml++ into the same tree the JSON codec uses.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "lockfile/decoder.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::lockfile {

/// The lockfile text: [envlock] (schema, generator, created as a TOML datetime,
/// digest, target, signature; empty ones left out), then [python],
/// [[packages]], [[native]], [os], [hardware.cpu], [[hardware.gpus]], [env],
/// [cuda], [image], [[integrity]], [[diagnostics]] with the keys of
/// to_ordered_json(). Does not compute the digest (see render_lock).
std::string to_toml(const Fingerprint& fp);

/// Parses TOML text into the document tree: tables become objects, dates and
/// times become their TOML text (recorded in `where->datetimes`); `where` (may
/// be null) is set up to find any value's line from `text`, which must then
/// outlive `where`. Rejects text over kMaxDocumentBytes, more values than
/// value_budget() allows, dotted keys of more than 32 parts and nesting over
/// kMaxDocumentDepth. Syntax errors read `source:line:col: <toml++ description>`.
Result<nlohmann::json> parse_toml_document(std::string_view text, std::string_view source,
                                           SourceMap* where);

/// The most parts a dotted key ([a.b.c] or a.b.c = ...) may have.
inline constexpr int kMaxKeyParts = 32;

/// toml++ recurses once per part of a dotted key; a hostile key of a million
/// parts would overflow the stack. Counts the dots in every run of key
/// characters, skipping strings and comments, before toml++ sees the text;
/// returns the line of the first key with kMaxKeyParts parts or more. Every
/// TOML reader (locks, policies) calls it first.
std::optional<std::size_t> too_many_key_parts(std::string_view text);

}  // namespace envlock::lockfile
