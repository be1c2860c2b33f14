#pragma once
// Project names as PEP 503 compares them: "Foo_Bar", "foo.bar" and "FOO-bar"
// are the same project.

#include <string>
#include <string_view>

namespace envlock::resolver {

/// PEP 503 normalization: ASCII letters lowercased, every run of '-', '_' and
/// '.' replaced by one '-'. Never fails; other bytes pass through unchanged.
std::string normalize_name(std::string_view name);

}  // namespace envlock::resolver
