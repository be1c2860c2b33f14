#pragma once
// Lock signing for the commands: key files in, signed text or a verdict out.

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace envlock::cli {

/// Reads a private key file for signing. Refuses (kInvalid, exit 2) a key
/// that group or others may read or write (mode & 077), as ssh does: a key
/// others can read is no longer only the signer's, and one they can write can
/// be swapped for theirs. Also refuses non-regular files and files over 4 KiB.
Result<std::string> read_private_key_file(const std::string& path);

/// Reads the public key file and verifies the lock text's signature (exit 3 on failure).
Result<void> verify_lock_file_signature(std::string_view lock_text, std::string_view lock_source,
                                        const std::string& pubkey_path);

}  // namespace envlock::cli
