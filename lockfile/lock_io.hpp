#pragma once
// Reading and writing lock and scan files: format detection, size and file
// type limits, digest verification, atomic replacement.

#include <string>
#include <string_view>

#include <sys/types.h>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::lockfile {

/// Replaces `path` with `content` atomically: writes `<path>.tmp.<pid>.<random>`
/// in the same directory, fsyncs it, renames it over `path`, fsyncs the
/// directory. Readers see the old file or the new one, never a partial one; on
/// any failure the temporary file is removed. The file is created with `mode`
/// (0644 for locks, 0600 for private keys), reduced by the umask as usual.
/// Errors (kInvalid) read `<path>: cannot <step>: <strerror>`.
Result<void> write_file_atomic(const std::string& path, std::string_view content);
Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode);

/// write_file_atomic that never replaces: the complete temporary file is
/// hard-linked to `path`, which fails (kInvalid, `<path>: already exists`)
/// when anything, even a dangling symlink, is there already. For key files.
Result<void> write_file_new(const std::string& path, std::string_view content, mode_t mode);

/// The bytes of a lock or scan file, with read_fingerprint_file's file type
/// and size limits (64 MiB). For callers that need the exact bytes too (a
/// signature check) before parsing them with parse_fingerprint_text.
Result<std::string> read_document_file(const std::string& path);

/// Reads a lock or scan output. Refuses directories, FIFOs, sockets and
/// devices without opening them for reading (so /dev/zero or a FIFO is an
/// immediate error, not a hang) and files over 64 MiB. The format is taken
/// from the content: JSON when the first non-blank byte is '{', else TOML.
/// Validates (kInvalid, `file:line: field: problem`) and, when
/// [envlock].digest is present, verifies it over the sections as read
/// (kIntegrity, `file: digest mismatch: recorded sha256:..., computed sha256:...`).
/// A document without a digest (a scan output) is accepted.
Result<Fingerprint> read_fingerprint_file(const std::string& path);

/// read_fingerprint_file for text already in memory (a lock fetched by URL);
/// `source` names it in messages.
Result<Fingerprint> parse_fingerprint_text(std::string_view text, std::string_view source);

/// Stamps the [envlock] table of a document envlock writes, the one place
/// these are set: envlock.schema to kSchemaVersion, envlock.generator to
/// "envlock <version>", envlock.created to the current UTC time when empty,
/// envlock.digest to compute_digest(fp); clears envlock.signature (sign with
/// sign_lock_text). envlock.target stays as the scan set it.
void stamp(Fingerprint& fp);

/// The lockfile text for `fp`, stamped (stamp()).
std::string render_lock(Fingerprint fp);

}  // namespace envlock::lockfile
