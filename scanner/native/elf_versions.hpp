#pragma once
// Versions an ELF object's names carry: its symbol-version nodes
// ("GLIBC_2.34", "GLIBCXX_3.4.30") and its file name ("libcudart.so.12.1.105").
// Numeric, dotted, and compared as numbers ("2.9" < "2.17").

#include <string>
#include <string_view>
#include <vector>

namespace envlock::scanner {

/// Highest "<prefix>x.y[.z]" among names, compared numerically ("GLIBC_" ->
/// "2.34"); "" when none. Non-numeric suffixes (GLIBC_PRIVATE) are ignored.
std::string highest_version(const std::vector<std::string>& names, std::string_view prefix);

/// Numeric comparison of dotted versions ("2.9" < "2.17"); -1, 0 or 1.
int compare_dotted(std::string_view a, std::string_view b);

/// The version a library file name carries after its last ".so." that is
/// followed only by digits and dots ("libcudart.so.12.1.105" -> "12.1.105",
/// "libc-2.31.so" -> ""); "" when there is none.
std::string so_version(std::string_view file_name);

}  // namespace envlock::scanner
