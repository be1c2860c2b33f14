// libFuzzer target: lock and scan documents, TOML or JSON, through the entry
// point a lock file or URL goes through (the format is taken from the content).
// Whatever is accepted must survive a write/read round trip through either
// format unchanged. Seeds: fixtures/fuzz/lock/toml and fixtures/fuzz/lock/json.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lockfile/json_codec.hpp"
#include "lockfile/lock_io.hpp"
#include "lockfile/toml_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace envlock::lockfile;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fp = parse_fingerprint_text(text, "fuzz.lock");
  if (!fp) {
    // Every error names its source.
    if (fp.error().message.rfind("fuzz.lock", 0) != 0) std::abort();
    return 0;
  }
  auto back = parse_fingerprint_text(to_toml(*fp), "again.toml");
  if (!back || to_json(*back) != to_json(*fp)) std::abort();
  auto json_back = parse_fingerprint_text(to_json(*fp).dump(), "again.json");
  if (!json_back || to_json(*json_back) != to_json(*fp)) std::abort();
  return 0;
}
