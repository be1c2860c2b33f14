// libFuzzer target for os-release(5) files (parse_os_release of the OS
// probe): any bytes parse without crashing or hanging, into keys that are
// names and values that come from the input. Seeds: fixtures/fuzz/os_release/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/host/os_probe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto fields = envlock::scanner::parse_os_release(text);
  std::size_t total = 0;
  for (const auto& [key, value] : fields) {
    if (key.empty() || key.find_first_of("= \t\n#") != std::string::npos) __builtin_trap();
    if (value.find('\n') != std::string::npos) __builtin_trap();  // one line, one value
    total += key.size() + value.size();
  }
  if (total > text.size()) __builtin_trap();  // unescaping only ever shortens
  return 0;
}
