// libFuzzer target for RECORD (CSV) files: any bytes give rows or an error
// naming the file with its line, never a crash or a hang. Seeds: fixtures/fuzz/record/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/python/record_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock::scanner;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rows = parse_record(text, "fuzz/RECORD");
  if (!rows) {
    if (rows.error().message.rfind("fuzz/RECORD:", 0) != 0) __builtin_trap();
    return 0;
  }
  std::size_t total = 0;
  for (const auto& row : *rows) {
    if (row.path.empty()) __builtin_trap();
    total += row.path.size() + row.algorithm.size() + row.digest.size();
  }
  if (total > text.size()) __builtin_trap();  // every byte comes from the input
  // urlsafe base64: 4 characters per 3 bytes, rounded up, from its alphabet.
  const std::string b64 = urlsafe_b64(text);
  if (b64.size() != (text.size() * 4 + 2) / 3) __builtin_trap();
  if (b64.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
      std::string::npos) {
    __builtin_trap();
  }
  return 0;
}
