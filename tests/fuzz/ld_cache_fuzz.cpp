// libFuzzer target for the ld.so.cache parser (old, new and compat layouts).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/native/ld_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto entries = envlock::scanner::parse_ld_cache(bytes, "fuzz");
  (void)entries;
  return 0;
}
