// libFuzzer target for interpreter cache entries: whatever bytes are in the
// entry file, lookup() answers or misses, never crashes or hangs. The
// "interpreter" is this fuzzer's own binary (an ELF file, so cacheable).
// Seeds: fixtures/fuzz/interpreter_cache/.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "scanner/python/interpreter_cache.hpp"

namespace {

struct Setup {
  std::string exe;
  std::vector<std::string> env{"PATH=/usr/bin:/bin"};
  std::string dir;
  std::string file;
};

const Setup& setup() {
  static const Setup s = [] {
    Setup out;
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) __builtin_trap();
    out.exe = std::string(buf, static_cast<std::size_t>(n));
    char dir[] = "/tmp/envlock-interp-fuzz-XXXXXX";
    if (!::mkdtemp(dir)) __builtin_trap();
    out.dir = dir;
    out.file = envlock::scanner::InterpreterCache(out.dir).entry_file(out.exe, out.env);
    if (out.file.empty()) __builtin_trap();
    ::mkdir((out.dir + "/interpreters").c_str(), 0700);
    return out;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Setup& s = setup();
  {
    std::ofstream out(s.file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ::chmod(s.file.c_str(), 0600);
  envlock::scanner::InterpreterCache cache(s.dir);
  auto facts = cache.lookup(s.exe, s.env);
  if (facts && (facts->python.version.empty() || facts->python.implementation.empty())) __builtin_trap();
  return 0;
}
