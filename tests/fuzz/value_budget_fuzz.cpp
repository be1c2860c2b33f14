// libFuzzer target: the value counters that run before toml++ and nlohmann see
// a lock or policy. They must never count fewer values than the parser then
// builds (else the budget would not bound the tree), and never crash.
// Seeds: fixtures/fuzz/lock/.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "lockfile/toml_codec.hpp"
#include "lockfile/value_budget.hpp"

namespace {

std::size_t toml_nodes(const toml::node& n) {
  std::size_t count = 1;
  if (const auto* t = n.as_table()) {
    for (auto&& [k, v] : *t) count += toml_nodes(v);
  } else if (const auto* a = n.as_array()) {
    for (const auto& v : *a) count += toml_nodes(v);
  }
  return count;
}

std::size_t json_nodes(const nlohmann::json& j) {
  std::size_t count = 1;
  if (j.is_structured()) {
    for (const auto& v : j) count += json_nodes(v);
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace envlock::lockfile;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t no_limit = ~std::size_t{0};
  auto toml_count = count_toml_values(text, no_limit);
  if (toml_count.over_budget_line) std::abort();
  if (!too_many_key_parts(text)) {
    try {
      toml::table t = toml::parse(text);
      // The root table is not counted: it exists for every document.
      if (toml_nodes(t) - 1 > toml_count.values) std::abort();
    } catch (const std::exception&) {
    }
  }
  auto json_count = count_json_values(text, no_limit);
  try {
    auto j = nlohmann::json::parse(text);
    if (json_nodes(j) > json_count.values) std::abort();
  } catch (const std::exception&) {
  }
  return 0;
}
