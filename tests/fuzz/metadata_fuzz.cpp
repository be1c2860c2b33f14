// libFuzzer target for core-metadata headers (METADATA, PKG-INFO, WHEEL): any
// bytes give headers or an error naming the file, never a crash or a hang,
// and what comes out keeps the parser's promises. Seeds: fixtures/fuzz/metadata/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/python/metadata_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock::scanner;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // to_utf8 is a fixed point once applied, and never shrinks the text.
  const std::string utf8 = to_utf8(text);
  if (utf8.size() < text.size() || to_utf8(utf8) != utf8) __builtin_trap();

  auto headers = parse_headers(text, "fuzz/METADATA");
  if (!headers) {
    if (headers.error().message.rfind("fuzz/METADATA:", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const auto& [name, value] : headers->fields) {
    if (name.empty() || name.find_first_of(": \t\n") != std::string::npos) __builtin_trap();
    if (to_utf8(value) != value) __builtin_trap();
    if (!headers->has(name) || headers->get_all(name).empty()) __builtin_trap();
  }
  (void)headers->get("Requires-Dist");
  return 0;
}
