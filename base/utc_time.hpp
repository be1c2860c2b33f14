#pragma once
// Wall-clock times as text, always in UTC so a lock or report reads the same
// wherever it was written.

#include <ctime>
#include <string>

namespace envlock {

/// ISO 8601 in UTC with its zone: "2026-01-31T12:00:00Z".
inline constexpr const char* kUtcIso8601 = "%Y-%m-%dT%H:%M:%SZ";

/// `t` in UTC through strftime's `format` (at most 63 bytes of output).
std::string format_utc(std::time_t t, const char* format = kUtcIso8601);
/// The current time through format_utc.
std::string utc_now(const char* format = kUtcIso8601);

}  // namespace envlock
