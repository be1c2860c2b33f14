#pragma once
// Loads a lock (or scan output) named on the command line: a file path, or an
// http(s) URL fetched with libcurl under strict limits.

#include <string>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

struct LoadedLock {
  lockfile::Fingerprint fingerprint;
  std::string text;  ///< the exact bytes, for signature verification
  std::string name;  ///< the location as messages and reports show it (redact_location)
};

/// What the caller needs the document to be.
enum class LockUse {
  kLockOrScan,  ///< diff, export: a scan output without a digest is fine
  kLock,        ///< check, verify: no digest is an integrity failure (exit 3), never a pass
};

/// Reads and validates; verifies the digest (exit 3 on mismatch), and the
/// signature when `pubkey_path` is not empty (fails closed: exit 3). Every
/// message names the location through redact_location. A plain http:// URL
/// read without a public key prints a warning on stderr.
Result<LoadedLock> load_lock(const std::string& location, const std::string& pubkey_path = "",
                             LockUse use = LockUse::kLockOrScan);

/// `location` safe to print: for an http(s) URL, user:password@ becomes
/// ***@ and every query value becomes *** (pre-signed URLs carry their
/// credentials there); anything else is returned as it is.
std::string redact_location(const std::string& location);

/// Fetches an http(s) URL: 30 s total, 10 s connect, at most 64 MiB, HTTP errors
/// fail. Messages name the URL redacted (redact_location).
Result<std::string> fetch_url(const std::string& url);

}  // namespace envlock::cli
