#pragma once
// Ed25519 signatures for locks (docs/lockfile.md, "Signature"). The signature
// is one line `signature = "ed25519:<128 hex>"` at the end of [envlock]; it
// covers every other byte of the file, so the lock stays one self-contained
// file and any edit anywhere (a comment, [envlock], whitespace) fails.

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace envlock::lockfile {

/// A key pair as text, one line each (with a trailing newline):
/// `envlock-ed25519-private:<64 hex>` (the 32-byte seed; write it with mode
/// 0600, see write_file_atomic) and `envlock-ed25519-public:<64 hex>`.
struct KeyPair {
  std::string private_pem_or_text;
  std::string public_text;
};

/// A fresh key pair from the OS random source.
Result<KeyPair> generate_keypair();

/// Returns `lock_text` with the line `signature = "ed25519:<hex>"` placed after
/// the last key line of the [envlock] table (an existing signature line is
/// replaced). kInvalid when the key text is not an envlock private key (the
/// message names `key_source`) or the text has no [envlock] table.
Result<std::string> sign_lock_text(std::string_view lock_text, std::string_view private_key_text,
                                   std::string_view key_source);

/// Checks the signature of a signed lock. kIntegrity (message starts with
/// `source: `) when the signature line is missing, malformed, not where
/// sign_lock_text puts it, made with another key, or the content was edited.
/// kInvalid when `public_key_text` is not an envlock public key.
Result<void> verify_lock_signature(std::string_view lock_text, std::string_view public_key_text,
                                   std::string_view source);

/// Validates a public key file's text; kInvalid naming `key_source` otherwise.
Result<void> check_public_key(std::string_view public_key_text, std::string_view key_source);

}  // namespace envlock::lockfile
