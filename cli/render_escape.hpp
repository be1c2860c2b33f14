#pragma once
// Every string a renderer prints came from a scanned environment, a lock or a
// policy, so it is hostile: it may hold terminal escape sequences, markup,
// newlines that forge extra report lines, or bytes that are not UTF-8. These
// helpers make one string safe for one output syntax. JSON outputs do not use
// them: nlohmann::json escapes, and replaces ill-formed UTF-8 itself.

#include <cstddef>
#include <string>
#include <string_view>

namespace envlock::cli {

/// One decoded UTF-8 unit.
struct Utf8Unit {
  char32_t code_point = 0;  ///< the code point, or the lone byte when !valid
  std::size_t length = 1;   ///< bytes consumed (1 for an ill-formed byte)
  bool valid = false;
};

/// Decodes the code point at the front of `s` (which must not be empty).
/// Overlong forms, surrogates, values above U+10FFFF and truncated sequences
/// are ill-formed: the first byte comes back alone with valid = false.
Utf8Unit decode_utf8(std::string_view s);

/// Appends the UTF-8 encoding of `cp` (a valid scalar value).
void append_utf8(std::string& out, char32_t cp);

/// What make_visible does with line breaks and tabs.
enum class LineBreaks {
  kEscape,  ///< "\n", "\t", "\r" become the two characters `\n`, `\t`, `\r`
  kKeep,    ///< newline and tab stay as they are ("\r" is still escaped)
};

/// Returns valid UTF-8 with nothing a reader cannot see: C0/C1 controls and
/// DEL become `\xNN` (C1 as `\u0085`), bidirectional overrides become `\u202e`,
/// noncharacters U+FFFE/U+FFFF become `\ufffe`, and each ill-formed byte
/// becomes `\xNN`. Everything else passes unchanged.
std::string make_visible(std::string_view s, LineBreaks line_breaks);

/// For a terminal or a plain-text file: make_visible with line breaks escaped,
/// so one value never spans two lines and never moves the cursor.
std::string escape_terminal(std::string_view s);

/// For XML 1.0 and HTML text and attribute values alike: make_visible, then
/// & < > " ' as entities and newline/tab as character references (so they
/// survive attribute normalization).
std::string escape_xml(std::string_view s);

/// For XML/HTML element content only: like escape_xml but newlines and tabs
/// stay literal, so multi-line text stays readable in the file.
std::string escape_xml_text(std::string_view s);

/// For a cell of a GitHub-flavoured Markdown table: make_visible, HTML
/// specials as entities, Markdown punctuation and `|` backslash-escaped,
/// newlines as `<br>`.
std::string escape_markdown(std::string_view s);

/// Columns `s` takes on a terminal, counted as code points (wide East Asian
/// characters are counted as one). `s` should already be escape_terminal'd.
std::size_t display_width(std::string_view s);

}  // namespace envlock::cli
