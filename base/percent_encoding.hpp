#pragma once
// Percent-encoding of URL parts (RFC 3986 section 2.1), used for package URLs
// and file URIs in reports.

#include <string>
#include <string_view>

namespace envlock {

/// Every byte of `s` but the unreserved characters (A-Z a-z 0-9 - . _ ~) and
/// those in `keep` as "%XX" with upper-case hex.
std::string percent_encode(std::string_view s, std::string_view keep = {});
/// "%XX" sequences of `s` as their bytes; a '%' without two hex digits after
/// it stays as it is.
std::string percent_decode(std::string_view s);

}  // namespace envlock
