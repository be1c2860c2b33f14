#pragma once
// The lock digest: SHA-256 over a canonical serialization of every section
// except [envlock] (docs/lockfile.md, "Digest"). Two scans of an unchanged
// environment give the same digest; `created`, `generator` and the signature
// are outside it.

#include <string>

#include <nlohmann/json.hpp>

#include "lockfile/fingerprint.hpp"

namespace envlock::lockfile {

/// The bytes the digest is computed over: the document tree of to_json(fp)
/// without "envlock", as compact JSON with keys sorted by byte order.
std::string canonical_form(const Fingerprint& fp);

/// "sha256:<hex>" of canonical_form(fp).
std::string compute_digest(const Fingerprint& fp);

/// The canonical form of a document tree as read from a file (TOML converted
/// to a tree, or JSON): every top-level member except "envlock", so keys a
/// newer envlock wrote are covered too. Equals canonical_form(fp) when
/// `document` is to_json(fp) or its TOML spelling read back.
std::string canonical_form_of_document(const nlohmann::json& document);

/// "sha256:<hex>" of canonical_form_of_document(document).
std::string digest_of_document(const nlohmann::json& document);

}  // namespace envlock::lockfile
