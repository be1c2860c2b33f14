#pragma once
// A cheap count, before any parser builds a tree, of how many values a TOML or
// JSON document would create. A tree costs about 100-300 bytes per value
// (toml++ node, nlohmann value, source map entry) whatever the value's size,
// so `x = [{},{},...]` (3 bytes a value) would cost ~100x its size in memory
// and time: 6.5 GB for a 63 MB lock. Capping values per byte caps that.

#include <cstddef>
#include <optional>
#include <string_view>

namespace envlock::lockfile {

/// The most values a document of `bytes` may hold: one per kBytesPerValue
/// bytes, but never fewer than kMinValueBudget (a small lock or policy is
/// never refused). Real locks use 21-27 bytes a value (docs/integrity.md).
inline constexpr std::size_t kBytesPerValue = 14;
inline constexpr std::size_t kMinValueBudget = 1u << 16;
std::size_t value_budget(std::size_t bytes);

/// What count_*_values found: the count (up to the point it passed the
/// budget) and, when it did, the 1-based line where that happened.
struct ValueCount {
  std::size_t values = 0;
  std::optional<std::size_t> over_budget_line;
};

/// Counts, outside strings and comments, every character that starts or
/// implies a value: `=`, `,`, `[`, `{` and `.` (a dotted key makes a table per
/// part). Never fewer than the nodes toml++ would build; stops at `budget`.
ValueCount count_toml_values(std::string_view text, std::size_t budget);

/// Same for JSON: `:`, `,`, `[`, `{` outside strings, plus the root value.
ValueCount count_json_values(std::string_view text, std::size_t budget);

}  // namespace envlock::lockfile
