#pragma once
// Hashes many files on all cores. The incremental cache plugs in here.

#include <string>
#include <vector>

#include "lockfile/error.hpp"
#include "scanner/filesystem.hpp"

namespace envlock::scanner {

/// SHA-256 (lower-case hex) of each path, in the same order; a per-file error
/// (missing, not regular, unreadable) is returned in place, never thrown.
/// `threads` == 0 means one per hardware thread.
std::vector<Result<std::string>> hash_files(const FileSystem& fs,
                                            const std::vector<std::string>& paths,
                                            unsigned threads = 0);

}  // namespace envlock::scanner
