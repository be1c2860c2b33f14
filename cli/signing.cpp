#include "cli/signing.hpp"

#include "cli/output.hpp"
#include "lockfile/signature.hpp"

namespace envlock::cli {

Result<std::string> sign_lock(std::string_view lock_text, std::string_view key_text,
                              std::string_view key_path) {
  return lockfile::sign_lock_text(lock_text, key_text, key_path);
}

Result<void> verify_lock_file_signature(std::string_view lock_text, std::string_view lock_source,
                                        const std::string& pubkey_path) {
  auto key = ENVLOCK_TRY(read_input_file(pubkey_path, "public key"));
  return lockfile::verify_lock_signature(lock_text, key, lock_source);
}

}  // namespace envlock::cli
