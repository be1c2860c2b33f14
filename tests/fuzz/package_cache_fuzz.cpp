// libFuzzer target for the --fast package cache file: whatever bytes are in
// it, loading and looking up give a summary or a miss, never a crash or a
// hang; a served summary always has a name and a version.
// Seeds: fixtures/fuzz/package_cache/.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "scanner/python/package_cache.hpp"

namespace {

const std::string& cache_file() {
  static const std::string file = [] {
    char dir[] = "/tmp/envlock-pkgcache-fuzz-XXXXXX";
    if (!::mkdtemp(dir)) __builtin_trap();
    return std::string(dir) + "/packages.json";
  }();
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(cache_file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ::chmod(cache_file().c_str(), 0600);
  envlock::scanner::PackageCache cache(cache_file(), 0);
  // "/" and "/tmp" exist everywhere: entries keyed on them reach the stamp check.
  for (const char* dir : {"/", "/tmp", "/nonexistent.dist-info"}) {
    auto hit = cache.lookup(dir);
    if (hit && (hit->package.name.empty() || hit->package.version.empty())) __builtin_trap();
  }
  return 0;
}
