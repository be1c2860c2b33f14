#pragma once
// Loads a lock (or scan output) named on the command line: a file path, or an
// http(s) URL fetched with libcurl under strict limits.

#include <string>

#include "lockfile/error.hpp"
#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

struct LoadedLock {
  lockfile::Fingerprint fingerprint;
  std::string text;  ///< the exact bytes, for signature verification
};

/// Reads and validates; verifies the digest (exit 3 on mismatch), and the
/// signature when `pubkey_path` is not empty (fails closed: exit 3).
Result<LoadedLock> load_lock(const std::string& location, const std::string& pubkey_path = "");

/// Fetches an http(s) URL: 30 s total, 10 s connect, at most 64 MiB, HTTP errors fail.
Result<std::string> fetch_url(const std::string& url);

}  // namespace envlock::cli
