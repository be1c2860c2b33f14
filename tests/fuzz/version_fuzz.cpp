// libFuzzer target for PEP 440 versions and specifiers: any bytes must parse
// or be refused, never crash or hang, and what parses must be stable. The
// input's first line is read as a specifier set, the rest as a version.
// Seeds: fixtures/fuzz/version/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "resolver/specifier.hpp"
#include "resolver/version.hpp"

namespace {

void check_version(std::string_view text) {
  using namespace envlock::resolver;
  const auto v = parse_version(text);
  if (!v) return;
  // The normalized form parses to an equal version and is a fixed point.
  const std::string norm = to_string(*v);
  const auto again = parse_version(norm);
  if (!again || compare(*v, *again) != 0 || to_string(*again) != norm) __builtin_trap();
  if (compare(*v, *v) != 0 || !versions_equal(text, norm)) __builtin_trap();
  if (compare(public_version(*v), *v) > 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock::resolver;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_version(text);
  const std::size_t nl = text.find('\n');
  const std::string_view spec_text = text.substr(0, nl);
  const std::string_view version = nl == std::string_view::npos ? "1.0" : text.substr(nl + 1);
  check_version(version);
  const auto set = parse_specifier_set(spec_text);
  if (!set) {
    if (set.error().message != "invalid specifier '" + std::string(spec_text) + "'") __builtin_trap();
    return 0;
  }
  // What we print, we read back.
  if (!parse_specifier_set(to_string(*set))) __builtin_trap();
  (void)contains(*set, version, true);
  (void)contains(*set, version, false);
  return 0;
}
