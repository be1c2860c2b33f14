// libFuzzer target for the policy parser: any bytes must give a policy or an
// error naming "fuzz.toml", never a crash or a hang. Seeds: fixtures/policies/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "resolver/compare.hpp"
#include "resolver/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = envlock::resolver::parse_policy(text, "fuzz.toml");
  if (!policy) {
    if (policy.error().message.rfind("fuzz.toml:", 0) != 0) __builtin_trap();
    return 0;
  }
  // A parsed policy must be usable: run it over a small comparison.
  envlock::lockfile::Fingerprint lock;
  lock.packages.resize(2);
  lock.packages[0].name = "certifi";
  lock.packages[0].version = "2024.2.2";
  lock.packages[1].name = "pip";
  lock.packages[1].version = "24.0";
  auto target = lock;
  target.packages[0].version = "2024.7.4";
  target.packages[1].version = "23.0";
  (void)envlock::resolver::compare(lock, target, *policy);
  return 0;
}
