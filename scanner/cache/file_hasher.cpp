#include "scanner/cache/file_hasher.hpp"

#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1
#include <cryptopp/blake2.h>
#include <cryptopp/md5.h>
#include <cryptopp/sha.h>
#include <cryptopp/sha3.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

#include "base/sha256.hpp"
#include "scanner/cache/hash_cache.hpp"

namespace envlock::scanner {

namespace {

// hashlib names RECORD may use (PEP 376: hashlib.algorithms_guaranteed, shake
// excepted: it has no fixed size) and dpkg's md5sums.
std::unique_ptr<CryptoPP::HashTransformation> make_hash(std::string_view name) {
  if (name == "md5") return std::make_unique<CryptoPP::Weak::MD5>();
  if (name == "sha1") return std::make_unique<CryptoPP::SHA1>();
  if (name == "sha224") return std::make_unique<CryptoPP::SHA224>();
  if (name == "sha256") return std::make_unique<CryptoPP::SHA256>();
  if (name == "sha384") return std::make_unique<CryptoPP::SHA384>();
  if (name == "sha512") return std::make_unique<CryptoPP::SHA512>();
  if (name == "sha3_224") return std::make_unique<CryptoPP::SHA3_224>();
  if (name == "sha3_256") return std::make_unique<CryptoPP::SHA3_256>();
  if (name == "sha3_384") return std::make_unique<CryptoPP::SHA3_384>();
  if (name == "sha3_512") return std::make_unique<CryptoPP::SHA3_512>();
  if (name == "blake2b") return std::make_unique<CryptoPP::BLAKE2b>();  // 64 bytes, as hashlib
  if (name == "blake2s") return std::make_unique<CryptoPP::BLAKE2s>();  // 32 bytes
  return nullptr;
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(std::string_view raw) {
  std::array<std::uint8_t, N> out{};
  if (raw.size() == N) std::memcpy(out.data(), raw.data(), N);
  return out;
}

Result<FileDigest> read_and_hash(const FileSystem& fs, const HashRequest& req) {
  FileDigest out;
  if (req.extra.empty()) {
    // An image filesystem answers from hashes taken while streaming.
    out.sha256 = ENVLOCK_TRY(fs.sha256(req.path));
    return out;
  }
  auto extra = make_hash(req.extra);
  if (!extra) return fail(req.path + ": unsupported hash algorithm " + req.extra);
  Sha256 sha;
  auto done = fs.read_chunks(req.path, [&](const char* data, std::size_t size) {
    sha.update(data, size);
    extra->Update(reinterpret_cast<const CryptoPP::byte*>(data), size);
  });
  if (!done) {
    out.sha256 = ENVLOCK_TRY(fs.sha256(req.path));
    out.extra_unavailable = true;
    return out;
  }
  out.sha256 = sha.hex_final();
  out.extra.resize(extra->DigestSize());
  extra->Final(reinterpret_cast<CryptoPP::byte*>(out.extra.data()));
  return out;
}

}  // namespace

Result<FileDigest> hash_file(const FileSystem& fs, const HashRequest& req, HashCache* cache) {
  const bool md5 = req.extra == "md5";
  if (!cache || (!req.extra.empty() && !md5)) return read_and_hash(fs, req);
  auto before = fs.stat(req.path);
  if (!before || before->type != FileType::kRegular) return read_and_hash(fs, req);
  const FileKey key = FileKey::of(*before);
  if (auto hit = cache->lookup(key, md5)) {
    FileDigest out;
    out.sha256 = hex_encode(
        std::string_view(reinterpret_cast<const char*>(hit->sha256.data()), hit->sha256.size()));
    if (md5) out.extra.assign(reinterpret_cast<const char*>(hit->md5->data()), hit->md5->size());
    return out;
  }
  auto digest = read_and_hash(fs, req);
  if (!digest || digest->extra_unavailable) return digest;
  // Stored only when the file kept its key while it was read: a write, rename
  // or replacement meanwhile changes ctime or the inode.
  auto after = fs.stat(req.path);
  if (after && FileKey::of(*after) == key) {
    CachedDigest value;
    value.sha256 = to_array<32>(hex_decode(digest->sha256));
    if (md5) value.md5 = to_array<16>(digest->extra);
    cache->store(key, value);
  }
  return digest;
}

std::size_t digest_size(std::string_view algorithm) {
  auto h = make_hash(algorithm);
  return h ? h->DigestSize() : 0;
}

std::vector<Result<FileDigest>> hash_files(const FileSystem& fs,
                                           const std::vector<HashRequest>& requests,
                                           HashCache* cache, unsigned threads) {
  std::vector<Result<FileDigest>> out(requests.size(), fail("not hashed"));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads,
                               static_cast<unsigned>(std::max<std::size_t>(1, requests.size())));
  // Work stealing by index: files vary from bytes to gigabytes, so static
  // partitioning would leave cores idle behind one large file.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < requests.size(); i = next++) {
      out[i] = hash_file(fs, requests[i], cache);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return out;
}

std::vector<Result<std::string>> hash_files(const FileSystem& fs,
                                            const std::vector<std::string>& paths,
                                            unsigned threads) {
  std::vector<HashRequest> requests;
  requests.reserve(paths.size());
  for (const auto& p : paths) requests.push_back({p, ""});
  auto digests = hash_files(fs, requests, nullptr, threads);
  std::vector<Result<std::string>> out;
  out.reserve(digests.size());
  for (auto& d : digests) {
    if (d) {
      out.emplace_back(std::move(d->sha256));
    } else {
      out.emplace_back(tl::unexpected(d.error()));
    }
  }
  return out;
}

}  // namespace envlock::scanner
