#include "scanner/file_hasher.hpp"

#include <atomic>
#include <thread>

namespace envlock::scanner {

std::vector<Result<std::string>> hash_files(const FileSystem& fs,
                                            const std::vector<std::string>& paths,
                                            unsigned threads) {
  std::vector<Result<std::string>> out(paths.size(), fail("not hashed"));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, paths.size())));
  // Work stealing by index: files vary from bytes to gigabytes, so static
  // partitioning would leave cores idle behind one large file.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < paths.size(); i = next++) out[i] = fs.sha256(paths[i]);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return out;
}

}  // namespace envlock::scanner
