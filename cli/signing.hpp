#pragma once
// Lock signing for the commands: key files in, signed text or a verdict out.

#include <string>
#include <string_view>

#include "lockfile/error.hpp"

namespace envlock::cli {

/// Signs lock text with a private key file's content.
Result<std::string> sign_lock(std::string_view lock_text, std::string_view key_text,
                              std::string_view key_path);

/// Reads the public key file and verifies the lock text's signature (exit 3 on failure).
Result<void> verify_lock_file_signature(std::string_view lock_text, std::string_view lock_source,
                                        const std::string& pubkey_path);

}  // namespace envlock::cli
