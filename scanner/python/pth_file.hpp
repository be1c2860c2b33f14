#pragma once
// The lines of a *.pth file, read the way CPython's site.addpackage reads
// them. Two readers depend on it and must agree with Python and with each
// other: expand_pth (the sys.path of targets scanned without running Python)
// and the interpreter cache (the directories a live interpreter's sys.path
// depends on).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace envlock::scanner {

/// A hostile .pth could list millions of lines, each a stat for its reader;
/// real ones list a handful.
inline constexpr std::size_t kMaxPthEntries = 1000;

/// The path entries of a .pth file's text, in order, at most kMaxPthEntries.
/// Lines end at \n, \r\n or \r (Python's universal newlines). A line starting
/// with "#", blank once stripped, or starting with "import " or "import\t"
/// (code, which envlock never runs) is skipped; any other loses its trailing
/// whitespace only, as line.rstrip() does, so " lib" stays " lib".
/// This is how Python up to 3.12 reads the file; 3.13 also drops a UTF-8 BOM
/// and splits at \v, \f and \x1c-\x1e (str.splitlines), which no real .pth
/// file relies on.
std::vector<std::string> pth_entries(std::string_view text);

}  // namespace envlock::scanner
