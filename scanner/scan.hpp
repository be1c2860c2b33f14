#pragma once
// One scan: a target (live interpreter, site dirs, root/prefix, image) in,
// a Fingerprint out. The list of probes is written out here, in one place.

#include <chrono>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "lockfile/fingerprint.hpp"
#include "scanner/cache/hash_cache.hpp"
#include "scanner/python/interpreter_query.hpp"

namespace envlock::scanner {

enum class TargetKind { kPython, kSite, kRoot, kImage };

struct ScanRequest {
  TargetKind kind = TargetKind::kPython;
  std::string python = "python3";
  std::vector<std::string> sites;
  std::string root;
  std::string image;
  std::string image_ref;
  std::string platform = "linux/amd64";
  bool fast = false;      ///< trust RECORD, read no package file contents
  bool use_cache = true;  ///< incremental hash cache
  /// Hash every file again, trusting no cached digest (the cache is still
  /// written); also re-asks the interpreter and re-reads every .dist-info.
  bool rehash = false;
  /// A cached digest older than this is not trusted; the file is read again.
  std::chrono::seconds rehash_after{HashCache::kDefaultRehashAfter};
  /// The limit on the interpreter query (ENVLOCK_PYTHON_TIMEOUT_MS, for tests).
  std::chrono::milliseconds python_timeout = kQueryLimit;
  std::vector<std::string> environ;  ///< "K=V" of the live process (live targets only)
};

/// Runs every probe that applies to the target. Errors only when the target
/// itself cannot be read (no interpreter, no such directory, bad image);
/// broken items inside it become diagnostics.
Result<lockfile::Fingerprint> scan(const ScanRequest& request);

}  // namespace envlock::scanner
