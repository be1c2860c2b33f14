// libFuzzer target for the incremental hash cache file: whatever bytes are in
// it, loading gives a cache or an ignored file, never a crash, a hang or an
// entry that was not in the input. When the first byte is odd, the trailing
// checksum is fixed up first so that the fuzzer reaches the entry parser.
// Seeds: fixtures/fuzz/hash_cache/.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "base/sha256.hpp"
#include "scanner/cache/hash_cache.hpp"

namespace {

const std::string& cache_file() {
  static const std::string file = [] {
    char dir[] = "/tmp/envlock-cache-fuzz-XXXXXX";
    if (!::mkdtemp(dir)) __builtin_trap();
    return std::string(dir) + "/file-hashes.bin";
  }();
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size > 32 && (data[0] & 1)) {
    std::string body = bytes.substr(0, size - 32);
    bytes = body + envlock::hex_decode(envlock::sha256_hex(body));
  }
  {
    std::ofstream out(cache_file(), std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  ::chmod(cache_file().c_str(), 0600);
  envlock::scanner::HashCache cache(cache_file(), 0);
  if (cache.size() > 0 && !cache.note().empty()) __builtin_trap();
  if (cache.size() * 96 > size) __builtin_trap();
  (void)cache.lookup(envlock::scanner::FileKey{}, true);
  return 0;
}
