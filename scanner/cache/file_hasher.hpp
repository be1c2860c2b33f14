#pragma once
// Hashes many files on all cores, with large reads, answering from the
// incremental cache where the file's stat proves it unchanged.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

class HashCache;

/// Digest size in bytes of a hashlib algorithm name envlock computes ("md5",
/// "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224" .. "sha3_512",
/// "blake2b", "blake2s"); 0 for any other name.
std::size_t digest_size(std::string_view algorithm);

struct HashRequest {
  std::string path;
  /// A second algorithm (digest_size() != 0, not "sha256") computed in the same
  /// read, or "" for SHA-256 alone.
  std::string extra;
};

struct FileDigest {
  std::string sha256;  ///< lower-case hex
  std::string extra;   ///< raw digest of the requested extra algorithm
  /// The extra digest was asked for but the filesystem could only give SHA-256
  /// (an image keeps hashes, not content, of large files).
  bool extra_unavailable = false;
};

/// The digests of one file: from the cache when its stat key is there, else
/// read (and stored when the file kept its key while it was read; SHA-256 and
/// MD5 only). A per-file error (missing, not regular, unreadable) is returned.
Result<FileDigest> hash_file(const FileSystem& fs, const HashRequest& request, HashCache* cache);

/// Digests of each request, in the same order; a per-file error (missing, not
/// regular, unreadable) is returned in place, never thrown. With a cache, a
/// file whose stat key is cached is not read, and freshly read files whose
/// stat did not change while reading are stored (SHA-256 and MD5 only).
/// `threads` == 0 means one per hardware thread.
std::vector<Result<FileDigest>> hash_files(const FileSystem& fs,
                                           const std::vector<HashRequest>& requests,
                                           HashCache* cache = nullptr, unsigned threads = 0);

/// SHA-256 (lower-case hex) of each path; hash_files without extras or cache.
std::vector<Result<std::string>> hash_files(const FileSystem& fs,
                                            const std::vector<std::string>& paths,
                                            unsigned threads = 0);

}  // namespace envlock::scanner
