// libFuzzer target: lock and scan documents (TOML) through the same entry point
// as a lock file or URL. Whatever is accepted must also survive a write/read
// round trip unchanged.

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
  auto fp = parse_fingerprint_text(text, "fuzz.toml");
  if (!fp) {
    // Every error names its source.
    if (fp.error().message.rfind("fuzz.toml", 0) != 0) std::abort();
    return 0;
  }
  auto back = parse_toml(to_toml(*fp), "again.toml");
  if (!back || to_json(*back) != to_json(*fp)) std::abort();
  auto json_back = parse_json(to_json(*fp).dump(), "again.json");
  if (!json_back || to_json(*json_back) != to_json(*fp)) std::abort();
  return 0;
}
